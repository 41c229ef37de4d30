"""Page benchmark: throughput and latency of the reading site's pages under gunicorn.

    make bench
    # or, against another database, or for some of the pages:
    DATABASE_URL=postgres://... .venv/bin/python bench/pages.py [--only API]

Runs the site as production does (gunicorn, 2 workers, debug off, collected static files,
Redis as the cache) on 127.0.0.1:8100 against the generated archive, twice: uncached (the page
cache off: every request renders its page and runs its queries) and cached (public pages kept
whole, briefs.public.middleware). Each page is loaded with `wrk -t2 -c8 -d10s --latency`, and
the SQL queries of a request are counted in this process: the first request after a change
("cold", when the lists' counts and pages are worked out), the next ones ("warm"), and a kept
page; and the time of the first request after a save, in this process, over 20 saves of each
kind (`--after-save-repeats` for fewer on a large archive): an edit (a new content version
with the lists token kept, as an edit of a brief's words makes) and a change to what lists hold
(both new, as publishing, withdrawing or refiling a brief makes).
A sitemap page is loaded a second time as crawlers ask for it, with `Accept-Encoding: gzip`
(a kept page is kept gzipped too); every other page without.
Two floors are measured first and last in each run: ours, a listing page rendered from fake
objects with no database work (bench/floor.py), and the bare-Django floor of the peer harness
(../shared/bench/peer, when it is beside the repository: a bare project rendering a listing of
the same size with Django's usual middleware). Each page's throughput is given as a ratio to
each floor of its own run, as this machine is noisy; the bare floor's is the one that counts.
"""

import argparse
import gc
import math
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST, PORT, BARE_FLOOR_PORT = "127.0.0.1", 8100, 8099
BASE_URL = f"http://{HOST}:{PORT}"
BARE_FLOOR_URL = f"http://{HOST}:{BARE_FLOOR_PORT}"
FLOOR_PATH = "/_bench/floor/"
WORKERS = 2
# The brief's command. --timeout is raised from wrk's 2 s so that a slow page's requests are
# measured instead of dropped as "timeouts" (which would make its p99 look better than it is).
WRK = ["wrk", "-t2", "-c8", "-d10s", "--latency", "--timeout", "10s"]

# What crawlers send: a kept page is sent gzipped (briefs.public.middleware).
GZIP = (("Accept-Encoding", "gzip"),)


class Page(NamedTuple):
    label: str
    path: str
    # (name, value) of each header its requests send besides wrk's own.
    headers: tuple = ()


# The same environment for gunicorn and for this process's query counting.
os.environ.update(
    DJANGO_SETTINGS_MODULE="briefs_site.settings",
    DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/briefs_bench"),
    DJANGO_DEBUG="0",
    DJANGO_SECRET_KEY="benchmark-only-not-a-secret-" + "x" * 40,
    DJANGO_ALLOWED_HOSTS=HOST,
    DJANGO_SECURE_SSL_REDIRECT="0",
    BRIEFS_BENCHMARK_FLOOR="1",
    # Its own Redis database, emptied before each run: the production cache, not the tests'.
    REDIS_URL=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/1"),
    # wrk's load comes from one address: no allowance of API requests (api.limits).
    BRIEFS_API_REQUESTS_PER_MINUTE="0",
)

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from bench.serving import (  # noqa: E402
    BARE_FLOOR_PATH,
    bare_floor,
    read_wrk,
    start_gunicorn,
    stop,
    wait_until_answering,
)
from briefs.editorial import changes  # noqa: E402
from briefs.models import Brief, Issue  # noqa: E402
from experts.models import Expert  # noqa: E402

TOP_ISSUE = "iran"


def last_issue_page(slug):
    public = Brief.objects.published().filter(issues__slug=slug).count()
    return math.ceil(public / 20)


def newest_quoted_brief_slug():
    return (
        Brief.objects.published()
        .filter(quotes__isnull=False)
        .distinct()
        .order_by("-publish_at", "-pk")
        .values_list("slug", flat=True)
        .first()
    )


def most_quoted_expert_slug():
    # The site's own count (a join, not a subquery of public briefs per quote: that one ran
    # for over five minutes on a million briefs).
    return (
        Expert.objects.public()
        .order_by("-public_quote_count", "name")
        .values_list("slug", flat=True)
        .first()
    )


