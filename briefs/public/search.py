"""Full-text search over briefs: PostgreSQL's text search in production, SQLite's FTS5 on the
embedded default, and the same page and facets on both.

Each brief's searchable text is written to an index whenever the brief, one of its quotes,
sections or links, its issues, or a quoted expert changes (see briefs/signals.py). Only public
briefs are ever found or counted: on SQLite every search starts from Brief.objects.published();
on PostgreSQL the matches are counted and ranked on the search entries with the same rule
(published_condition) on their copies of the publication fields, and the hits shown are read
through Brief.objects.published().
"""

import functools
import html
import math
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchQuery
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import ExtractYear
from django.db.models.lookups import Exact
from django.http import Http404
from django.utils import timezone
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from common.publication import published_condition
from experts.models import ExpertQuote

from ..models import Brief, Format, SearchEntry
from .filters import MAX_ISSUES, filter_value, filter_values
from .listings import public_experts, public_issues_in_order
from .snippets import snippet, wanted_lexemes

# Private-use characters mark matches in snippets: they cannot occur in a brief, so the
# snippet is escaped first and only then are they turned into <mark> elements.
MARK_START, MARK_END = "\ue000", "\ue001"
MAX_QUERY_LENGTH = 300
CONFIG = "english"
FTS_TABLE = "briefs_search"


def clean_query(text):
    """The query as searched: control characters (NUL among them) out, spaces squashed,
    and cut to a length no reader types."""
    text = "".join(char if char.isprintable() else " " for char in text or "")
    return " ".join(text.split())[:MAX_QUERY_LENGTH]


def _plain(html_text):
    return " ".join(html.unescape(strip_tags(html_text)).split())


def searchable_text(brief):
    """A brief's words by weight: title highest, then summary and names, then the body."""
    quotes = list(brief.quotes.all())
    names = [issue.name for issue in brief.issues.all()]
    names += sorted({quote.expert.name for quote in quotes})
    body = [_plain(brief.latest_developments_html)]
    body += [_plain(quote.text_html) for quote in quotes]
    for section in brief.sections.all():
        body += [section.heading, _plain(section.body_html)]
    # Links to our own briefs are left out: their titles are those briefs' own, which may
    # not be public yet (and are found through those briefs once they are).
    body += [link.title for link in brief.related_links.all() if not link.target_id]
    words = {
        "title": brief.title,
        "summary": brief.summary,
        "names": " ".join(names),
        "body": "\n".join(part for part in body if part),
    }
    # PostgreSQL's parser reads "<script" or "<!--" as the start of markup and skips what
    # follows: a heading written so would hide the rest of the brief from search.
    return {part: text.replace("<", " ") for part, text in words.items()}


def highlighted(snippet):
    """Safe HTML for a snippet: everything escaped, then the match markers become <mark>."""
    text = escape(snippet or "")
    return mark_safe(text.replace(MARK_START, "<mark>").replace(MARK_END, "</mark>"))


# Each brief's issue and expert names as one text (the "names" part of the index), for bulk
# loads; written per database, as the two spell string aggregation differently.
NAMES_SQL = {
    "postgresql": """
        SELECT b2.id, concat_ws(' ',
            (SELECT string_agg(i.name, ' ') FROM briefs_taggedbrief AS t
             JOIN briefs_issue AS i ON i.id = t.tag_id WHERE t.content_object_id = b2.id),
            (SELECT string_agg(DISTINCT e.name, ' ') FROM experts_expertquote AS q
             JOIN experts_expert AS e ON e.id = q.expert_id WHERE q.brief_id = b2.id)
        ) AS text
        FROM briefs_brief AS b2""",
    "sqlite": """
        SELECT b2.id, trim(
            coalesce((SELECT group_concat(i.name, ' ') FROM briefs_taggedbrief AS t
                JOIN briefs_issue AS i ON i.id = t.tag_id WHERE t.content_object_id = b2.id), '')
            || ' ' ||
            coalesce((SELECT group_concat(e.name, ' ') FROM experts_expertquote AS q
                JOIN experts_expert AS e ON e.id = q.expert_id WHERE q.brief_id = b2.id), '')
        ) AS text
        FROM briefs_brief AS b2""",
}


# The search entries are spread over this many buckets by brief id (SearchEntry.sample).
SAMPLE_BUCKETS = 1024

# Each brief's issue and expert ids, for bulk loads.
ISSUE_IDS_SQL = """ARRAY(SELECT t.tag_id FROM briefs_taggedbrief AS t
    WHERE t.content_object_id = b.id ORDER BY t.tag_id)"""
EXPERT_IDS_SQL = """ARRAY(SELECT DISTINCT q.expert_id FROM experts_expertquote AS q
    WHERE q.brief_id = b.id ORDER BY q.expert_id)"""

