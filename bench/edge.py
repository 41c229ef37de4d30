"""Edge benchmark: the site behind Varnish against the bare-Django floor, in one run.

    make bench-edge
    # or, against another database:
    DATABASE_URL=postgres://... .venv/bin/python bench/edge.py [--app-workers N]

It starts the production layout on loopback with deploy/stack.py, in a temporary folder of its
own: a bounded Redis, two gunicorn app servers, Varnish in front of them and the worker (Celery
with beat), against the generated archive (bench/README.md). Then:

1. The floor, measured directly (not through Varnish), first and last: the peer harness's bare
   Django (`../shared/bench/peer/`, built in /tmp/anchors by its setup_floor.sh when missing)
   if that folder exists, else our own /_bench/floor/ (bench/floor.py) on the first app server.
2. Through Varnish: the front page, a brief, the issue with the most public briefs and the main
   feed, each warmed once and then loaded with wrk for 10 s, with `Accept-Encoding: gzip` (as
   browsers send it) and without. Varnish's counters around those runs give the requests that
   reached an app server per 10,000 that reached Varnish while nothing changed.
3. Publishing under load: 60 s of wrk over the four pages while this process, as an editor,
   publishes a draft of the archive every 10 s through the write path (briefs.editorial.changes)
   and then polls the front page and the brief's page through Varnish every 20 ms until a
   reader sees the brief on both.

The editor's briefs are put back to draft at the end, through the write path, with their old
`publish_at`; their revisions, transitions and events stay in the archive's history. Everything
the script started is stopped by its PID when it ends, on an error and on Ctrl-C.
"""

import argparse
import html
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.serving import BARE_FLOOR_PATH, BARE_FLOOR_WORKERS, bare_floor, read_wrk  # noqa: E402
from deploy import stack  # noqa: E402

DATABASE_URL = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/briefs_bench")
HOST = "127.0.0.1"
# The issue's command, as bench/pages.py runs it (--timeout: a slow answer is measured, not
# dropped), for the floor and the pages alike.
CONNECTIONS = 8
WRK = ["wrk", "-t2", f"-c{CONNECTIONS}", "--latency", "--timeout", "10s"]
GZIP = ["-H", "Accept-Encoding: gzip"]
PAGE_SECONDS = 10
LOAD_SECONDS = 60
PUBLISH_EVERY = 10  # seconds between the editor's publications
FIRST_PUBLICATION = 5  # seconds into the load: wrk's connections are all busy by then
POLL_EVERY = 0.02  # seconds between a reader's looks for a new brief
SEEN_TIMEOUT = 30  # seconds after which a publication counts as never seen
APP_SERVERS = 2
# As deploy/gunicorn.conf.py runs them. Measured on the 2-core machine (bench/README.md): with
# one worker a server, a new brief's page waited behind the purged pages being made again
# (seen after up to 2.2 s, against 1.2 s with two); pages kept by Varnish are served as fast.
APP_WORKERS = 2
STARTUP_TIMEOUT = 60
EDITOR_NAME = "bench-edge-editor"
# The issue's targets: ratio to the floor, origin requests per 10,000, p99 (ms), seen (s).
TARGET_RATIO, TARGET_ORIGIN, TARGET_P99, TARGET_SEEN = 20, 2, 50, 1.0


def distinct_free_ports(count):
    ports = set()
    while len(ports) < count:
        ports.add(stack.free_port())
    return list(ports)


REDIS_PORT, VARNISH_PORT, *APP_PORTS = distinct_free_ports(2 + APP_SERVERS)
EDGE_URL = f"http://{HOST}:{VARNISH_PORT}"

# The app servers', the worker's and this process's environment: the editor below publishes
# as the site would, so its purges go to this Varnish and its events to this Redis.
APP_ENV = {
    "DJANGO_SETTINGS_MODULE": "briefs_site.settings",
    "DATABASE_URL": DATABASE_URL,
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "BRIEFS_SITE_URL": EDGE_URL,
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "REDIS_URL": f"redis://{HOST}:{REDIS_PORT}/0",
    "BRIEFS_EDGE_PURGE_URLS": f"{EDGE_URL}/",
}
os.environ.update(APP_ENV)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import DatabaseError, connection, transaction  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402
from django.db.models import Count  # noqa: E402

from briefs.editorial import changes  # noqa: E402
from briefs.models import Brief  # noqa: E402
from events.models import Event  # noqa: E402

