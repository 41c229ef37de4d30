"""From a scheduled brief's `publish_at` to its handlers starting: the worker's lateness.

    .venv/bin/python bench/events.py [--briefs 100] [--spread 40] [--lost-messages]

It makes a database of its own on the local PostgreSQL (`briefs_events`, emptied first),
starts the worker as production runs it (`celery -A briefs_site worker --beat`, Redis on
127.0.0.1 as its broker, database 14), schedules `--briefs` briefs through the write path at
moments spread over `--spread` seconds from 15 s after now, waits until every one has been
handed over, and prints, for the activity handler of each brief's `brief.published` event,
how long after `publish_at` it started: p50, p99, the worst and the earliest (never below
zero: nothing is handed over early). With --lost-messages the worker starts only after the
briefs are scheduled, on an emptied broker: the sweep alone hands them over. Nobody visits the
site. It talks to 127.0.0.1 only and stops the worker, by its PID, when it ends.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
SERVER_URL = "postgres://postgres@127.0.0.1:5432"
DATABASE = "briefs_events"
BROKER_URL = "redis://127.0.0.1:6379/14"
ENVIRONMENT = {
    **os.environ,
    "DATABASE_URL": f"{SERVER_URL}/{DATABASE}",
    "CELERY_BROKER_URL": BROKER_URL,
    "DJANGO_SETTINGS_MODULE": "briefs_site.settings",
}
LEAD_TIME = 15  # seconds between now and the first publication: the worker starts meanwhile


def fresh_database():
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        server.execute(f'CREATE DATABASE "{DATABASE}"')
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT, env=ENVIRONMENT, check=True,
    )  # fmt: skip


def start_worker():
    import redis

    redis.Redis.from_url(BROKER_URL).flushdb()
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "briefs_site", "worker", "--beat",
         "--concurrency", "2", "--loglevel", "warning", "--without-mingle", "--without-gossip"],
        cwd=ROOT, env={**ENVIRONMENT, "BRIEFS_BEAT_SCHEDULE": "/tmp/briefs-bench-beat"},
    )  # fmt: skip


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--briefs", type=int, default=100)
    parser.add_argument("--spread", type=float, default=40.0)
    parser.add_argument("--lost-messages", action="store_true")
    options = parser.parse_args()

    fresh_database()
    os.environ.update(ENVIRONMENT)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from briefs.editorial import changes
    from briefs.models import Brief, Format
    from events.models import Event, HandlerRun

    editor = get_user_model().objects.create_superuser("bench-editor", "", "unused")
    flash = Format.objects.get_or_create(name="Flash Brief")[0]
    worker = None if options.lost_messages else start_worker()
    try:
        start = timezone.now() + timedelta(seconds=LEAD_TIME)
        step = options.spread / max(1, options.briefs - 1)
        for number in range(options.briefs):
            brief = Brief.objects.create(
                title=f"Scheduled brief {number}", format=flash, latest_developments="Words."
            )
            changes.schedule(brief, editor, start + timedelta(seconds=number * step))
        if options.lost_messages:
            worker = start_worker()  # which empties the broker first
        published = Event.objects.filter(kind="brief.published")
        deadline = time.monotonic() + LEAD_TIME + options.spread + 60
        while published.filter(handled_at__isnull=True).exists():
            if time.monotonic() > deadline or worker.poll() is not None:
                raise SystemExit("the worker did not hand every event over in time")
            time.sleep(0.5)
        runs = HandlerRun.objects.filter(event__in=published, handler="activity")
        late = [
            (run.started_at - run.event.due_at).total_seconds()
            for run in runs.select_related("event")
        ]
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
    milliseconds = {
        "p50": statistics.median(late), "p99": percentile(late, 0.99), "worst": max(late),
        "earliest": min(late),
    }  # fmt: skip
    print(f"{len(late)} scheduled briefs, published over {options.spread:.0f} s; from "
          "publish_at to the handler starting:")  # fmt: skip
    print("  " + ", ".join(f"{name} {value * 1000:.0f} ms" for name, value in milliseconds.items()))
    if min(late) < 0:
        raise SystemExit("an event was handed over before its time")


if __name__ == "__main__":
    main()
