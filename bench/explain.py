"""EXPLAIN ANALYZE of the listing queries, as the pages run them, on the generated archive.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/briefs_bench .venv/bin/python bench/explain.py

Prints, for each listing page, the plan and timing of the query that reads its page of briefs
(what every request runs), then of the queries that work out what the lists share (run once
per content version: briefs.listings).
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
    """The query a page of `briefs` runs: from its first key, as briefs.pagination does."""
    keys = list(briefs.values_list("publish_at", "pk")[(number - 1) * PER_PAGE :][:1])
    publish_at, pk = keys[0]
    return briefs.filter(publish_at__lte=publish_at).exclude(publish_at=publish_at, pk__gt=pk)[
        :PER_PAGE
    ]


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

    print("## Every request: one page of briefs\n")
    show("/briefs/ page 1", page_rows(public, 1))
    show("/briefs/?page=2000", page_rows(public, 2000))
    show("/issues/iran/ page 1", page_rows(in_iran, 1))
    show(f"/issues/iran/?page={last_iran_page} (the last)", page_rows(in_iran, last_iran_page))
    show("/briefs/?issue=iran&issue=russia page 1", page_rows(in_both, 1))

    print("## Once per content version\n")
    show("where the pages of /briefs/ start", public.values_list("publish_at", "pk"))
    show("where the pages of /issues/iran/ start", in_iran.values_list("publish_at", "pk"))
    show("public issues with their counts", Issue.objects.public())


if __name__ == "__main__":
    main()