# A search entry written from a source of rows (id, title, summary, names, body, status,
# publish_at, withdraw_at, format_id, issue_ids, expert_ids): the heading weighted A (title)
# and B (summary, names), the body C, as search ranks them.
ENTRY_SQL = f"""
    INSERT INTO briefs_searchentry (brief_id, heading, words, status, publish_at, withdraw_at,
        month, format_id, issue_ids, expert_ids, sample)
    SELECT s.id, h.heading, h.heading || setweight(to_tsvector('{CONFIG}', s.body), 'C'),
        s.status, s.publish_at, s.withdraw_at,
        (extract(year FROM s.publish_at AT TIME ZONE 'UTC') * 12
            + extract(month FROM s.publish_at AT TIME ZONE 'UTC') - 1)::integer,
        s.format_id, s.issue_ids, s.expert_ids, mod(s.id, {SAMPLE_BUCKETS})
    FROM ({{source}}) AS s (id, title, summary, names, body, status, publish_at, withdraw_at,
        format_id, issue_ids, expert_ids),
    LATERAL (SELECT setweight(to_tsvector('{CONFIG}', s.title), 'A')
        || setweight(to_tsvector('{CONFIG}', s.summary), 'B')
        || setweight(to_tsvector('{CONFIG}', s.names), 'B') AS heading) AS h
    ON CONFLICT (brief_id) DO UPDATE SET heading = EXCLUDED.heading, words = EXCLUDED.words,
        status = EXCLUDED.status, publish_at = EXCLUDED.publish_at,
        withdraw_at = EXCLUDED.withdraw_at, month = EXCLUDED.month,
        format_id = EXCLUDED.format_id, issue_ids = EXCLUDED.issue_ids,
        expert_ids = EXCLUDED.expert_ids, sample = EXCLUDED.sample
"""

# Matches are counted and faceted one by one while one bucket suggests that the GIN index
# hands over at most EXACT_UP_TO entries; beyond, from the fewest buckets likely to hand over
# SAMPLE_SIZE (a count within a few percent), so that a search reads as many entries on a
# million briefs as on a hundred thousand.
EXACT_UP_TO = 2000
SAMPLE_SIZE = 800
# What is ranked: the newest matches, and the newest with a word in the heading (title,
# summary, names).
NEWEST_CANDIDATES = 200
HEADING_CANDIDATES = 50
# At most about this many entries are read to find them: a phrase of common words is looked
# for in fewer recent hours, and fewer matches are listed (each entry read for a phrase is
# checked for its words' positions, about 5 microseconds apiece).
READ_FOR_RANKING = 2000
# The unit of a ranking's window in a past year.
HOUR = timedelta(hours=1)


ENTRIES = SearchEntry._meta.db_table
# How many entries there are: the planner's figure (pg_class.reltuples, kept by VACUUM and
# ANALYZE, within a few percent), read at no cost, or on a table too small for it to be kept
# (-1 before the first VACUUM) the entries counted, which is then cheap.
COUNTED_BELOW = 10_000
ENTRY_COUNT = f"""(SELECT CASE WHEN c.reltuples >= {COUNTED_BELOW} THEN c.reltuples::bigint
    ELSE (SELECT count(*) FROM {ENTRIES}) END
    FROM pg_class AS c WHERE c.oid = '{ENTRIES}'::regclass)"""
# The reader's query (one parameter) as PostgreSQL's web-search syntax reads it.
QUERY = f"websearch_to_tsquery('{CONFIG}', %s)"
MATCHING = f"words @@ {QUERY}"
# A word the query excludes, in web-search syntax: "-word" or -"a phrase".
EXCLUSION = re.compile(r'(^|\s)-["\w]')
# A phrase's operator between two words in a query's text: <-> or <N>.
PHRASE_OPERATOR = "'<(-|[0-9]+)>'"
# The query with its phrases' words only required, in any order: what the GIN index answers
# by itself, without reading the words' positions from the entries.
MATCHING_WITHOUT_PHRASES = (
    f"words @@ regexp_replace({QUERY}::text, {PHRASE_OPERATOR}, '&', 'g')::tsquery"
)
# Whether the query holds a phrase, whose words' positions are read from each entry found.
PHRASED = f"{QUERY}::text ~ {PHRASE_OPERATOR}"


def month_number(moment):
    """Months since year 0, in UTC, as SearchEntry.month counts them."""
    moment = moment.astimezone(UTC)
    return moment.year * 12 + moment.month - 1