MAKE_ARCHIVE = """Make it as bench/README.md says ("The generated archive"):
  createdb -h 127.0.0.1 -U postgres briefs_bench
  export DATABASE_URL=postgres://postgres@127.0.0.1:5432/briefs_bench
  .venv/bin/python manage.py migrate
  .venv/bin/python manage.py generate_briefs --count 100000 --seed 1 --until 2026-11-26"""


def check_archive(drafts_needed):
    try:
        executor = MigrationExecutor(connection)
        unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
        public = Brief.objects.published().count()
        drafts = Brief.objects.filter(status=Brief.Status.DRAFT).count()
    except DatabaseError as error:
        raise SystemExit(
            f"No generated archive at {DATABASE_URL}: {error}\n{MAKE_ARCHIVE}"
        ) from error
    if unapplied:
        raise SystemExit(
            f"{DATABASE_URL} lacks {len(unapplied)} migration(s): run "
            "`.venv/bin/python manage.py migrate` with that DATABASE_URL."
        )
    if not public:
        raise SystemExit(f"{DATABASE_URL} holds no public brief.\n{MAKE_ARCHIVE}")
    if drafts < drafts_needed:
        raise SystemExit(f"{DATABASE_URL} holds {drafts} drafts; the editor needs {drafts_needed}.")


def pages_to_measure():
    """(label, path) of the four pages, found in the archive."""
    brief = (
        Brief.objects.published()
        .filter(quotes__isnull=False)
        .distinct()
        .order_by("-publish_at", "-pk")
        .first()
    )
    issue = (
        Brief.objects.published()
        .values("issues__slug")
        .annotate(public=Count("pk"))
        .order_by("-public")
        .values_list("issues__slug", flat=True)
        .first()
    )
    return [
        ("front page", "/"),
        ("newest brief", brief.get_absolute_url()),
        (f"issue {issue} (the most briefs)", f"/issues/{issue}/"),
        ("feed: latest briefs", "/feeds/briefs/"),
    ]


# The processes


class Stack:
    """Everything the run starts, stopped in the reverse order by stop()."""

    def __init__(self, folder):
        self.folder = folder
        self.processes = []

    def add(self, process):
        self.processes.append(process)
        return process

    def stop(self):
        try:
            for process in reversed(self.processes):
                process.stop()
        finally:
            # One that failed to stop must not keep the rest running: they are killed.
            for process in self.processes:
                process.kill()
            self.processes.clear()


def start_site(parts, app_workers, own_floor):
    folder = parts.folder
    parts.add(stack.start_redis(folder, REDIS_PORT))
    for number, port in enumerate(APP_PORTS, start=1):
        env = dict(APP_ENV)
        if own_floor and number == 1:
            env["BRIEFS_BENCHMARK_FLOOR"] = "1"
        parts.add(stack.start_app(folder, port, env, workers=app_workers, name=f"app-{number}"))
    varnish = parts.add(
        stack.start_varnish(
            folder, VARNISH_PORT, [(HOST, port) for port in APP_PORTS], ["127.0.0.1", "localhost"]
        )
    )
    parts.add(stack.start_worker(folder, APP_ENV))
    wait_for(lambda: fetch(EDGE_URL + "/")[0] == 200, "the front page to answer through Varnish")
    # What is due when the worker starts (the archive's own "site changed", a previous run's
    # leftovers) would purge pages in the middle of the quiet measurement.
    wait_for(lambda: not Event.objects.due().exists(), "the worker to hand over the events due")
    return varnish


def start_floor(parts):
    """(what the floor is, its URL): the peer harness's bare Django when it is here, else ours
    on the first app server."""
    port = stack.free_port()
    bare = bare_floor(f"{HOST}:{port}")
    if bare is None:
        return "our /_bench/floor/ (bench/floor.py)", f"http://{HOST}:{APP_PORTS[0]}/_bench/floor/"
    command, site, env = bare
    floor = stack.spawn("floor", command, parts.folder, cwd=site, port=port, env=env)
    parts.add(floor)
    stack.wait_until(floor, lambda: stack.accepts_connections(port), "accepted connections")
    return "bare Django (the peer harness's floor)", f"http://{HOST}:{port}{BARE_FLOOR_PATH}"


def wait_for(condition, what):
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting for {what} after {STARTUP_TIMEOUT} s")
        time.sleep(0.2)


# Measuring