def pages_to_measure():
    """Every page of the brief, found in the database where it depends on it."""
    assert Issue.objects.filter(slug=TOP_ISSUE).exists(), "no 'iran' issue: wrong database?"
    last = last_issue_page(TOP_ISSUE)
    brief = newest_quoted_brief_slug()
    expert = most_quoted_expert_slug()
    return [
        Page("front page", "/"),
        Page("all briefs, page 1", "/briefs/"),
        Page("all briefs, page 2000", "/briefs/?page=2000"),
        Page("issue iran, page 1", f"/issues/{TOP_ISSUE}/"),
        Page(f"issue iran, last page ({last})", f"/issues/{TOP_ISSUE}/?page={last}"),
        Page("iran and russia", f"/briefs/?issue={TOP_ISSUE}&issue=russia"),
        Page("newest brief", f"/briefs/{brief}/"),
        Page("feed: latest briefs", "/feeds/briefs/"),
        Page("feed: issue iran", f"/issues/{TOP_ISSUE}/feed/"),
        Page(f"feed: expert {expert}", f"/experts/{expert}/feed/"),
        Page("sitemap.xml (the index)", "/sitemap.xml"),
        Page("sitemap of briefs, page 10", "/sitemap-briefs.xml?p=10"),
        Page("sitemap of briefs, page 10, gzipped", "/sitemap-briefs.xml?p=10", GZIP),
        Page("search: uranium enrichment", "/search/?q=uranium+enrichment"),
        Page("API: briefs, page 1", "/api/v1/briefs/"),
        Page("API: iran and russia", f"/api/v1/briefs/?issue={TOP_ISSUE}&issue=russia"),
        Page("API: newest brief", f"/api/v1/briefs/{brief}/"),
        Page("API: issues", "/api/v1/issues/"),
    ]


def count_queries(client, path):
    """SQL statements run by one request, in this process (as bench/search.py counts them)."""
    statements = []

    def count(run, sql, *args):
        statements.append(sql)
        return run(sql, *args)

    with connection.execute_wrapper(count):
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(statements)


def warm_up(url, headers=()):
    """A few requests first, so each worker has its connection and templates loaded."""
    request = urllib.request.Request(url, headers=dict(headers))
    for _ in range(2 * WORKERS):
        with urllib.request.urlopen(request, timeout=60) as response:
            assert response.status == 200, (url, response.status)