def tally(statement, params):
    """The rows of a facet statement, (kind, key, count), as {kind: {key: count}}, and the
    slug and name of each issue, expert and format counted, {kind: {key: row}}, read with
    them."""
    counts = {"total": {}, "issue": {}, "expert": {}, "format": {}, "year": {}}
    names = {"issue": {}, "expert": {}, "format": {}}
    named = f"""
        WITH t (kind, key, hits) AS ({statement})
        SELECT t.kind, t.key, t.hits, coalesce(i.slug, e.slug), coalesce(i.name, e.name, f.name)
        FROM t
        LEFT JOIN briefs_issue AS i ON t.kind = 'issue' AND i.id = t.key
        LEFT JOIN experts_expert AS e ON t.kind = 'expert' AND e.id = t.key
        LEFT JOIN briefs_format AS f ON t.kind = 'format' AND f.id = t.key
    """
    with connection.cursor() as cursor:
        cursor.execute(named, params)
        for kind, key, hits, slug, name in cursor.fetchall():
            if kind in names:
                if name is None:  # deleted since the entry was written: nothing to offer
                    continue
                names[kind][int(key)] = SimpleNamespace(slug=slug, name=name)
            counts[kind][int(key)] = hits
    return counts, names


class Hits:
    """A search's ranked hits as a paginator's list: how many can be listed, known already,
    and (id, snippet) read a page at a time by `page(a slice)`."""

    def __init__(self, count, page):
        self.count, self.page = count, page

    def __len__(self):
        return self.count

    def __getitem__(self, part):
        return self.page(part)


