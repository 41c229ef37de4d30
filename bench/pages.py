"""Page benchmark: throughput and latency of the reading site's pages under gunicorn.

    make bench
    # or, against another database:
    DATABASE_URL=postgres://... .venv/bin/python bench/pages.py

Runs the site as production does (gunicorn, 2 workers, debug off, collected static files,
Redis as the cache) on 127.0.0.1:8100 against the generated archive, twice: uncached (the page
cache off: every request renders its page and runs its queries) and cached (public pages kept
whole, briefs.public.middleware). Each page is loaded with `wrk -t2 -c8 -d10s --latency`, and
the SQL queries of a request are counted in this process: the first request after a change
("cold", when the lists' counts and pages are worked out), the next ones ("warm"), and a kept
page. The floor, measured first and last in each run, is a listing page rendered from fake
objects with no database work (bench/floor.py); each page's throughput is given as a
ratio to the floor of its own run, as this machine is noisy.
"""

import math
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST, PORT = "127.0.0.1", 8100
BASE_URL = f"http://{HOST}:{PORT}"
FLOOR_PATH = "/_bench/floor/"
WORKERS = 2
# The brief's command. --timeout is raised from wrk's 2 s so that a slow page's requests are
# measured instead of dropped as "timeouts" (which would make its p99 look better than it is).
WRK = ["wrk", "-t2", "-c8", "-d10s", "--latency", "--timeout", "10s"]

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
)

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from bench.serving import read_wrk, start_gunicorn, stop, wait_until_answering  # noqa: E402
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
    public = Q(quotes__brief__in=Brief.objects.published())
    return (
        Expert.objects.annotate(public_quotes=Count("quotes", filter=public))
        .order_by("-public_quotes", "name")
        .values_list("slug", flat=True)
        .first()
    )


def pages_to_measure():
    """(label, path) for every page of the brief, found in the database where it depends on it."""
    assert Issue.objects.filter(slug=TOP_ISSUE).exists(), "no 'iran' issue: wrong database?"
    last = last_issue_page(TOP_ISSUE)
    brief = newest_quoted_brief_slug()
    expert = most_quoted_expert_slug()
    return [
        ("front page", "/"),
        ("all briefs, page 1", "/briefs/"),
        ("all briefs, page 2000", "/briefs/?page=2000"),
        ("issue iran, page 1", f"/issues/{TOP_ISSUE}/"),
        (f"issue iran, last page ({last})", f"/issues/{TOP_ISSUE}/?page={last}"),
        ("iran and russia", f"/briefs/?issue={TOP_ISSUE}&issue=russia"),
        ("newest brief", f"/briefs/{brief}/"),
        ("feed: latest briefs", "/feeds/briefs/"),
        ("feed: issue iran", f"/issues/{TOP_ISSUE}/feed/"),
        (f"feed: expert {expert}", f"/experts/{expert}/feed/"),
        ("sitemap.xml (the index)", "/sitemap.xml"),
        ("sitemap of briefs, page 10", "/sitemap-briefs.xml?p=10"),
        ("search: uranium enrichment", "/search/?q=uranium+enrichment"),
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


def warm_up(path):
    """A few requests first, so each worker has its connection and templates loaded."""
    for _ in range(2 * WORKERS):
        with urllib.request.urlopen(BASE_URL + path, timeout=60) as response:
            assert response.status == 200, (path, response.status)


def run_wrk(path):
    """Requests/s, p50 and p99 in ms, and failed requests (errors, timeouts, non-2xx/3xx)."""
    output = subprocess.run(
        [*WRK, BASE_URL + path], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    report = read_wrk(output)
    failed = sum(report["socket errors"].values()) + report["non-2xx/3xx"]
    latency = report["latency"]
    return {"rps": report["rps"], "p50": latency["50"], "p99": latency["99"], "failed": failed}


def measure(path):
    warm_up(path)
    return run_wrk(path)


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


def measure_run(pages, page_cache):
    """{path: wrk result} for the floor (first and last) and every page, on a fresh server."""
    cache.clear()
    server = start_gunicorn(
        f"{HOST}:{PORT}",
        WORKERS,
        {**os.environ, "BRIEFS_PAGE_CACHE": "1" if page_cache else "0"},
        "--log-level=warning",
    )
    mode = "cached" if page_cache else "uncached"
    try:
        wait_until_answering(server, BASE_URL + FLOOR_PATH)
        floors = [measure(FLOOR_PATH)]
        results = {}
        for _, path in pages:
            results[path] = measure(path)
            print(f"{mode} {path}: {results[path]['rps']:.1f} req/s", flush=True)
        floors.append(measure(FLOOR_PATH))
    finally:
        stop(server)
    floor = {key: sum(run[key] for run in floors) / 2 for key in ("rps", "p50", "p99")}
    print(f"{mode} floor: {floors[0]['rps']:.1f} and {floors[1]['rps']:.1f} req/s", flush=True)
    return floor, results


def print_table(pages, queries, runs):
    print()
    print(f"{WORKERS} gunicorn workers, `{' '.join(WRK)}`, Redis cache.")
    for mode, (floor, _) in runs.items():
        print(f"Floor, {mode} run: mean of first and last = {floor['rps']:.1f} requests/s.")
    print()
    print(
        "| page | uncached req/s | p50 | p99 | ÷ floor | queries cold/warm "
        "| cached req/s | p50 | p99 | ÷ floor | queries |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for label, path in [("floor (template only)", FLOOR_PATH), *pages]:
        cells = [label]
        for mode, (floor, results) in runs.items():
            result = floor if path == FLOOR_PATH else results[path]
            cold, warm, kept = queries[path]
            failed = f" ({result['failed']} failed)" if result.get("failed") else ""
            cells += [
                f"{result['rps']:.1f}{failed}",
                f"{result['p50']:.1f} ms",
                f"{result['p99']:.1f} ms",
                f"{result['rps'] / floor['rps']:.2f}",
                f"{cold}/{warm}" if mode == "uncached" else f"{kept}",
            ]
        print("| " + " | ".join(cells) + " |")


def main():
    # Debug off serves static files through their manifest, as production does.
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client(HTTP_HOST=HOST)
    pages = pages_to_measure()
    public, total = Brief.objects.published().count(), Brief.objects.count()
    print(f"{connection.vendor}, {total} briefs ({public} public)")
    # Counted before the server starts, so this process's requests do not disturb wrk's.
    queries = queries_per_request(client, [FLOOR_PATH, *(path for _, path in pages)])
    connection.close()
    runs = {"uncached": measure_run(pages, page_cache=False)}
    runs["cached"] = measure_run(pages, page_cache=True)
    print_table(pages, queries, runs)


if __name__ == "__main__":
    main()