def run_wrk(url, headers=()):
    """Requests/s, p50 and p99 in ms, and failed requests (errors, timeouts, non-2xx/3xx)."""
    output = subprocess.run(
        [*WRK, *(part for name, value in headers for part in ("-H", f"{name}: {value}")), url],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    report = read_wrk(output)
    failed = sum(report["socket errors"].values()) + report["non-2xx/3xx"]
    latency = report["latency"]
    return {"rps": report["rps"], "p50": latency["50"], "p99": latency["99"], "failed": failed}


def measure(path, base_url=BASE_URL, headers=()):
    warm_up(base_url + path, headers)
    return run_wrk(base_url + path, headers)


def start_bare_floor():
    """The peer harness's bare-Django floor on BARE_FLOOR_PORT, or None where it is not here."""
    bare = bare_floor(f"{HOST}:{BARE_FLOOR_PORT}")
    if bare is None:
        return None
    command, folder, env = bare
    server = subprocess.Popen(command, cwd=folder, env=env)
    wait_until_answering(server, BARE_FLOOR_URL + BARE_FLOOR_PATH)
    return server


def measure_floors(bare):
    """Our floor, and the bare one when it runs."""
    floors = {"ours": measure(FLOOR_PATH)}
    if bare is not None:
        floors["bare"] = measure(BARE_FLOOR_PATH, BARE_FLOOR_URL)
    return floors


def queries_per_request(client, paths):
    """{path: (cold, warm, kept)}: a request just after a change, the next one, and one
    served from the page cache."""
    counts = {}
    for path in paths:
        with override_settings(BRIEFS_PAGE_CACHE=False):
            cache.clear()
            cold = count_queries(client, path)
            warm = count_queries(client, path)
        with override_settings(BRIEFS_PAGE_CACHE=True):
            count_queries(client, path)
            kept = count_queries(client, path)
        counts[path] = (cold, warm, kept)
    cache.clear()
    return counts


# The kinds of save, by whether they change what lists hold (briefs.editorial.changes).
SAVES = {"an edit": False, "a change to a list": True}


def first_request_after_a_save(client, paths, repeats):
    """{kind of save: {path: (p50, p99) in ms}}: the page cache off, a new content version as
    each kind of save of the newest public brief makes it at its end
    (briefs.editorial.changes.new_version, in its own transaction: for a change to a list,
    the counts worked out before it commits), then one request timed, over `repeats` saves.
    The other pages' entries stay in the cache meanwhile, as they would on a site: only the
    new version makes them stale. What the new version itself took, inside the save, is
    printed."""
    timings = {}
    saved = [Brief.objects.published().newest_first().values_list("pk", flat=True).first()]
    with override_settings(BRIEFS_PAGE_CACHE=False):
        for kind, lists_changed in SAVES.items():
            timings[kind] = {}
            in_the_save = []
            for path in paths:
                count_queries(client, path)
                elapsed = []
                for _ in range(repeats):
                    started = time.perf_counter()
                    with transaction.atomic():
                        changes.new_version([], lists_changed, saved)
                    in_the_save.append((time.perf_counter() - started) * 1000)
                    started = time.perf_counter()
                    response = client.get(path)
                    elapsed.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, (path, response.status_code)
                timings[kind][path] = (percentile(elapsed, 50), percentile(elapsed, 99))
                print(f"after {kind} {path}: p50 {timings[kind][path][0]:.1f} ms", flush=True)
            print(
                f"{kind}: the new version took {percentile(in_the_save, 50):.1f} / "
                f"{percentile(in_the_save, 99):.1f} ms (p50 / p99) inside the save",
                flush=True,
            )
    return timings


def percentile(values, percent):
    """The nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(percent / 100 * len(ordered)) - 1)]


def measure_run(pages, page_cache):
    """({floor: mean wrk result}, {path: wrk result}): the floors (first and last) and every
    page, on a fresh server."""
    cache.clear()
    server = start_gunicorn(
        f"{HOST}:{PORT}",
        WORKERS,
        {**os.environ, "BRIEFS_PAGE_CACHE": "1" if page_cache else "0"},
        "--log-level=warning",
    )
    bare = None
    mode = "cached" if page_cache else "uncached"
    try:
        wait_until_answering(server, BASE_URL + FLOOR_PATH)
        bare = start_bare_floor()
        first = measure_floors(bare)
        results = {}
        for page in pages:
            results[page.label] = measure(page.path, headers=page.headers)
            print(f"{mode} {page.label}: {results[page.label]['rps']:.1f} req/s", flush=True)
        last = measure_floors(bare)
    finally:
        stop(server)
        stop(bare)
    floors = {}
    for name in first:
        floors[name] = {
            key: (first[name][key] + last[name][key]) / 2 for key in ("rps", "p50", "p99")
        }
        print(
            f"{mode} {name} floor: {first[name]['rps']:.1f} and {last[name]['rps']:.1f} req/s",
            flush=True,
        )
    return floors, results


def print_table(pages, queries, after_save, runs):
    print()
    print(f"{WORKERS} gunicorn workers, `{' '.join(WRK)}`, Redis cache.")
    for mode, (floors, _) in runs.items():
        for name, floor in floors.items():
            print(
                f"Floor ({name}), {mode} run: mean of first and last = {floor['rps']:.1f} "
                "requests/s."
            )
    bare = "bare" in runs["uncached"][0]
    ratios = "÷ bare | ÷ ours" if bare else "÷ ours"
    ratio_columns = "---: | ---:" if bare else "---:"
    print()
    print(
        f"| page | uncached req/s | p50 | p99 | {ratios} | queries cold/warm "
        f"| cached req/s | p50 | p99 | {ratios} | queries "
        + "".join(f"| after {kind} p50 / p99 " for kind in SAVES)
        + "|"
    )
    print(
        f"| --- | ---: | ---: | ---: | {ratio_columns} | ---: | ---: | ---: | ---: "
        f"| {ratio_columns} | ---: " + "| ---: " * len(SAVES) + "|"
    )
    rows = [("floor (template only)", "ours", FLOOR_PATH)]
    if bare:
        rows.insert(0, ("bare-Django floor (peer harness)", "bare", None))
    for label, floor_name, path in [*rows, *((page.label, None, page.path) for page in pages)]:
        cells = [label]
        for mode, (floors, results) in runs.items():
            result = floors[floor_name] if floor_name else results[label]
            cold, warm, kept = queries.get(path, (0, 0, 0))
            failed = f" ({result['failed']} failed)" if result.get("failed") else ""
            cells += [
                f"{result['rps']:.1f}{failed}",
                f"{result['p50']:.1f} ms",
                f"{result['p99']:.1f} ms",
                *(
                    f"{result['rps'] / floors[name]['rps']:.2f}"
                    for name in ("bare", "ours")
                    if name in floors
                ),
                f"{cold}/{warm}" if mode == "uncached" else f"{kept}",
            ]
        for kind in SAVES:
            first = after_save[kind].get(path)
            cells.append(
                f"{first[0]:.1f} / {first[1]:.1f} ms" if first and floor_name is None else ""
            )
        print("| " + " | ".join(cells) + " |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only", metavar="TEXT", help="measure only the pages whose label holds TEXT (e.g. API)"
    )
    parser.add_argument(
        "--after-save-repeats",
        type=int,
        default=20,
        metavar="N",
        help="saves over which the first request after a save is timed (default 20)",
    )
    options = parser.parse_args()
    # Debug off serves static files through their manifest, as production does.
    call_command("collectstatic", interactive=False, verbosity=0)
    # As each app server does once the site is loaded (briefs_site/wsgi.py): the first
    # requests after a save are timed in this process.
    gc.freeze()
    client = Client(HTTP_HOST=HOST)
    pages = [
        page for page in pages_to_measure() if options.only is None or options.only in page.label
    ]
    paths = list(dict.fromkeys(page.path for page in pages))
    public, total = Brief.objects.published().count(), Brief.objects.count()
    print(f"{connection.vendor}, {total} briefs ({public} public)")
    # Counted before the server starts, so this process's requests do not disturb wrk's.
    queries = queries_per_request(client, [FLOOR_PATH, *paths])
    after_save = first_request_after_a_save(client, paths, options.after_save_repeats)
    cache.clear()
    connection.close()
    runs = {"uncached": measure_run(pages, page_cache=False)}
    runs["cached"] = measure_run(pages, page_cache=True)
    print_table(pages, queries, after_save, runs)


if __name__ == "__main__":
    main()