class PostgresSearch:
    """PostgreSQL text search over SearchEntry, a narrow table of its own: weighted tsvectors
    under one GIN index, English stemming, and websearch_to_tsquery, which reads "phrases",
    -exclusions and `or` and never fails.

    The work of a search is bounded, however many briefs match: the count and the facets are
    exact while the index hands over up to about EXACT_UP_TO entries, and estimated beyond
    from a fixed sample of the briefs; ranking reads only the newest matches and the newest
    with a word in their heading; a snippet is made only for a brief on the page shown
    (briefs.public.snippets)."""

    def __init__(self):
        self._chosen = None
        # What counts() found, which ranking reads: the total, the matches per year, the
        # entries the index hands over per match (more than one for a phrase) and, for a
        # phrase, per entry, the time of the newest public entry, and the number of entries.
        self._total, self._per_year, self._reads_per_match = 0, {}, 1
        self._phrase_reads_per_entry, self._newest, self._entries = None, None, 0

    def write(self, brief, words):
        issue_ids = sorted(issue.pk for issue in brief.issues.all())
        expert_ids = sorted({quote.expert_id for quote in brief.quotes.all()})
        source = "SELECT %s, %s, %s, %s, %s, %s, %s::timestamptz, %s::timestamptz, %s, "
        source += "%s::integer[], %s::integer[]"
        params = [
            brief.pk, words["title"], words["summary"], words["names"], words["body"],
            brief.status, brief.publish_at, brief.withdraw_at, brief.format_id,
            issue_ids, expert_ids,
        ]  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute(ENTRY_SQL.format(source=source), params)
        Brief.objects.filter(pk=brief.pk).update(search_document=words["body"])

    def remove(self, brief_id):
        SearchEntry.objects.filter(pk=brief_id).delete()

    def write_from_columns(self, brief_ids):
        """Index briefs whose search_document is already written, in one statement: the same
        entries as write(), for bulk loads."""
        source = f"""
            SELECT b.id, b.title, b.summary, names.text, b.search_document, b.status,
                b.publish_at, b.withdraw_at, b.format_id, {ISSUE_IDS_SQL}, {EXPERT_IDS_SQL}
            FROM briefs_brief AS b
            JOIN ({NAMES_SQL["postgresql"]} WHERE b2.id = ANY(%s)) AS names ON names.id = b.id
        """
        with connection.cursor() as cursor:
            cursor.execute(ENTRY_SQL.format(source=source), [list(brief_ids)])

    def matching(self, queryset, text):
        """The briefs of `queryset` whose words match `text`, in its order: for the content
        API's ?q=, which lists them newest first."""
        query = SearchQuery(text, search_type="websearch", config=CONFIG)
        return queryset.filter(search_entry__words=query)

    def _where(self, search, words=MATCHING):
        """(SQL, params) of a WHERE on SearchEntry: the publication rule, the search's chosen
        filters and `words` (whose every parameter is the query), compiled by the ORM once a
        search; its statements are written as SQL, on the search's hot path."""
        if self._chosen is None:
            entries = SearchEntry.objects.filter(published_condition())
            if search.issues:
                entries = entries.filter(issue_ids__contains=[issue.pk for issue in search.issues])
            if search.expert:
                entries = entries.filter(expert_ids__contains=[search.expert.pk])
            if search.format:
                entries = entries.filter(format_id=search.format.pk)
            if search.year:
                # The year as no index reads it: from the B-tree over the times the planner
                # would take every entry of the year (125,000 of a million briefs) to
                # intersect with the matches, where the entries the GIN index hands over,
                # checked one by one, are a bounded number.
                entries = entries.filter(Exact(ExtractYear("publish_at"), search.year))
            compiler = entries.query.get_compiler(connection=connection)
            sql, params = compiler.compile(entries.query.where)
            self._chosen = (sql, list(params))
        sql, params = self._chosen
        return f"{sql} AND {words}", [*params, *[search.query] * words.count("%s")]

    def counts(self, search):
        """The number of matches, the facet counts, the names counted, and whether the
        counts are estimates.

        What a search costs is the number of entries the GIN index hands over: the matches,
        or for a phrase every entry with all its words, whose positions are then read from
        the entry (a "military forces" has 80 times as many). Both are counted in one bucket
        first, and the sample is sized by the entries read."""
        where, params = self._where(search, words=MATCHING_WITHOUT_PHRASES)
        newest, newest_params = (
            SearchEntry.objects.filter(published_condition())
            .order_by("-publish_at")
            .values("publish_at")[:1]
            .query.sql_with_params()
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*), count(*) FILTER (WHERE words @@ {QUERY}), ({newest}), "
                f"{ENTRY_COUNT}, {PHRASED} FROM {ENTRIES} WHERE {where} AND sample = 0",
                [search.query, *newest_params, search.query, *params],
            )
            read, matched, self._newest, self._entries, phrased = cursor.fetchone()
        self._reads_per_match = max(read, 1) / max(matched, 1)
        # Straight from the entries read in bucket 0: a phrase's matches there are few, and
        # their share times the reads per match would be a guess.
        self._phrase_reads_per_entry = (
            read * SAMPLE_BUCKETS / max(self._entries, 1) if phrased else None
        )
        estimated = read * SAMPLE_BUCKETS > EXACT_UP_TO
        buckets = math.ceil(SAMPLE_SIZE / read) if estimated else None
        counts, names = self._tally(search, buckets)
        if estimated:
            scale = SAMPLE_BUCKETS / buckets
            counts = {
                kind: {key: round(hits * scale) for key, hits in found.items()}
                for kind, found in counts.items()
            }
        self._total, self._per_year = counts["total"].get(0, 0), counts["year"]
        return counts, names, estimated

    def _tally(self, search, buckets):
        """The facet counts of the matches, or of those in the first `buckets` buckets."""
        where, params = self._where(search)
        if buckets is not None:
            where, params = f"{where} AND sample < %s", [*params, buckets]
        statement = f"""
            WITH m (id, format_id, year, issue_ids, expert_ids) AS MATERIALIZED (
                SELECT brief_id, format_id,
                    EXTRACT(YEAR FROM publish_at AT TIME ZONE %s)::integer,
                    issue_ids, expert_ids
                FROM {ENTRIES} WHERE {where})
            SELECT 'total', 0, count(*) FROM m
            UNION ALL SELECT 'issue', i, count(*) FROM m, unnest(m.issue_ids) AS i GROUP BY i
            UNION ALL SELECT 'expert', e, count(*) FROM m, unnest(m.expert_ids) AS e GROUP BY e
            UNION ALL SELECT 'format', m.format_id, count(*) FROM m GROUP BY m.format_id
            UNION ALL SELECT 'year', m.year, count(*) FROM m GROUP BY m.year
        """
        return tally(statement, [timezone.get_current_timezone_name(), *params])

    def hits(self, search):
        """The best candidates ranked, after counts(): snippets are made only for the page
        shown."""
        window = self._recent_window(NEWEST_CANDIDATES)
        ranked = self._ranked(search, window)
        if window and not window.bounded and len(ranked) < min(self._total, NEWEST_CANDIDATES):
            # The window held too few after all: the matches are fewer near the end than on
            # average. Looked for again as far back as READ_FOR_RANKING allows, not in every
            # match, which on a million briefs took seconds.
            ranked = self._ranked(search, self._recent_window(NEWEST_CANDIDATES, widest=True))
        return Hits(len(ranked), lambda part: self._snippets(ranked[part], search.query))

    def _ranked(self, search, window):
        """The ids of the newest matches, and the newest with a word in their heading
        (looked for four times as far back), ranked, in one statement. Within the `window`
        of time when given: the indexes find those without reading the older matches, which
        need not then be sorted."""

        def newest(words, start, count):
            where, params = self._where(search, words)
            order = f"ORDER BY publish_at DESC, brief_id DESC LIMIT {count}"
            if not window:
                # Few matches: all found through the GIN index, then sorted. (Read back from
                # the newest entry instead, a word missing from the planner's statistics, taken
                # for one entry in 200, would have every entry read.)
                found = f"SELECT brief_id, publish_at FROM {ENTRIES} WHERE {where} OFFSET 0"
                return f"SELECT brief_id FROM ({found}) AS found {order}", params
            # The window in time for the index of the newest entries, and as the months it
            # spans for the GIN index, named one by one: btree_gin reads a range of months as
            # every month on its open side (a year's filter read every entry before its end).
            months = list(range(month_number(start), month_number(window.end) + 1))
            where = f"{where} AND month = ANY(%s::integer[]) AND publish_at >= %s"
            params = [*params, months, start]
            if window.closed:
                where, params = f"{where} AND publish_at < %s", [*params, window.end]
            return f"SELECT brief_id FROM {ENTRIES} WHERE {where} {order}", params

        start = window and window.start
        recent, recent_params = newest(MATCHING, start, NEWEST_CANDIDATES)
        # Without an exclusion, words in the heading are words of the brief: the index reads
        # only the heading's (fewer) entries.
        heading = (
            f"heading @@ {QUERY}"
            if EXCLUSION.search(search.query) is None
            else (f"heading @@ {QUERY} AND {MATCHING}")
        )
        heading_start = window and window.end - 4 * (window.end - window.start)
        headed, headed_params = newest(heading, heading_start, HEADING_CANDIDATES)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT brief_id FROM {ENTRIES} WHERE brief_id IN (({recent}) UNION ({headed})) "
                f"ORDER BY ts_rank(words, {QUERY}) DESC, publish_at DESC, brief_id DESC",
                [*recent_params, *headed_params, search.query],
            )
            return [row[0] for row in cursor.fetchall()]

    def _recent_window(self, count, widest=False):
        """The newest stretch of time that likely holds `count` matches twice over, but no
        more than about READ_FOR_RANKING entries to read (`bounded`), or (`widest`) as long as
        that allows; None when it would hold most of the matches, which are then few.

        It ends (`end`) at the newest public entry, not now: a pause in publishing (a holiday)
        would leave the newest hours empty. Its start is found among the newest entries:
        those of the newest that the matches' share of all entries says hold the matches
        wanted, however thinly the last weeks were published. For matches of a past year
        (one chosen), the window ends with the year (`closed`), and its start is worked out
        from the matches of that year and the one before, spread evenly, in whole hours."""
        if not self._per_year or self._newest is None:
            return None
        reads = self._total * self._reads_per_match
        if not widest and self._total <= count and reads <= READ_FOR_RANKING:
            return None
        newest = timezone.localtime(self._newest)
        latest = max(self._per_year)
        if latest < newest.year:
            return self._window_in_year(latest, count, widest)
        share = self._total / max(self._entries, self._total)
        # Without a phrase an entry read is a match: the matches' share, counted or estimated
        # from hundreds, is closer than bucket 0's handful, one of which stands for a thousand
        # on a small archive.
        reads_per_entry = share
        if self._phrase_reads_per_entry is not None:
            reads_per_entry = max(share, self._phrase_reads_per_entry)
        entries = self._window_length(
            wanted=2 * count / share,
            affordable=READ_FOR_RANKING / reads_per_entry,
            whole=self._entries / 2,
            widest=widest,
        )
        if entries is None:
            return None
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT publish_at FROM {ENTRIES} WHERE publish_at <= %s "
                "ORDER BY publish_at DESC, brief_id DESC OFFSET %s LIMIT 1",
                [newest, entries.length - 1],
            )
            row = cursor.fetchone()
        if row is None:
            return None
        return SimpleNamespace(start=row[0], end=newest, closed=False, bounded=entries.bounded)

    def _window_in_year(self, year, count, widest):
        """The window of _recent_window() for matches of a past year, in hours."""
        zone = timezone.get_current_timezone()
        end = datetime(year + 1, 1, 1, tzinfo=zone)
        span = end - datetime(year - 1, 1, 1, tzinfo=zone)
        recent = self._per_year[year] + self._per_year.get(year - 1, 0)
        matches_an_hour = recent / (span / HOUR)
        hours = self._window_length(
            wanted=2 * count / matches_an_hour,
            affordable=READ_FOR_RANKING / (matches_an_hour * self._reads_per_match),
            whole=span / HOUR,
            widest=widest,
        )
        if hours is None:
            return None
        start = end - hours.length * HOUR
        return SimpleNamespace(start=start, end=end, closed=True, bounded=hours.bounded)

    @staticmethod
    def _window_length(wanted, affordable, whole, widest):
        """How long a window is, in whole units (entries or hours): what is `wanted`, or what
        can be `affordable` when that is less (`bounded`) or the `widest` is asked for; None
        when that takes most of the `whole`."""
        affordable = max(1, math.floor(affordable))
        if widest or affordable < wanted:
            length, bounded = affordable, True
        else:
            length, bounded = math.ceil(wanted), False
        if length >= whole:
            return None
        return SimpleNamespace(length=length, bounded=bounded)

    def _snippets(self, ids, text):
        """(id, snippet) of each public brief of `ids`, in their order, with the query's
        lexemes as PostgreSQL reads them (briefs.public.snippets)."""
        lexemes = RawSQL("websearch_to_tsquery(%s::regconfig, %s)::text", [CONFIG, text])
        found = (
            Brief.objects.published()
            .filter(pk__in=ids)
            .annotate(lexemes=lexemes)
            .values_list("pk", "search_document", "lexemes")
        )
        snippets = {
            pk: snippet(document, wanted_lexemes(query), MARK_START, MARK_END)
            for pk, document, query in found
        }
        return [(pk, snippets[pk]) for pk in ids if pk in snippets]


