"""Search benchmark: server time of /search/ for typical queries on a generated archive.

    createdb briefs_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/briefs_bench .venv/bin/python manage.py migrate
    DATABASE_URL=... .venv/bin/python manage.py generate_briefs --count 100000 --seed 1
    DATABASE_URL=... .venv/bin/python bench/search.py [--repeat 30]

Requests go through Django's full stack in this process (no network), with debug off and
the page cache off: every request is searched afresh, as a query no one asked before is. The
baseline, measured in the same run, renders the search page's template with a page of fake
hits and no database work: the floor of what this page can cost.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.update(
    DJANGO_SETTINGS_MODULE="briefs_site.settings",
    DJANGO_DEBUG="0",
    DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY", "benchmark-only-" + "x" * 50),
    DJANGO_ALLOWED_HOSTS="127.0.0.1",
    DJANGO_SECURE_SSL_REDIRECT="0",
)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.core.paginator import Paginator  # noqa: E402
from django.db import connection  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test import Client, RequestFactory, override_settings  # noqa: E402
from django.utils.safestring import mark_safe  # noqa: E402

from briefs.models import Brief  # noqa: E402

# Typical queries: a place, a subject, phrases, an exclusion, alternatives, rarer words, and
# a word no brief has. The generator's prose is Zipfian, like real text.
QUERIES = [
    "Tehran",
    "drone",
    "sanctions evasion",
    '"military forces"',
    "missile -summit",
    "Gomel or Kazan",
    "uranium enrichment",
    "Kyiv refinery",
    "pipeline",
    "nothingmatchesthis",
]
FACETED = [{"q": "drone", "issue": "iran"}, {"q": "sanctions", "year": "2024"}]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(action, repeat):
    for _ in range(3):
        action()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), percentile(times, 0.99)


def floor_render():
    """The search page's template with 20 hits, each rendered beforehand as the page shows a
    kept hit (briefs.public.cards.search_hits), and four facets of ten options."""
    request = RequestFactory(HTTP_HOST="127.0.0.1").get("/search/", {"q": "drone"})
    hits = [
        SimpleNamespace(
            title=f"A brief title of ordinary length {n}",
            get_absolute_url=f"/briefs/brief-{n}/",
            publish_at=None,
            format=SimpleNamespace(name="Flash Brief"),
            listed_issues=[],
        )
        for n in range(20)
    ]
    snippet = mark_safe(
        '<p class="snippet">… a snippet of thirty-five words or so, with the matching '
        "<mark>words</mark> marked, as the search page shows it for each hit …</p>"
    )
    hit_cards = [
        render_to_string("includes/_search_hit.html", {"brief": hit, "snippet": snippet})
        for hit in hits
    ]
    paginator = Paginator(range(400), 20)
    context = {
        "request": request,
        "query": "drone",
        "hits": [],
        "hit_cards": hit_cards,
        "hit_count": 400,
        "page_obj": paginator.page(1),
        "facets": [
            {
                "title": t,
                "options": [
                    {"label": "x", "count": 1, "url": "?", "selected": False, "estimated": False}
                ]
                * 10,
            }
            for t in ("Issue", "Expert", "Format", "Year")
        ],
        "chosen": [],
    }
    return lambda: render_to_string("briefs/search.html", context, request)


@override_settings(BRIEFS_PAGE_CACHE=False)
def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    repeat = parser.parse_args().repeat
    # Debug off serves static files through their manifest, as production does.
    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client(HTTP_HOST="127.0.0.1")
    published = Brief.objects.published().count()
    total = Brief.objects.count()
    print(f"{connection.vendor}, {total} briefs ({published} public), {repeat} requests a query")
    floor_median, floor_p99 = measure(floor_render(), repeat)
    print(f"{'floor (template only)':38} median {floor_median:7.1f} ms  p99 {floor_p99:7.1f} ms")
    rows, medians = [], []
    for params in [{"q": query} for query in QUERIES] + FACETED:
        statements = []

        def count(run, sql, *args, statements=statements):
            statements.append(sql)
            return run(sql, *args)

        with connection.execute_wrapper(count):
            response = client.get("/search/", params)
        assert response.status_code == 200, params
        median, p99 = measure(lambda p=params: client.get("/search/", p), repeat)
        medians.append(median)
        label = "&".join(f"{k}={v}" for k, v in params.items())
        rows.append((label, median, p99, len(statements)))
        print(
            f"{label:38} median {median:7.1f} ms  p99 {p99:7.1f} ms  "
            f"{median / floor_median:6.1f}× floor  {len(statements)} queries"
        )
    print(f"{'all queries':38} median {statistics.median(medians):7.1f} ms")


if __name__ == "__main__":
    main()