def fetch(url):
    """(status, body as text, X-Cache) of a GET; (0, "", "") when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            body = response.read().decode("utf-8", "replace")
            return response.status, body, response.headers.get("X-Cache", "")
    except urllib.error.HTTPError as error:
        return error.code, "", error.headers.get("X-Cache", "")
    except (urllib.error.URLError, OSError):
        return 0, "", ""


def run_wrk(url, *options, seconds=PAGE_SECONDS):
    output = subprocess.run(
        [*WRK, f"-d{seconds}s", *options, url],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    ).stdout  # fmt: skip
    return summary(read_wrk(output))


def summary(report):
    """Requests/s, p50 and p99 in ms, and failed requests (errors, timeouts, non-2xx/3xx)."""
    failed = sum(report["socket errors"].values()) + report["non-2xx/3xx"]
    latency = report["latency"]
    return {
        "requests": report["requests"],
        "rps": report["rps"],
        "p50": latency["50"],
        "p99": latency["99"],
        "failed": failed,
    }


def origin_counters(varnish):
    counters = stack.varnish_stat(varnish, "MAIN.client_req", "MAIN.backend_req")
    return counters["MAIN.client_req"], counters["MAIN.backend_req"]


def measure_pages(varnish, pages):
    """{path: {"gzip": wrk result, "plain": wrk result, "kept": X-Cache of a second look}} and
    (edge requests, origin requests) over all their runs."""
    results = {}
    for _, path in pages:
        status, _, _ = fetch(EDGE_URL + path)
        if status != 200:
            raise RuntimeError(f"{path} answers {status} through Varnish")
        results[path] = {"kept": fetch(EDGE_URL + path)[2]}
    client_before, backend_before = origin_counters(varnish)
    for label, path in pages:
        results[path]["gzip"] = run_wrk(EDGE_URL + path, *GZIP)
        results[path]["plain"] = run_wrk(EDGE_URL + path)
        print(
            f"{label}: {results[path]['gzip']['rps']:.0f} req/s with gzip, "
            f"{results[path]['plain']['rps']:.0f} without (X-Cache {results[path]['kept']})",
            flush=True,
        )
    client_after, backend_after = origin_counters(varnish)
    return results, (client_after - client_before, backend_after - backend_before)


def mix_script(folder, paths):
    """A wrk script sending each thread's requests to the paths in turn."""
    script = Path(folder) / "mix.lua"
    quoted = ", ".join(f'"{path}"' for path in paths)
    script.write_text(
        f"local paths = {{{quoted}}}\n"
        "local next_path = 0\n"
        "request = function()\n"
        "  next_path = next_path % #paths + 1\n"
        "  return wrk.format(nil, paths[next_path])\n"
        "end\n"
    )
    return script


def start_slow_log(folder, varnish):
    """varnishncsa writing a line for each request Varnish took over TARGET_P99 ms to answer:
    microseconds and path. wrk's percentiles are corrected for coordinated omission
    (a stalled request is counted once per mean interval it held its connection up), so this
    says how many requests were slow, and which."""
    query = f"Timestamp:Resp[2] > {TARGET_P99 / 1000}"
    command = [
        stack.require("varnishncsa"), "-n", varnish.workdir, "-q", query,
        "-F", "%D %U",
    ]  # fmt: skip
    return stack.spawn("slow-requests", command, folder)


def read_slow_log(log):
    """[(milliseconds, path)] of the slow requests."""
    slow = []
    for line in log.read_text().splitlines():
        microseconds, path = line.split(" ", 1)
        slow.append((int(microseconds) / 1000, path))
    return slow


# The editor


def editor_user():
    user, _ = get_user_model().objects.get_or_create(username=EDITOR_NAME)
    user.groups.add(Group.objects.get(name="Editors"))
    return get_user_model().objects.get(pk=user.pk)  # without the permissions cached before


def publish_and_watch(brief, editor):
    """Publish a draft now and poll as a reader until it is on the front page and its own page
    answers; the seconds from the publication's commit to each."""
    committed = []
    asked = time.monotonic()
    with transaction.atomic():
        # Registered before the write path's own (the purge): runs first, at the commit.
        transaction.on_commit(lambda: committed.append(time.monotonic()))
        changes.publish_now(brief, editor, comment="Edge benchmark")
    title = html.escape(brief.title)

    def first_seen(url, shows_it):
        while time.monotonic() - committed[0] < SEEN_TIMEOUT:
            if shows_it(*fetch(url)[:2]):
                return time.monotonic() - committed[0]
            time.sleep(POLL_EVERY)
        return None

    # Two readers, so that neither page's wait holds up the other's look.
    with ThreadPoolExecutor(max_workers=2) as readers:
        on_front = readers.submit(first_seen, EDGE_URL + "/", lambda _, body: title in body)
        on_page = readers.submit(
            first_seen, EDGE_URL + brief.get_absolute_url(), lambda status, _: status == 200
        )
        return {
            "title": brief.title,
            # The write path makes the pages the publication affects before it commits
            # (briefs.public.edge.make_pages_first): the editor waits that long.
            "save": committed[0] - asked,
            "front page": on_front.result(),
            "brief page": on_page.result(),
        }