class BriefTableSearch:
    """Search on the briefs' own table, with every match counted and ranked: for SQLite,
    whose archives are small. Subclasses say how briefs match, rank and show a snippet."""

    def __init__(self):
        self._total = 0  # as counts() found it, for hits()

    def matched(self, search):
        briefs = self.matching(Brief.objects.published(), search.query)
        briefs = briefs.filed_under_all(search.issues)
        if search.expert:
            quotes = ExpertQuote.objects.filter(brief=OuterRef("pk"), expert=search.expert)
            briefs = briefs.filter(Exists(quotes))
        if search.format:
            briefs = briefs.filter(format=search.format)
        if search.year:
            briefs = briefs.filter(publish_at__year=search.year)
        return briefs

    def counts(self, search):
        """The number of hits and the facet counts, from one pass over the matches: the
        matching is the costly part, so it is done once, not once a facet."""
        matches = self.matched(search).annotate(year=ExtractYear("publish_at"))
        try:
            matches_sql, params = matches.values("pk", "format_id", "year").query.sql_with_params()
        except EmptyResultSet:  # a query with no word left to search for
            return *tally("SELECT 'total', 0, 0", []), False
        statement = f"""
            WITH m (id, format_id, year) AS ({matches_sql})
            SELECT 'total', 0, count(*) FROM m
            UNION ALL SELECT 'issue', t.tag_id, count(*) FROM m
                JOIN briefs_taggedbrief AS t ON t.content_object_id = m.id GROUP BY t.tag_id
            UNION ALL SELECT 'expert', q.expert_id, count(DISTINCT q.brief_id) FROM m
                JOIN experts_expertquote AS q ON q.brief_id = m.id GROUP BY q.expert_id
            UNION ALL SELECT 'format', m.format_id, count(*) FROM m GROUP BY m.format_id
            UNION ALL SELECT 'year', m.year, count(*) FROM m GROUP BY m.year
        """
        counts, names = tally(statement, params)
        self._total = counts["total"].get(0, 0)
        return counts, names, False

    def hits(self, search):
        """(id, snippet) of every match, ranked, after counts(): read a page at a time."""
        hits = self.with_snippets(self.ranked(self.matched(search), search.query), search.query)
        order = ("-search_rank", F("publish_at").desc(), "-pk")
        ranked = hits.order_by(*order).values_list("pk", "search_snippet")
        return Hits(self._total, lambda part: list(ranked[part]))


