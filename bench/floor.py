"""The benchmark's floor: a listing page rendered with no database work.

`make bench` (bench/pages.py) compares every page's throughput with this view's, measured in the
same run on the same server: it renders the real listing template (briefs/brief_list.html) with
twenty brief cards, pagination and the issue index, all made of fake in-memory objects. What a
page costs above this floor is its database work and the Python around it; the floor itself is
Django, the template and the server. Its cards are kept as a list page's are
(briefs.public.cards), under a content version of its own that never changes. The view is wired
in briefs_site/urls.py only when BRIEFS_BENCHMARK_FLOOR=1 is set, which only the benchmark does;
otherwise it cannot be reached.
"""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from django.core.paginator import Paginator
from django.shortcuts import render

from briefs.public.cards import CARD, kept_fragments, render_briefs
from briefs.public.freshness import as_version
from briefs.public.structured_data import default_meta

# As the generated archive: about 94,000 public briefs, 40 issues, 2 to 5 issues a brief.
PUBLIC_BRIEFS = 94_000
ISSUE_COUNT = 40
ISSUES_PER_BRIEF = 3
PAGE_SIZE = 20
# (token, next scheduled change, lists token, cards token, changed briefs): the floor's content
# never changes.
FLOOR_VERSION = ("bench-floor", None, "bench-floor", "bench-floor", {})

SUMMARY = (
    "A summary of ordinary length: what happened, why it matters for policy, and what the "
    "institute's analysts expect to follow in the coming weeks and months."
)


def fake_issue(n):
    return SimpleNamespace(
        name=f"Issue number {n}", slug=f"issue-{n}", get_absolute_url=f"/issues/issue-{n}/"
    )


def fake_brief(n, issues, published):
    return SimpleNamespace(
        pk=n,
        title=f"A brief title of ordinary length, number {n}",
        summary=SUMMARY,
        get_absolute_url=f"/briefs/brief-{n}/",
        publish_at=published,
        format=SimpleNamespace(name="Flash Brief"),
        listed_issues=issues,
        lead_picture=None,
    )


def fake_briefs(numbers, issues):
    newest = datetime(2026, 11, 26, 12, tzinfo=UTC)
    return [
        fake_brief(n, issues[n % ISSUE_COUNT :][:ISSUES_PER_BRIEF], newest - timedelta(hours=n))
        for n in numbers
    ]


def floor(request):
    issues = [fake_issue(n) for n in range(ISSUE_COUNT)]
    with as_version(FLOOR_VERSION):
        cards = kept_fragments(
            "floor-card",
            range(PAGE_SIZE),
            lambda numbers: render_briefs(CARD, fake_briefs(numbers, issues)),
        )
    # Page 2 of the whole archive, so the pagination shows both its links.
    page = Paginator(range(PUBLIC_BRIEFS), PAGE_SIZE).page(2)
    context = {
        "cards": cards,
        "page_obj": page,
        "paginator": page.paginator,
        "is_paginated": True,
        "chosen": [],
        "narrower": [
            {"issue": issue, "add_url": f"/briefs/?issue={issue.slug}"} for issue in issues
        ],
        "meta": {**default_meta(), "title": "All briefs"},
    }
    return render(request, "briefs/brief_list.html", context)