def publishing_under_load(folder, varnish, pages, editor, published):
    """wrk over the pages for LOAD_SECONDS while the editor publishes every PUBLISH_EVERY s:
    wrk's result, the requests Varnish was slow to answer, the publications and (edge
    requests, origin requests) meanwhile. The publications go into `published` (the brief, its
    publish_at before) as they happen, for them to be put back even if the run fails."""
    drafts = list(
        Brief.objects.filter(status=Brief.Status.DRAFT).order_by("pk")[: publications_count()]
    )
    command = [
        *WRK, f"-d{LOAD_SECONDS}s", *GZIP, "-s", mix_script(folder, [p for _, p in pages]), EDGE_URL
    ]  # fmt: skip
    slow_log = start_slow_log(folder, varnish)
    client_before, backend_before = origin_counters(varnish)
    load = stack.spawn("wrk-load", command, folder)
    started = time.monotonic()
    seen = []
    try:
        for number, brief in enumerate(drafts):
            due = started + FIRST_PUBLICATION + number * PUBLISH_EVERY
            time.sleep(max(0, due - time.monotonic()))
            published.append((brief, brief.publish_at))
            seen.append(publish_and_watch(brief, editor))
            print(f"published {brief.title!r}: seen after {describe_seen(seen[-1])}", flush=True)
        load.popen.wait(timeout=LOAD_SECONDS + 60)
    finally:
        load.stop()
        # Its last lines are written as it reads them from Varnish's log, a moment later.
        time.sleep(1)
        slow_log.stop()
    client_after, backend_after = origin_counters(varnish)
    origin = (client_after - client_before, backend_after - backend_before)
    return summary(read_wrk(load.log.read_text())), read_slow_log(slow_log.log), seen, origin


def publications_count():
    return len(range(FIRST_PUBLICATION, LOAD_SECONDS, PUBLISH_EVERY))


def seen_after(publication):
    """Seconds until a reader saw the publication on both pages, or None if never."""
    times = [publication["front page"], publication["brief page"]]
    return None if None in times else max(times)


def describe_seen(publication):
    def seconds(value):
        return "never" if value is None else f"{value * 1000:.0f} ms"

    return (
        f"{seconds(seen_after(publication))} "
        f"(front page {seconds(publication['front page'])}, "
        f"its page {seconds(publication['brief page'])}; "
        f"the editor's save took {seconds(publication['save'])})"
    )


def put_back(published, editor):
    """The editor's briefs back to draft, with the publish_at they had, through the write path."""
    for brief, publish_at in published:
        # A run stopped during a publication may have left that brief a draft.
        if Brief.objects.filter(pk=brief.pk, status=Brief.Status.DRAFT).exists():
            continue
        with changes.operation(editor, comment="Edge benchmark: back to draft"):
            changes.move(brief, editor, Brief.Status.DRAFT)
            draft = Brief.objects.get(pk=brief.pk)
            draft.publish_at = publish_at
            draft.save()
    published.clear()


# The report