_TERM = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def fts5_query(text):
    """Web-search syntax ("a phrase", -word, `or`) as an FTS5 query, every term quoted so
    that nothing a reader types is read as FTS5 syntax; None when no word is left."""
    clauses, excluded, join_next = [], [], False
    for match in _TERM.finditer(text):
        negated, phrase, word = match.group(1) == "-", match.group(2), match.group(3)
        if word is not None:
            if word.lower() == "or":
                join_next = bool(clauses)
                continue
            negated, phrase = word.startswith("-"), word.lstrip("-")
        if not re.search(r"\w", phrase):
            continue
        term = '"' + phrase.replace('"', '""') + '"'
        if negated:
            excluded.append(term)
        elif join_next:
            clauses[-1].append(term)
        else:
            clauses.append([term])
        join_next = False
    if not clauses:
        return None
    query = " AND ".join(
        f"({' OR '.join(terms)})" if len(terms) > 1 else terms[0] for terms in clauses
    )
    return "".join([query, *(f" NOT {term}" for term in excluded)])


class SqliteSearch(BriefTableSearch):
    """SQLite's FTS5 (porter stemming), with bm25 ranking weighted like PostgreSQL's."""

    def write(self, brief, words):
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [brief.pk])
            cursor.execute(
                f"INSERT INTO {FTS_TABLE} (rowid, title, summary, names, body) "
                "VALUES (%s, %s, %s, %s, %s)",
                [brief.pk, words["title"], words["summary"], words["names"], words["body"]],
            )
        Brief.objects.filter(pk=brief.pk).update(search_document=words["body"])

    def remove(self, brief_id):
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [brief_id])

    def write_from_columns(self, brief_ids):
        """Index briefs whose search_document is already written, in one statement."""
        marks = ", ".join(["%s"] * len(brief_ids))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {FTS_TABLE} (rowid, title, summary, names, body) "
                f"SELECT b.id, b.title, b.summary, names.text, b.search_document "
                f"FROM briefs_brief AS b "
                f"JOIN ({NAMES_SQL['sqlite']} WHERE b2.id IN ({marks})) AS names "
                f"ON names.id = b.id",
                list(brief_ids),
            )

    def matching(self, queryset, text):
        query = fts5_query(text)
        if query is None:
            return queryset.none()
        found = RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [query])
        return queryset.filter(pk__in=found)

    def ranked(self, queryset, text):
        return queryset.annotate(
            search_rank=self._per_brief("-bm25({table}, 10.0, 4.0, 4.0, 1.0)", [], text)
        )

    def with_snippets(self, queryset, text):
        snippet = "snippet({table}, 3, %s, %s, ' … ', 30)"
        return queryset.annotate(
            search_snippet=self._per_brief(snippet, [MARK_START, MARK_END], text)
        )

    def _per_brief(self, expression, params, text):
        sql = (
            f"SELECT {expression.format(table=FTS_TABLE)} FROM {FTS_TABLE} "
            f"WHERE {FTS_TABLE} MATCH %s AND {FTS_TABLE}.rowid = {Brief._meta.db_table}.id"
        )
        return RawSQL(sql, [*params, fts5_query(text)])


