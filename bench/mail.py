"""Mailing one brief to every subscriber: our sender against plain smtplib, in one run.

    .venv/bin/python bench/mail.py [--subscribers 5000 50000] [--connections 2]

For each size it makes a database of its own on the local PostgreSQL (`briefs_mail`, emptied
first) with that many confirmed subscribers following everything, starts an SMTP sink on
loopback (aiosmtpd, in a process of its own, taking every message), and measures:

- the floor: `--connections` processes of plain smtplib, each on one connection, sending the
  same rendered message (ours, as the first subscriber gets it) to their share of the
  addresses;
- ours: the brief published through the write path, its event handed over
  (`manage.py dispatch_events`, which queues a delivery per subscriber), then `--connections`
  senders (`manage.py send_queued_mail`, the code the worker's sending task runs) until the
  queue is empty.

It prints minutes and mails per second for both, our ratio to the floor, and the peak RSS of
the queueing process and of the largest sender (memory stays flat when those do not grow with
the number of subscribers). It talks to 127.0.0.1 only and stops what it starts, by PID.
"""

import argparse
import asyncio
import multiprocessing
import os
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SERVER_URL = "postgres://postgres@127.0.0.1:5432"
DATABASE = "briefs_mail"
FROM = "briefs@example.org"


def environment(smtp_port):
    return {
        **os.environ,
        "DATABASE_URL": f"{SERVER_URL}/{DATABASE}",
        "DJANGO_SETTINGS_MODULE": "briefs_site.settings",
        # As in production: with debug on, Django keeps every query it ran in memory.
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-only-" + "k" * 20 + "abcdefghijklmnopqrstuvwxyz",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "DJANGO_EMAIL_HOST": "127.0.0.1",
        "DJANGO_EMAIL_PORT": str(smtp_port),
        "BRIEFS_SITE_URL": "https://briefs.example.org",
        "BRIEFS_MAIL_RATE": "0",
        # The sending tasks a commit starts go nowhere: the senders are started by hand.
        "CELERY_BROKER_URL": "memory://",
    }


def fresh_database(env):
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{DATABASE}"')
    manage(env, "migrate", "--noinput", "-v0")


# Runs manage.py and writes its own peak RSS (VmHWM, in kB) to stderr as it exits. The
# ru_maxrss that wait4() reports for a child counts the memory it shared with this process
# between fork and exec, so it says more about this process than about the command.
REPORT_PEAK = (
    "import atexit, runpy, sys\n"
    "def report():\n"
    "    peak = [line for line in open('/proc/self/status') if line.startswith('VmHWM')]\n"
    "    sys.stderr.write('peak-rss-kb ' + peak[0].split()[1] + '\\n')\n"
    "atexit.register(report)\n"
    "sys.argv = ['manage.py', *sys.argv[1:]]\n"
    "runpy.run_path('manage.py', run_name='__main__')\n"
)


def start(env, *arguments):
    return subprocess.Popen(
        [sys.executable, "-c", REPORT_PEAK, *arguments],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def manage(env, *arguments):
    """Run a manage.py command to its end; returns (seconds, peak RSS in MB)."""
    started = time.perf_counter()
    return finish(start(env, *arguments), started)


def finish(process, started):
    _, errors = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"{process.args} failed with status {process.returncode}:\n{errors}")
    peak_kb = next(
        int(line.split()[1]) for line in errors.splitlines() if line.startswith("peak-rss-kb ")
    )
    return time.perf_counter() - started, peak_kb / 1024


def run_sink(port, ready):
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 2.0.0 Taken"

    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    asyncio.run(asyncio.Event().wait())


def start_sink(port):
    ready = multiprocessing.Event()
    sink = multiprocessing.Process(target=run_sink, args=(port, ready), daemon=True)
    sink.start()
    ready.wait(timeout=30)
    return sink


def send_plainly(port, message, addresses):
    with smtplib.SMTP("127.0.0.1", port) as connection:
        for address in addresses:
            connection.sendmail(FROM, [address], message)


