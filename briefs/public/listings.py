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

from django.db.models import Case, Count, Exists, Max, OuterRef, Q, Sum, When
from django.http import Http404
from django.utils import timezone

from common.publication import published_condition, settled_condition
from experts.models import Expert, ExpertQuote

from ..models import Brief, Issue, IssueQuoteCount, TaggedBrief
from .freshness import (
    current,
    entry_key,
    keep,
    lists_token,
    next_change_at,
    recall,
    remember,
)

MORE_ON_COUNT = 4
# How many of the newest briefs sharing an issue with a brief "more on" ranks.
MORE_ON_CANDIDATES = 500
TOP_EXPERTS_COUNT = 5
# Pages of a list whose ids are kept in one cache entry (newest_first_page): the first request
# after a change reads them all. An issue's first fifty pages took 18 ms to read, ten take 4.
PAGES_KEPT_TOGETHER = 10


def public_issues():
    """Every issue with a public brief, by name, with `public_brief_count` and
    `latest_publish_at`."""
    return remember("public-issues", lambda: list(Issue.objects.public()), lists=True)


def work_out_ahead():
    """Inside a change to what lists hold, under its new lists token (freshness.as_version):
    work out what nearly every page shows of the lists, the public issues and experts with
    their counts, the number of public briefs, and the quotes of briefs still to come that
    issue pages add to the database's counts, so the first reader after the change finds
    them kept. On 100,000 briefs they take 110, 120, 11 and 16 ms: the change pays that, not
    its first reader."""
    public_issues()
    public_experts()
    public_brief_count()
    quotes_to_come()


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


def most_quoted_on(issue, count):
    """The `count` experts most quoted in public briefs filed under `issue` (by name on a
    tie), each with `quotes_on_issue`: the quotes the database counts per issue and expert in
    settled briefs (IssueQuoteCount), with those of briefs whose time is still to come
    (quotes_to_come()). Without any of those under the issue, as on most sites most of the
    time, the first `count` counts are read, with their experts, in one query."""
    changes = {
        expert: change
        for (issue_id, expert), change in quotes_to_come().items()
        if issue_id == issue.pk
    }
    tallied = (
        IssueQuoteCount.objects.filter(issue=issue, quotes__gt=0)
        .select_related("expert")
        .order_by("-quotes", "expert__name", "expert")
    )
    if not changes:
        return [quoted_on_issue(row.expert, row.quotes) for row in tallied[:count]]
    # Read in the database's order of names, as without changes; then sorted by quotes,
    # which keeps that order among equals.
    rows = list(tallied.order_by("expert__name", "expert"))
    experts = {row.expert_id: row.expert for row in rows}
    quotes = {row.expert_id: row.quotes for row in rows}
    for expert, change in changes.items():
        quotes[expert] = quotes.get(expert, 0) + change
    quoted = [pk for pk, number in quotes.items() if number > 0]
    if not experts.keys() >= set(quoted):
        # Some quoted only in briefs the counts hold nothing of: all read again, in order.
        experts = Expert.objects.order_by("name", "pk").in_bulk(quoted)
    ranked = sorted(
        (expert for pk, expert in experts.items() if quotes[pk] > 0),
        key=lambda expert: -quotes[expert.pk],
    )
    return [quoted_on_issue(expert, quotes[expert.pk]) for expert in ranked[:count]]


def quoted_on_issue(expert, quotes):
    expert.quotes_on_issue = quotes
    return expert


def quotes_to_come():
    """{(issue id, expert id): quotes to add to IssueQuoteCount's count} for the briefs whose
    publication or withdrawal is still to come, which the database cannot count ahead: those
    public by now added, those not yet public taken away. Read once per lists token for
    every issue: they are few on a site, and found by their own indexes; with no scheduled
    change to come (the content's version knows), there are none to read."""
    if next_change_at() is None:
        return {}

    def count():
        now = timezone.now()
        public = Case(When(published_condition("brief__"), then=1), default=0)
        settled = Case(When(settled_condition("brief__"), then=1), default=0)
        to_come = Q(brief__publish_at__gt=now) | Q(brief__withdraw_at__gt=now)
        changes = (
            ExpertQuote.objects.filter(to_come, brief__status=Brief.Status.PUBLISHED)
            .order_by()
            .values_list("brief__issues", "expert")
            .annotate(change=Sum(public - settled))
        )
        return {
            (issue, expert): change
            for issue, expert, change in changes
            if change and issue is not None
        }

    return remember("quotes-to-come", count, lists=True)