class ContainsSearch(BriefTableSearch):
    """Where SQLite was built without FTS5: every word must appear somewhere, unranked."""

    def write(self, brief, words):
        document = "\n".join([words["title"], words["summary"], words["names"], words["body"]])
        Brief.objects.filter(pk=brief.pk).update(search_document=document)

    def remove(self, brief_id):
        """The text is a column of the brief: it goes with the brief."""

    def matching(self, queryset, text):
        words = re.findall(r"\w+", text)
        if not words:
            return queryset.none()
        condition = Q()
        for word in words:
            condition &= Q(search_document__icontains=word)
        return queryset.filter(condition)

    def write_from_columns(self, brief_ids):
        """search_document, written with the rows, is all this fallback reads."""

    def ranked(self, queryset, text):
        return queryset.annotate(search_rank=Value(0.0))

    def with_snippets(self, queryset, text):
        return queryset.annotate(search_snippet=F("summary"))


@functools.cache
def _has_fts5_table(database_name):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = %s", [FTS_TABLE]
        )
        return cursor.fetchone()[0] == 1


def backend():
    if connection.vendor == "postgresql":
        return PostgresSearch()
    # Asked once per database file: the table is made by a migration, or never.
    if connection.vendor == "sqlite" and _has_fts5_table(connection.settings_dict["NAME"]):
        return SqliteSearch()
    return ContainsSearch()


def public_ids_filed_under_all(issues):
    """The ids of the public briefs filed under every one of `issues`, newest first, read from
    the search entries on PostgreSQL, found by the search's GIN index over their issue ids
    (migration 0019): joining the briefs' issues walked every public brief, for two issues of
    100,000 briefs 50 ms against 25. None elsewhere, where the entries are empty: the list's
    own walk of the briefs is the way (listings.newest_first_page)."""
    if connection.vendor != "postgresql":
        return None
    entries = SearchEntry.objects.filter(
        published_condition(), issue_ids__contains=[issue.pk for issue in issues]
    )
    newest_first = entries.order_by("-publish_at", "-brief_id")
    return list(newest_first.values_list("brief_id", flat=True))


def reindex(brief_ids):
    """Write the index entries of these briefs from what is stored now."""
    search = backend()
    briefs = {
        brief.pk: brief
        for brief in Brief.objects.filter(pk__in=brief_ids).prefetch_related(
            "issues",
            "sections",
            "related_links",
            Prefetch("quotes", queryset=ExpertQuote.objects.select_related("expert")),
        )
    }
    for brief_id in brief_ids:
        if brief_id in briefs:
            search.write(briefs[brief_id], searchable_text(briefs[brief_id]))
        else:
            search.remove(brief_id)


FACET_LIMIT = 12


