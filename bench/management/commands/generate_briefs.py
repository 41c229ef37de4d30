"""A deterministic synthetic archive for benchmarks: `generate_briefs --count N --seed S`.

Rows are written with bulk inserts (PostgreSQL's COPY there), and their HTML and search text
are built here rather than by saving each brief (which renders Markdown and indexes one brief
at a time): generated paragraphs are plain words, so `<p>` around each is what the Markdown
renderer would make.
"""

import itertools
import random
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime, timedelta
from functools import partial

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from briefs.models import (
    Brief,
    BriefSection,
    Format,
    Issue,
    IssueQuoteCount,
    RelatedLink,
    TaggedBrief,
)
from briefs.public import freshness, search
from events import outbox
from events.models import Kind
from experts.models import Expert, ExpertQuote

BATCH = 2000
# The tables whose indexes (but their keys) are built once all rows are written.
INDEXES_BUILT_AFTERWARDS = ("briefs_brief", "briefs_searchentry")
# Statistics are taken again after these batches (by number), as the tables grow.
STATISTICS_AFTER_BATCH = {0, 9, 99}
ISSUE_COUNT, EXPERT_COUNT = 40, 200
TOP_ISSUE_SHARE = 0.25

ISSUE_NAMES = [
    "Iran", "Russia", "Ukraine", "China", "North Korea", "Sanctions", "Cyber", "Energy",
    "Arms Control", "Middle East", "Terrorism", "Economic Security", "Israel", "Syria", "Iraq",
    "Lebanon", "Yemen", "Turkey", "Gulf States", "Afghanistan", "Pakistan", "India", "Taiwan",
    "Japan", "South Korea", "Europe", "NATO", "Baltic States", "Belarus", "Caucasus",
    "Central Asia", "Africa", "Latin America", "Venezuela", "Nuclear Proliferation", "Drones",
    "Maritime Security", "Illicit Finance", "Disinformation", "Space",
]  # fmt: skip
FIRST_NAMES = [
    "Ada", "Bram", "Chiara", "Dmitri", "Elif", "Farid", "Greta", "Hamid", "Ines", "Jonas",
    "Kaveh", "Lena", "Mateo", "Noor", "Oskar", "Priya", "Quentin", "Rana", "Soren", "Talia",
]  # fmt: skip
LAST_NAMES = [
    "Abbott", "Brenner", "Castell", "Darrow", "Eskandari", "Falk", "Gallo", "Haddad", "Iverson",
    "Jaffe",
]  # fmt: skip
PLACES = [
    "Tehran", "Moscow", "Kyiv", "Beijing", "Pyongyang", "Minsk", "Damascus", "Baghdad", "Ankara",
    "Riyadh", "Doha", "Kabul", "Islamabad", "Taipei", "Brussels", "Caracas", "Gomel", "Kazan",
]  # fmt: skip
SUBJECTS = [
    "drone", "missile", "tanker", "refinery", "sanctions", "militia", "shipyard", "pipeline",
    "reactor", "satellite", "cyberattack", "exercise", "summit", "election", "currency",
    "embargo", "factory", "convoy", "border", "treaty",
]  # fmt: skip
VERBS = [
    "expands", "tests", "deploys", "restricts", "targets", "announces", "suspends", "accelerates",
    "resumes", "funds",
]  # fmt: skip
WORDS = [
    "the", "of", "and", "to", "in", "a", "that", "for", "on", "with", "as", "by", "officials",
    "said", "analysts", "reported", "week", "new", "government", "military", "forces", "support",
    "program", "production", "supply", "regional", "security", "policy", "pressure", "strategy",
    "capability", "deterrence", "alliance", "economy", "finance", "network", "enforcement",
    "intelligence", "assessment", "response", "partners", "agreement", "pressure", "campaign",
    "strike", "launch", "shipment", "components", "engines", "electronics", "brokers",
    "intermediaries", "evasion", "registry", "flag", "insurance", "logistics", "depot", "front",
    "lines", "infrastructure", "grid", "port", "airfield", "facility", "plant", "assembly",
    "workforce", "budget", "revenue", "exports", "imports", "oil", "gas", "uranium", "enrichment",
    "inspectors",
]  # fmt: skip


class Command(BaseCommand):
    help = "Add N synthetic briefs, with experts, issues, quotes and links, for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--until",
            help="Last day of the five years of dates, YYYY-MM-DD (default: today).",
        )

    def handle(self, *args, count, seed, until=None, **options):
        if count < 1:
            raise CommandError("--count must be at least 1.")
        if Brief.objects.filter(slug__startswith="generated-").exists():
            raise CommandError("This database already has generated briefs; use a fresh one.")
        started = time.monotonic()
        end = datetime.fromisoformat(until) if until else timezone.localtime().replace(tzinfo=None)
        archive = Archive(random.Random(seed), timezone.make_aware(end))
        with transaction.atomic():
            archive.write(count, self.stdout)
            # Bulk inserts send no signals: the new content's version is given here.
            freshness.bump()
            outbox.record(Kind.SITE_CHANGED, "site", {"title": f"{count} briefs generated"})
        self.stdout.write(f"Generated {count} briefs in {time.monotonic() - started:.1f} s.")