def top_experts_on(issue):
    return remember(
        f"top-experts:{issue.pk}", lambda: most_quoted_on(issue, TOP_EXPERTS_COUNT), lists=True
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


def newest_first_page(name, briefs, per_page, number, count=None, all_ids=None):
    """How many briefs the newest-first list `name` of `briefs` holds, and the ids of those
    on page `number` (None past the end). `count`, when the caller knows it (an issue's
    public_brief_count, worked out with the lists), saves counting the list; otherwise the
    list is walked, by `all_ids()` when the caller has a faster way to every id in order.

    The ids of each run of PAGES_KEPT_TOGETHER pages (and the count, when not given) are kept
    per lists token: a request then reads small entries and its own twenty rows, whatever the
    list's length or the page's depth. After a change to what lists hold, a request works out
    only its own run, read from the nearer end of the list along the index of the public
    order: on 100,000 briefs, walking the whole list and storing its 4,700 pages took 56 ms
    for /briefs/ page 1 (131 at p99), where reading a run's two hundred ids takes 1 to 4.
    """
    token = lists_token()
    run = (number - 1) // PAGES_KEPT_TOGETHER

    def key(part):
        return entry_key(f"page-ids:{name}:{per_page}:{part}")

    count_key, run_key = key("count"), key(f"run:{run}")
    wanted = [run_key] if count is not None else [count_key, run_key]
    kept = recall(wanted, lambda _, entry: current(entry, token))
    if count is None:
        kept_count = kept.get(count_key)
        if not current(kept_count, token):
            # Counting a list filtered by several issues walks it: the walk gives every run.
            ids = all_ids() if all_ids else None
            if ids is None:
                ids = list(briefs.newest_first().values_list("pk", flat=True))
            return keep_whole_list(key, token, ids, per_page, number)
        count = kept_count[2]
    if not 0 < number <= -(-count // per_page):
        return count, None
    kept_run = kept.get(run_key)
    if not current(kept_run, token):
        until = next_change_at()
        kept_run = (token, until, pages_of_run(briefs, count, per_page, run))
        keep({run_key: kept_run})
    return count, kept_run[2][(number - 1) % PAGES_KEPT_TOGETHER]


def keep_whole_list(key, token, ids, per_page, number):
    """newest_first_page() for a list whose length was not known: from all its ids, walked
    once, its count and every run kept."""
    until = next_change_at()
    pages = in_chunks(ids, per_page)
    runs = in_chunks(pages, PAGES_KEPT_TOGETHER)
    keep({key(f"run:{index}"): (token, until, run) for index, run in enumerate(runs)})
    # The count last: a reader who finds it finds every run with it.
    keep({key("count"): (token, until, len(ids))})
    return len(ids), pages[number - 1] if 0 < number <= len(pages) else None


def pages_of_run(briefs, count, per_page, run):
    """The ids of each page of the `run`th run of PAGES_KEPT_TOGETHER pages of `briefs` (a
    list of `count` public briefs, newest first)."""
    size = per_page * PAGES_KEPT_TOGETHER
    first, last = run * size, min(count, (run + 1) * size)
    return in_chunks(
        read_from_nearer_end(briefs.values_list("pk", flat=True), count, first, last), per_page
    )


def read_from_nearer_end(rows, count, first, last):
    """Rows `first` up to `last` of `rows` (values of a list of `count` public briefs, in their
    newest-first order), read along the index of the public order from whichever end of the
    list is nearer: the last pages of a long list are its oldest briefs, read oldest first."""
    if first <= count - last:
        return list(rows.newest_first()[first:last])
    return list(rows.oldest_first()[count - last : count - first])[::-1]


def in_chunks(items, size):
    return [items[start : start + size] for start in range(0, len(items), size)]


def public_brief_count():
    return remember("public-brief-count", lambda: Brief.objects.published().count(), lists=True)