def rounded(estimate):
    """An estimated count to two significant figures: 37,312 reads as 37,000."""
    if estimate < 100:
        return estimate
    scale = 10 ** (len(str(estimate)) - 2)
    return round(estimate / scale) * scale


class SearchFacets:
    """One search: the query, the facet choices read from the URL (`issue`, up to
    MAX_ISSUES, all of which must match; one `expert`, `format` and `year`), the ranked hits
    and the facet counts.

    A facet value that names nothing public answers 404, as /briefs/?issue= does; more values
    than that are refused (briefs.public.filters.TooManyFilters)."""

    def __init__(self, params, query):
        self.params, self.query, self.search = params, query, backend()
        self.issues = public_issues_in_order(filter_values(params, "issue", MAX_ISSUES))
        if self.issues is None:
            raise Http404("No such issue.")
        self.expert = self._chosen(
            filter_value(params, "expert"),
            lambda slug: next((e for e in public_experts() if e.slug == slug), None),
        )
        # Formats are few and have no slug of their own: matched by their name's slug.
        self.format = self._chosen(
            filter_value(params, "format"),
            lambda slug: next((f for f in Format.objects.all() if slugify(f.name) == slug), None),
        )
        year = filter_value(params, "year")
        if year is not None and not re.fullmatch(r"[0-9]{4}", year):
            raise Http404("No such year.")
        self.year = int(year) if year else None

    @staticmethod
    def _chosen(value, find):
        if value is None:
            return None
        found = find(value)
        if found is None:
            raise Http404("No such choice.")
        return found

    def ranked_hits(self):
        """The hits, ranked, as a paginator's list; after count_and_facets(), which counts
        them."""
        return self.search.hits(self)

    def count_and_facets(self):
        """The number of hits, the facet groups for the template, and whether the counts
        are estimates (PostgresSearch estimates them over tens of thousands of matches)."""
        counts, names, estimated = self.search.counts(self)

        def ranked(kind, limit=None):
            """(row, count) of the most counted, the most first, then by name."""
            found = [(names[kind][key], hits) for key, hits in counts[kind].items()]
            return sorted(found, key=lambda pair: (-pair[1], pair[0].name))[:limit]

        issue_options = [(i.slug, i.name, n) for i, n in ranked("issue", FACET_LIMIT)]
        expert_options = [(e.slug, e.name, n) for e, n in ranked("expert", FACET_LIMIT)]
        format_options = [(slugify(f.name), f.name, n) for f, n in ranked("format")]
        year_options = [(str(y), str(y), n) for y, n in sorted(counts["year"].items())[::-1]]
        groups = [
            self._group("Issue", "issue", issue_options, estimated, many=True),
            self._group("Expert", "expert", expert_options, estimated),
            self._group("Format", "format", format_options, estimated),
            self._group("Year", "year", year_options, estimated),
        ]
        total = counts["total"].get(0, 0)
        return (rounded(total) if estimated else total), groups, estimated

    def chosen_filters(self):
        chosen = [("Issue", "issue", issue.slug, issue.name) for issue in self.issues]
        if self.expert:
            chosen.append(("Expert", "expert", self.expert.slug, self.expert.name))
        if self.format:
            chosen.append(("Format", "format", slugify(self.format.name), self.format.name))
        if self.year:
            chosen.append(("Year", "year", str(self.year), str(self.year)))
        return [
            {"label": f"{kind}: {name}", "remove_url": self._url(param=param, remove=value)}
            for kind, param, value, name in chosen
        ]

    def _group(self, title, param, options, estimated, many=False):
        selected = set(self.params.getlist(param))
        # At the limit no link adds one more issue: it would be refused (filters.MAX_ISSUES).
        full = many and len(selected) >= MAX_ISSUES

        def url(value):
            if value in selected:
                return self._url(param=param, remove=value)
            return None if full else self._url(param=param, add=value, many=many)

        return {
            "title": title,
            "options": [
                {
                    "label": label,
                    "count": rounded(count) if estimated else count,
                    "estimated": estimated,
                    "selected": value in selected,
                    "url": url(value),
                }
                for value, label, count in options
            ],
        }

    def _url(self, param, add=None, remove=None, many=False):
        """This search's address with a value of `param` added or removed, from the first
        page. Written out pair by pair: a page holds dozens, and copying the QueryDict for
        each was a tenth of the page's time."""
        values = [value for value in self.params.getlist(param) if value != remove]
        if add is not None:
            values = [*values, add] if many else [add]
        pairs = []
        for key, key_values in self.params.lists():
            if key == param:
                key_values, values = values, None
            if key != "page":
                pairs += [(key, value) for value in key_values]
        pairs += [(param, value) for value in values or ()]
        return f"?{urlencode(pairs)}"