class Archive:
    def __init__(self, rng, end):
        self.rng, self.end = rng, end
        self.formats = list(Format.objects.all())
        self.vocabulary = WORDS + SUBJECTS + synthetic_words(rng, 5000)
        self.cumulative = list(
            itertools.accumulate(1 / rank for rank in range(1, len(self.vocabulary) + 1))
        )

    def sentence(self, words):
        # Word frequencies fall off as in real prose (Zipf): a few words are everywhere and
        # most are rare, so a search for a topic word finds some briefs, not nearly all.
        text = " ".join(self.rng.choices(self.vocabulary, cum_weights=self.cumulative, k=words))
        place = self.rng.choice(PLACES) if self.rng.random() < 0.2 else "The"
        return f"{place} {text}."

    def paragraph(self):
        return " ".join(
            self.sentence(self.rng.randint(8, 16)) for _ in range(self.rng.randint(3, 5))
        )

    def write(self, count, out):
        issues = Issue.objects.bulk_create(
            Issue(name=name, slug=slugify(name), description=f"Briefs on {name}.")
            for name in ISSUE_NAMES[:ISSUE_COUNT]
        )
        experts = Expert.objects.bulk_create(
            Expert(
                name=f"{first} {last}",
                slug=slugify(f"{first} {last}"),
                title=self.rng.choice(["Senior Fellow", "Research Fellow", "Director"]),
            )
            for first, last in list(
                zip(
                    FIRST_NAMES * 10,
                    [name for name in LAST_NAMES for _ in FIRST_NAMES],
                    strict=True,
                )
            )[:EXPERT_COUNT]
        )
        # Popularity falls off with rank; the top issue is on about a quarter of the briefs.
        others, weights = issues[1:], [1 / rank for rank in range(1, len(issues))]
        batches = [(offset, min(BATCH, count - offset)) for offset in range(0, count, BATCH)]
        index, written = search.backend(), 0
        # The next batch is made up in a thread of its own while the database writes and
        # indexes this one, so both cores work. The thread draws every random number, in
        # order, so a seed gives the same archive.
        plan = partial(self.plan_batch, count, issues[0], others, weights, experts)
        with loading(), ThreadPoolExecutor(max_workers=1) as planner:
            planned = planner.submit(plan, *batches[0])
            for number, following in enumerate([*batches[1:], None]):
                briefs = planned.result()
                if following is not None:
                    planned = planner.submit(plan, *following)
                brief_ids = self.write_batch(briefs)
                if number in STATISTICS_AFTER_BATCH:
                    analyze("briefs_brief", "briefs_taggedbrief", "experts_expertquote")
                index.write_from_columns(brief_ids)
                written += len(brief_ids)
                out.write(f"  {written} briefs written and indexed for search")
        analyze("briefs_brief", "briefs_taggedbrief", "experts_expertquote", "briefs_searchentry")

    def plan_batch(self, count, top_issue, others, weights, experts, offset, size):
        """The briefs numbered offset to offset + size of `count`, unsaved, each with what is
        written beside it (issues, quotes, sections, links): everything random about them.

        Each brief's date falls at random in its own slot of the five years, the slots in the
        order of the briefs, as a site's archive grows: its rows, and its search entries, then
        lie in the tables in about the order of publication. Dates drawn anywhere scattered a
        month's entries over the whole table, and a search at a million briefs read a page for
        nearly every entry it ranked."""
        rng, five_years = self.rng, timedelta(days=5 * 365)
        briefs, parts = [], []
        for number in range(offset, offset + size):
            place, subject = rng.choice(PLACES), rng.choice(SUBJECTS)
            title = f"{place} {rng.choice(VERBS)} {subject} plans, report {number}"
            paragraphs = [self.paragraph() for _ in range(rng.randint(3, 8))]
            roll = rng.random()
            slot = (count - number - rng.random()) / count
            status, publish_at = Brief.Status.PUBLISHED, self.end - slot * five_years
            if roll < 0.03:
                status = Brief.Status.DRAFT
            elif roll < 0.04:
                status = Brief.Status.REVIEW
            elif roll < 0.06:
                # Scheduled when written, to go out 1 to 30 days later: those written in the
                # last month are still to come. Written anywhere in the five years and dated
                # in the month after the last, they were more than that month's own entries,
                # and scattered over the whole table.
                publish_at += timedelta(days=rng.randint(1, 30))
            chosen = {top_issue} if rng.random() < TOP_ISSUE_SHARE else set()
            issue_count = rng.randint(2, 5)
            while len(chosen) < issue_count:
                chosen.add(rng.choices(others, weights)[0])
            quotes = [(rng.choice(experts), self.sentence(20)) for _ in range(2)]
            sections = [(f"{subject.title()} outlook", paragraphs[2:])]
            links = [
                f"{rng.choice(PLACES)} and the {rng.choice(SUBJECTS)} question" for _ in range(3)
            ]
            document = "\n".join(
                [
                    *paragraphs[:2],
                    *(text for _, text in quotes),
                    sections[0][0],
                    *paragraphs[2:],
                    *links,
                ]
            )
            briefs.append(
                Brief(
                    title=title,
                    slug=f"generated-{slugify(title)}",
                    format=rng.choice(self.formats),
                    summary=self.sentence(18),
                    latest_developments="\n\n".join(paragraphs[:2]),
                    latest_developments_html=as_html(paragraphs[:2]),
                    status=status,
                    publish_at=publish_at,
                    search_document=document,
                )
            )
            parts.append((chosen, quotes, sections, links))
        return briefs, parts

    def write_batch(self, planned):
        briefs, parts = planned
        briefs = insert(Brief, briefs)
        tags, quote_rows, section_rows, link_rows = [], [], [], []
        for brief, (chosen, quotes, sections, links) in zip(briefs, parts, strict=True):
            tags += [TaggedBrief(content_object=brief, tag=issue) for issue in chosen]
            quote_rows += [
                ExpertQuote(
                    brief=brief,
                    expert=expert,
                    text=text,
                    text_html=as_html([text]),
                    expert_title=expert.title,
                    position=position,
                )  # fmt: skip
                for position, (expert, text) in enumerate(quotes, start=1)
            ]
            section_rows += [
                BriefSection(
                    brief=brief,
                    heading=heading,
                    body="\n\n".join(body),
                    body_html=as_html(body),
                    position=1,
                )  # fmt: skip
                for heading, body in sections
            ]
            link_rows += [
                RelatedLink(
                    brief=brief,
                    position=position,
                    title=title,
                    byline="Flash Brief",
                    url=f"https://example.org/analysis/{brief.pk}-{position}",
                )  # fmt: skip
                for position, title in enumerate(links, start=1)
            ]
        for model, rows in (
            (TaggedBrief, tags),
            (ExpertQuote, quote_rows),
            (BriefSection, section_rows),
            (RelatedLink, link_rows),
        ):
            insert(model, rows)
        return [brief.pk for brief in briefs]


