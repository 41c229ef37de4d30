"""Full-text search over briefs: PostgreSQL's text search in production, SQLite's FTS5 on the
embedded default, and the same page and facets on both.

Each brief's searchable text is written to an index whenever the brief, one of its quotes,
sections or links, its issues, or a quoted expert changes (see briefs/signals.py). Searches
start from Brief.objects.published(), so only public briefs are ever found or counted.
"""

import functools
import html
import re

from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVector,
)
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Exists, F, OuterRef, Prefetch, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import ExtractYear
from django.http import Http404
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from experts.models import Expert, ExpertQuote

from ..models import Brief, Format, Issue
from .filters import MAX_ISSUES, filter_value, filter_values
from .listings import public_experts, public_issues_in_order

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


class PostgresSearch:
    """PostgreSQL text search: a stored, weighted tsvector with a GIN index, English stemming,
    and websearch_to_tsquery, which reads "phrases", -exclusions and `or` and never fails."""

    def write(self, brief_id, words):
        vector = (
            SearchVector(Value(words["title"]), weight="A", config=CONFIG)
            + SearchVector(Value(words["summary"]), weight="B", config=CONFIG)
            + SearchVector(Value(words["names"]), weight="B", config=CONFIG)
            + SearchVector(Value(words["body"]), weight="C", config=CONFIG)
        )
        Brief.objects.filter(pk=brief_id).update(
            search_vector=vector, search_document=words["body"]
        )

    def remove(self, brief_id):
        """The index is a column of the brief: it goes with the brief."""

    def write_from_columns(self, brief_ids):
        """Index briefs whose search_document is already written, in one statement: the same
        weights as write(), for bulk loads."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                UPDATE briefs_brief AS b SET search_vector =
                    setweight(to_tsvector('{CONFIG}', b.title), 'A')
                    || setweight(to_tsvector('{CONFIG}', b.summary), 'B')
                    || setweight(to_tsvector('{CONFIG}', names.text), 'B')
                    || setweight(to_tsvector('{CONFIG}', b.search_document), 'C')
                FROM ({NAMES_SQL["postgresql"]} WHERE b2.id = ANY(%s)) AS names
                WHERE names.id = b.id
                """,
                [list(brief_ids)],
            )

    def matching(self, queryset, text):
        return queryset.filter(search_vector=self._query(text))

    def ranked(self, queryset, text):
        rank = SearchRank(F("search_vector"), self._query(text))
        return queryset.annotate(search_rank=rank)

    def with_snippets(self, queryset, text):
        headline = SearchHeadline(
            "search_document",
            self._query(text),
            config=CONFIG,
            start_sel=MARK_START,
            stop_sel=MARK_END,
            max_words=35,
            min_words=15,
            max_fragments=2,
            fragment_delimiter=" … ",
        )
        return queryset.annotate(search_snippet=headline)

    def _query(self, text):
        return SearchQuery(text, search_type="websearch", config=CONFIG)


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


class SqliteSearch:
    """SQLite's FTS5 (porter stemming), with bm25 ranking weighted like PostgreSQL's."""

    def write(self, brief_id, words):
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid = %s", [brief_id])
            cursor.execute(
                f"INSERT INTO {FTS_TABLE} (rowid, title, summary, names, body) "
                "VALUES (%s, %s, %s, %s, %s)",
                [brief_id, words["title"], words["summary"], words["names"], words["body"]],
            )
        Brief.objects.filter(pk=brief_id).update(search_document=words["body"])

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


class ContainsSearch:
    """Where SQLite was built without FTS5: every word must appear somewhere, unranked."""

    def write(self, brief_id, words):
        document = "\n".join([words["title"], words["summary"], words["names"], words["body"]])
        Brief.objects.filter(pk=brief_id).update(search_document=document)

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
            search.write(brief_id, searchable_text(briefs[brief_id]))
        else:
            search.remove(brief_id)


FACET_LIMIT = 12


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

    def matched(self):
        briefs = self.search.matching(Brief.objects.published(), self.query)
        briefs = briefs.filed_under_all(self.issues)
        if self.expert:
            quotes = ExpertQuote.objects.filter(brief=OuterRef("pk"), expert=self.expert)
            briefs = briefs.filter(Exists(quotes))
        if self.format:
            briefs = briefs.filter(format=self.format)
        if self.year:
            briefs = briefs.filter(publish_at__year=self.year)
        return briefs

    def ranked_hits(self):
        hits = self.search.ranked(self.matched().for_listing(), self.query)
        hits = self.search.with_snippets(hits, self.query)
        return hits.order_by("-search_rank", F("publish_at").desc(), "-pk")

    def count_and_facets(self):
        """The number of hits and the facet counts, from one pass over the matches: the
        matching is the costly part, so it is done once, not once a facet.

        Returns (count, facet groups for the template)."""
        matches = self.matched().annotate(year=ExtractYear("publish_at"))
        try:
            matches_sql, params = matches.values("pk", "format_id", "year").query.sql_with_params()
        except EmptyResultSet:  # a query with no word left to search for
            return 0, []
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
        counts = {"total": {}, "issue": {}, "expert": {}, "format": {}, "year": {}}
        with connection.cursor() as cursor:
            cursor.execute(statement, params)
            for kind, key, hits in cursor.fetchall():
                counts[kind][int(key)] = hits

        def most(kind):
            return sorted(counts[kind], key=lambda key: -counts[kind][key])[:FACET_LIMIT]

        issues = Issue.objects.in_bulk(most("issue"))
        experts = Expert.objects.in_bulk(most("expert"))
        formats = Format.objects.in_bulk(list(counts["format"]))

        def ranked(objects, kind):
            return sorted(
                ((obj, counts[kind][pk]) for pk, obj in objects.items()),
                key=lambda pair: (-pair[1], pair[0].name),
            )

        issue_options = [(i.slug, i.name, n) for i, n in ranked(issues, "issue")]
        expert_options = [(e.slug, e.name, n) for e, n in ranked(experts, "expert")]
        format_options = [(slugify(f.name), f.name, n) for f, n in ranked(formats, "format")]
        year_options = [(str(y), str(y), n) for y, n in sorted(counts["year"].items())[::-1]]
        groups = [
            self._group("Issue", "issue", issue_options, many=True),
            self._group("Expert", "expert", expert_options),
            self._group("Format", "format", format_options),
            self._group("Year", "year", year_options),
        ]
        return counts["total"].get(0, 0), groups

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

    def _group(self, title, param, options, many=False):
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
                {"label": label, "count": count, "selected": value in selected, "url": url(value)}
                for value, label, count in options
            ],
        }

    def _url(self, param, add=None, remove=None, many=False):
        params = self.params.copy()
        params.pop("page", None)
        values = [value for value in params.getlist(param) if value != remove]
        if add is not None:
            values = [*values, add] if many else [add]
        params.setlist(param, values)
        return f"?{params.urlencode()}"