def print_report(context, floors, pages, results, origin, publishing, seen):
    floor = {key: sum(run[key] for run in floors) / len(floors) for key in ("rps", "p50", "p99")}
    print()
    print(context)
    print(f"Floor: {context_floor(floors)}; their mean is the ratios' denominator.")
    print()
    print(
        "| page | gzip req/s | p50 | p99 | ÷ floor | plain req/s | p50 | p99 | ÷ floor | X-Cache |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    print(
        f"| floor (direct) | {floor['rps']:.1f} | {floor['p50']:.1f} ms | {floor['p99']:.1f} ms "
        "| 1.0 | | | | | |"
    )
    for label, path in pages:
        cells = [label]
        for encoding in ("gzip", "plain"):
            run = results[path][encoding]
            failed = f" ({run['failed']} failed)" if run["failed"] else ""
            cells += [
                f"{run['rps']:.0f}{failed}",
                f"{run['p50']:.2f} ms",
                f"{run['p99']:.2f} ms",
                f"{run['rps'] / floor['rps']:.1f}",
            ]
        cells.append(results[path]["kept"])
        print("| " + " | ".join(cells) + " |")
    print()
    print(
        f"Target: {TARGET_RATIO} × the floor. Origin requests while nothing changed: "
        f"{describe_origin(origin)} (target at most {TARGET_ORIGIN})."
    )
    load, slow, origin_publishing = publishing
    failed = f", {load['failed']} failed" if load["failed"] else ""
    edge_requests = origin_publishing[0]
    print(
        f"Publishing every {PUBLISH_EVERY} s under {LOAD_SECONDS} s of load on the four pages: "
        f"{load['requests']:,} requests, {load['rps']:.0f} req/s{failed}, p50 {load['p50']:.2f} "
        f"ms, p99 {load['p99']:.2f} ms (wrk's, corrected for coordinated omission; target under "
        f"{TARGET_P99} ms). Origin requests: {describe_origin(origin_publishing)}."
    )
    print(
        f"Requests Varnish took over {TARGET_P99} ms to answer: {len(slow)} of "
        f"{edge_requests:,} ({100 * len(slow) / edge_requests:.3f}%)"
        + (f", the slowest {max(ms for ms, _ in slow):.0f} ms:" if slow else ".")
    )
    for path in sorted({path for _, path in slow}):
        times = sorted((ms for ms, slow_path in slow if slow_path == path), reverse=True)
        print(f"  {path}: {len(times)}, " + ", ".join(f"{ms:.0f}" for ms in times[:12]) + " ms")
    worst = [seen_after(publication) for publication in seen]
    seen_times = [value for value in worst if value is not None]
    never = len(worst) - len(seen_times)
    print(
        f"{len(seen)} publications; seen by a reader on the front page and on its own page after "
        + (f"at worst {max(seen_times) * 1000:.0f} ms" if seen_times else "none")
        + (f", {never} never within {SEEN_TIMEOUT} s" if never else "")
        + f" (target under {TARGET_SEEN * 1000:.0f} ms):"
    )
    for publication in seen:
        print(f"  {publication['title']}: {describe_seen(publication)}")


def describe_origin(origin):
    edge_requests, origin_requests = origin
    per_10k = 10_000 * origin_requests / edge_requests
    return f"{origin_requests} of {edge_requests:,} edge requests, {per_10k:.2f} per 10,000"


def context_floor(floors):
    return " and ".join(f"{floor['rps']:.1f}" for floor in floors) + " requests/s (first, last)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--app-workers", type=int, default=APP_WORKERS, help="gunicorn workers per app server"
    )
    options = parser.parse_args()
    check_archive(publications_count())
    # Debug off serves static files through their manifest, as production does.
    call_command("collectstatic", interactive=False, verbosity=0)
    pages = pages_to_measure()
    editor = editor_user()
    public, total = Brief.objects.published().count(), Brief.objects.count()
    connection.close()

    # Ctrl-C raises KeyboardInterrupt; a plain kill is made to unwind the same way.
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    published = []
    with tempfile.TemporaryDirectory(prefix="briefs-edge-") as folder:
        parts = Stack(folder)
        try:
            floor_kind, floor_url = start_floor(parts)
            varnish = start_site(parts, options.app_workers, floor_kind.startswith("our"))
            fetch(floor_url)
            floors = [run_wrk(floor_url, *GZIP)]
            print(f"floor: {floors[0]['rps']:.1f} req/s", flush=True)
            results, origin = measure_pages(varnish, pages)
            floors.append(run_wrk(floor_url, *GZIP))
            print(f"floor: {floors[1]['rps']:.1f} req/s", flush=True)
            load, slow, seen, origin_publishing = publishing_under_load(
                folder, varnish, pages, editor, published
            )
        finally:
            try:
                put_back(published, editor)
            finally:
                parts.stop()
    context = (
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {total:,} briefs ({public:,} public), "
        f"{os.cpu_count()} cores. Varnish in front of {APP_SERVERS} app servers of "
        f"{options.app_workers} gunicorn worker(s); `{' '.join(WRK)} -d{PAGE_SECONDS}s`, with "
        f"and without `{GZIP[1]}`. Floor: {floor_kind}, {BARE_FLOOR_WORKERS} workers, "
        "same wrk flags."
    )
    print_report(context, floors, pages, results, origin, (load, slow, origin_publishing), seen)


if __name__ == "__main__":
    main()