def floor(port, message, addresses, connections):
    shares = [addresses[n::connections] for n in range(connections)]
    started = time.perf_counter()
    senders = [
        multiprocessing.Process(target=send_plainly, args=(port, message, share))
        for share in shares
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    return time.perf_counter() - started


def prepare(count):
    """The subscribers and a draft brief with every part a mail shows; returns the brief."""
    from django.contrib.auth import get_user_model

    from briefs.models import Brief, BriefSection, Format, Issue, RelatedLink
    from experts.models import Expert, ExpertQuote
    from subscriptions.models import Subscriber

    Subscriber.objects.bulk_create(
        [
            Subscriber(
                email=f"reader{n}@example.org",
                status=Subscriber.Status.ACTIVE,
                everything=True,
                confirmed_at="2026-01-01T00:00:00Z",
            )
            for n in range(count)
        ],
        batch_size=5000,
    )
    get_user_model().objects.create_superuser("bench-editor", "", "unused")
    brief = Brief.objects.create(
        title="Shipping insurers pull cover from the strait",
        format=Format.objects.get_or_create(name="Flash Brief")[0],
        summary="Three insurers stopped writing war-risk cover on Monday; freight rates rose.",
        latest_developments="Insurers **withdrew** cover.\n\nRates rose by a third overnight.",
    )
    brief.issues.set([Issue.objects.create(name="Shipping"), Issue.objects.create(name="Energy")])
    for n in range(2):
        expert = Expert.objects.create(name=f"Analyst Number{n}", title="Senior Fellow")
        ExpertQuote.objects.create(brief=brief, expert=expert, text="Cover will come back slowly.")
        BriefSection.objects.create(brief=brief, heading=f"Part {n}", body="A paragraph.")
        RelatedLink.objects.create(
            brief=brief, title=f"Background {n}", url=f"https://example.org/background/{n}"
        )
    return brief


def measure(count, connections, port):
    env = environment(port)
    fresh_database(env)
    os.environ.update(env)
    import django
    from django.db import connection

    django.setup()
    connection.close()
    from django.contrib.auth import get_user_model

    from briefs.editorial import changes
    from subscriptions.delivery import Sender
    from subscriptions.models import Delivery

    brief = prepare(count)
    changes.publish_now(brief, get_user_model().objects.get())
    queue_seconds, queue_rss = manage(env, "dispatch_events")
    first = Delivery.objects.select_related("subscriber", "mailing__brief").earliest("pk")
    message = Sender().message_for(first).message().as_bytes(linesep="\r\n")
    addresses = [f"reader{n}@example.org" for n in range(count)]
    floor_seconds = floor(port, message, addresses, connections)
    connection.close()

    started = time.perf_counter()
    senders = [start(env, "send_queued_mail") for _ in range(connections)]
    sender_rss = max(finish(sender, started)[1] for sender in senders)
    our_seconds = time.perf_counter() - started
    sent = Delivery.objects.filter(status=Delivery.Status.SENT).count()
    if sent != count:
        raise SystemExit(f"{sent} of {count} deliveries were sent")
    return {
        "subscribers": count,
        "message_kb": len(message) / 1024,
        "queue_seconds": queue_seconds,
        "queue_rss": queue_rss,
        "floor_seconds": floor_seconds,
        "our_seconds": our_seconds,
        "sender_rss": sender_rss,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--connections", type=int, default=2)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from deploy.stack import free_port

    port = free_port()
    sink = start_sink(port)
    try:
        results = [measure(count, options.connections, port) for count in options.subscribers]
    finally:
        sink.terminate()
        sink.join()
    print(f"\nOne brief to every subscriber, {options.connections} SMTP connections, "
          "aiosmtpd sink on loopback, PostgreSQL:")  # fmt: skip
    print(
        "| subscribers | message | queueing | floor (smtplib) | ours | ratio "
        "| peak RSS: queueing, sender |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(
            f"| {r['subscribers']:,} | {r['message_kb']:.0f} KB | {r['queue_seconds']:.1f} s "
            f"| {r['floor_seconds'] / 60:.2f} min, {r['subscribers'] / r['floor_seconds']:,.0f}/s "
            f"| {r['our_seconds'] / 60:.2f} min, {r['subscribers'] / r['our_seconds']:,.0f}/s "
            f"| {r['floor_seconds'] / r['our_seconds']:.2f} "
            f"| {r['queue_rss']:.0f} MB, {r['sender_rss']:.0f} MB |"
        )


if __name__ == "__main__":
    main()
