"""What the public lists share, worked out once per lists token (briefs.public.freshness).

Counting public briefs per issue or per expert, the length of a list and the briefs on each of
its pages, the briefs "more on" a brief's issues and an issue's most quoted experts all walk
many rows of a large archive. Their results change only when what lists hold does (a brief
published, withdrawn, moved in time, filed under other issues, quoting other experts; an issue
or expert edited) or when a scheduled time passes, so each is computed once for the lists as
they stand and shared by every request until then: a page of a list then reads its twenty
rows by id, at any depth, and an edit of a brief's words costs the next request that brief's
card alone.
"""

from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef
from django.http import Http404

from experts.models import Expert

from ..models import Brief, Issue, TaggedBrief
from .freshness import (
    current,
    entry_key,
    keep_in_process,
    lists_token,
    next_change_at,
    recall,
    remember,
    seconds_until,
)

MORE_ON_COUNT = 4
# How many of the newest briefs sharing an issue with a brief "more on" ranks.
MORE_ON_CANDIDATES = 500
TOP_EXPERTS_COUNT = 5
# Pages of a list whose ids are kept in one cache entry (newest_first_page).
PAGES_KEPT_TOGETHER = 50


def public_issues():
    """Every issue with a public brief, by name, with `public_brief_count` and
    `latest_publish_at`."""
    return remember("public-issues", lambda: list(Issue.objects.public()), lists=True)


def work_out_ahead():
    """Inside a change to what lists hold, under its new lists token (freshness.as_version):
    work out what nearly every page shows of the lists, the public issues and experts with
    their counts, so the first reader after the change finds them kept. On 100,000 briefs
    they take 110 and 120 ms: the change pays that, not its first reader."""
    public_issues()
    public_experts()


def public_issue(slug):
    for issue in public_issues():
        if issue.slug == slug:
            return issue
    raise Http404("No such issue.")


def public_issues_in_order(slugs):
    """The public issues with these slugs, in their order; None when one is not public."""
    if not slugs:
        return []
    by_slug = {issue.slug: issue for issue in public_issues()}
    if not all(slug in by_slug for slug in slugs):
        return None
    return [by_slug[slug] for slug in slugs]


def public_experts():
    """Every expert quoted in a public brief, by name, with `public_quote_count` and
    `latest_quoted_at`."""
    return remember(
        "public-experts", lambda: list(Expert.objects.public().order_by("name")), lists=True
    )


def public_expert(slug):
    for expert in public_experts():
        if expert.slug == slug:
            return expert
    raise Http404("No such expert.")


def more_on(brief):
    """Other public briefs sharing the brief's issues: of the newest MORE_ON_CANDIDATES that
    share one, those with most issues in common (the newest of them on a tie), shown newest
    first. Ranked in one query once per lists token; the few chosen are read whole (by the
    brief's page, made once per content version). Ranking every brief that shares an issue
    took 120 ms on 100,000 briefs, for each brief's page after every change to a list; the
    newest that share one are found walking the public briefs newest first, and stop there."""

    def rank():
        issues = list(brief.issues.all())
        sharing = TaggedBrief.objects.filter(content_object=OuterRef("pk"), tag__in=issues)
        candidates = (
            Brief.objects.published()
            .filter(Exists(sharing))
            .exclude(pk=brief.pk)
            .newest_first()
            .values("pk")[:MORE_ON_CANDIDATES]
        )
        return list(
            TaggedBrief.objects.filter(tag__in=issues, content_object__in=candidates)
            .values("content_object")
            .annotate(in_common=Count("pk"), newest=Max("content_object__publish_at"))
            .order_by("-in_common", "-newest", "-content_object")
            .values_list("content_object", flat=True)[:MORE_ON_COUNT]
        )

    ranked = remember(f"more-on:{brief.pk}", rank, lists=True)
    found = Brief.objects.select_related("format").in_bulk(ranked).values()
    return sorted(found, key=lambda other: (other.publish_at, other.pk), reverse=True)


def most_quoted_on(issue):
    """Experts by the number of their quotes in public briefs filed under `issue`."""
    return (
        Expert.objects.filter(quotes__brief__in=Brief.objects.published().filter(issues=issue))
        .annotate(quotes_on_issue=Count("quotes"))
        .order_by("-quotes_on_issue", "name")
    )


def top_experts_on(issue):
    return remember(
        f"top-experts:{issue.pk}",
        lambda: list(most_quoted_on(issue)[:TOP_EXPERTS_COUNT]),
        lists=True,
    )


def newest_ids(name, briefs, count):
    """The ids of the newest `count` of `briefs` (public briefs: the list named `name`),
    newest first."""
    return remember(
        f"newest:{name}:{count}",
        lambda: list(briefs.newest_first().values_list("pk", flat=True)[:count]),
        lists=True,
    )


def newest_quoting(expert, count):
    """The ids of the newest `count` public briefs quoting the expert."""
    quoting = Brief.objects.published().filter(pk__in=expert.quotes.values("brief_id"))
    return newest_ids(f"quoting:{expert.pk}", quoting, count)


def newest_public_ids(count):
    """The ids of the newest `count` public briefs, newest first."""
    return newest_ids("all", Brief.objects.published(), count)


def newest_filed_under(issue, count):
    """The ids of the newest `count` public briefs filed under `issue`, newest first."""
    return newest_ids(
        f"issue:{issue.pk}", Brief.objects.published().filed_under_all([issue]), count
    )


def newest_first_page(name, briefs, per_page, number):
    """How many briefs the newest-first list `name` of `briefs` holds, and the ids of those
    on page `number` (None past the end).

    The first request for the list after a change to what it holds walks its ids once, newest
    first, and keeps the count, and the ids of each run of PAGES_KEPT_TOGETHER pages, under
    their own cache keys: a request then reads two small entries and its own twenty rows,
    whatever the list's length or the page's depth. Kept a page an entry, the 4,700 pages of
    100,000 briefs took longer to store than the walk took.
    """
    token = lists_token()
    run = (number - 1) // PAGES_KEPT_TOGETHER

    def key(part):
        return entry_key(f"page-ids:{name}:{per_page}:{part}")

    count_key, run_key = key("count"), key(f"run:{run}")
    kept = recall([count_key, run_key], lambda entry: current(entry, token))
    count, pages = kept.get(count_key), kept.get(run_key)
    if current(count, token):
        if not 0 < number <= -(-count[2] // per_page):
            return count[2], None
        if current(pages, token):
            return count[2], pages[2][(number - 1) % PAGES_KEPT_TOGETHER]
        # Else the run's entry was evicted on its own: work the list out again.
    until = next_change_at()
    ids = list(briefs.newest_first().values_list("pk", flat=True))
    pages = [ids[first : first + per_page] for first in range(0, len(ids), per_page)]
    runs = [
        pages[first : first + PAGES_KEPT_TOGETHER]
        for first in range(0, len(pages), PAGES_KEPT_TOGETHER)
    ]
    timeout = seconds_until(until)
    cache.set_many(
        {key(f"run:{index}"): (token, until, kept_run) for index, kept_run in enumerate(runs)},
        timeout=timeout,
    )
    # The count last: a reader who finds it finds every run with it.
    cache.set(count_key, (token, until, len(ids)), timeout=timeout)
    keep_in_process(count_key, (token, until, len(ids)))
    if not 0 < number <= len(pages):
        return len(ids), None
    keep_in_process(run_key, (token, until, runs[run]))
    return len(ids), pages[number - 1]
