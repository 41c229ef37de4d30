"""EXPLAIN ANALYZE of the listing queries, as the pages run them, on the generated archive.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/briefs_bench .venv/bin/python bench/explain.py

Prints, for each listing page, the plan and timing of the query that reads its page of
briefs (what every request runs: the twenty ids of the page, briefs.public.pagination), then of the
walks that find each list's pages and the public counts (run once per content version,
briefs.public.listings).
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "briefs_site.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/briefs_bench")

import django  # noqa: E402

django.setup()

from briefs.models import Brief, Issue  # noqa: E402

PER_PAGE = 20


def page_rows(briefs, number):
    """The query a page of `briefs` runs: its briefs by id, as briefs.public.pagination reads
    them."""
    ids = list(briefs.values_list("pk", flat=True)[(number - 1) * PER_PAGE :][:PER_PAGE])
    return Brief.objects.published().filter(pk__in=ids).for_listing().newest_first()


def show(title, queryset):
    print(f"### {title}\n")
    print("```")
    print(queryset.explain(analyze=True))
    print("```\n")


def main():
    public = Brief.objects.published().newest_first()
    iran = Issue.objects.get(slug="iran")
    russia = Issue.objects.get(slug="russia")
    in_iran = public.filed_under_all([iran])
    in_both = public.filed_under_all([iran, russia])
    last_iran_page = -(-in_iran.count() // PER_PAGE)

    print("## Every request: one page of briefs, by the ids of that page\n")
    show("/briefs/?page=2000", page_rows(public, 2000))
    show(f"/issues/iran/?page={last_iran_page} (the last)", page_rows(in_iran, last_iran_page))

    print("## Once per content version: each list's ids, newest first, and the counts\n")
    show("/briefs/", public.values_list("pk", flat=True))
    show("/issues/iran/", in_iran.values_list("pk", flat=True))
    show("/briefs/?issue=iran&issue=russia", in_both.values_list("pk", flat=True))
    show("public issues with their counts", Issue.objects.public())


if __name__ == "__main__":
    main()