@contextmanager
def loading():
    """On PostgreSQL, write as a bulk load should, and put things right at the end:
    - the triggers that count each issue's quotes are off, and every count is made at the end
      in one statement (counted row by row, the load took a sixth longer);
    - the indexes that back no constraint, on the briefs and the search entries, are dropped
      and built again from all the rows (kept up to date row by row, the search entries' GIN
      index made indexing 1,000,000 briefs take 13.5 minutes, against 1 for 100,000).
    The tables stay locked until the load commits."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        switch_counting(cursor, "DISABLE")
        rebuilt = drop_indexes(cursor, INDEXES_BUILT_AFTERWARDS)
        yield
        switch_counting(cursor, "ENABLE")
        for definition in rebuilt:
            cursor.execute(definition)
    IssueQuoteCount.recount()


def switch_counting(cursor, action):
    # A table is altered only with no check of its rows pending: the deferred foreign keys'
    # are made first, as the commit would.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    for table, trigger in IssueQuoteCount.TRIGGERS.items():
        cursor.execute(f"ALTER TABLE {table} {action} TRIGGER {trigger}")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def drop_indexes(cursor, tables):
    """Drop the indexes of `tables` that back no constraint (the primary and unique keys
    stay); returns the statements that make them again."""
    cursor.execute(
        """
        SELECT made.relname, pg_get_indexdef(made.oid)
        FROM pg_index AS i JOIN pg_class AS made ON made.oid = i.indexrelid
        WHERE i.indrelid = ANY(%s::regclass[])
            AND NOT EXISTS (SELECT FROM pg_constraint AS c WHERE c.conindid = i.indexrelid)
        """,
        [list(tables)],
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [definition for _, definition in indexes]


def analyze(*tables):
    """Fresh statistics on PostgreSQL: the indexing for search reads the new rows, and with
    none the planner takes the new tables for empty ones."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {', '.join(tables)}")


def insert(model, objects):
    """bulk_create(), or on PostgreSQL a COPY of the rows (the whole run about a third quicker:
    no statement of 2,000 rows' parameters to build). Keys are taken from the table's sequence
    first, and a field's value goes as it is unless Django prepares it (files, JSON) or fills
    it on save (auto_now)."""
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objects)
    meta, now = model._meta, timezone.now()
    fields = meta.concrete_fields
    prepared = {"FileField", "ImageField", "JSONField"}

    def value(obj, field):
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return now
        if field.get_internal_type() in prepared:
            return field.get_db_prep_save(getattr(obj, field.attname), connection)
        return getattr(obj, field.attname)

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(objects)],
        )
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        statement = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
        with cursor.cursor.copy(statement) as copy:
            for obj in objects:
                copy.write_row([value(obj, field) for field in fields])
    return objects


def synthetic_words(rng, count):
    """Pronounceable made-up words, a long tail of rare terms."""
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    words = set()
    while len(words) < count:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def as_html(paragraphs):
    return "\n".join(f"<p>{paragraph}</p>" for paragraph in paragraphs)
