"""Brief documents: the one JSON shape in which a brief leaves or enters the system.

The shape is the product doc's ("Brief documents"). Import checks a whole batch before it
writes anything and reports every problem with where it is, so a bad file loses nothing
and a good one needs no second try.
"""

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.utils import timezone
from django.utils.text import slugify

from ..editorial import changes
from ..editorial.document import brief_to_document, documents_queryset
from ..models import Brief, Format, validate_outside_address

KEYS = {
    "title",
    "slug",
    "format",
    "status",
    "publish_at",
    "withdraw_at",
    "summary",
    "latest_developments",
    "quotes",
    "sections",
    "related",
    "issues",
}
QUOTE_KEYS = {"expert", "expert_title", "text"}
SECTION_KEYS = {"heading", "body"}
RELATED_KEYS = {"title", "byline", "url", "brief"}
STATUSES = [choice.value for choice in Brief.Status]
# The control characters a brief's text may hold: tabs and line breaks, \r\n too (files
# written on Windows; the brief stores \n). Any other is nothing an author wrote, and
# PostgreSQL refuses a NUL outright: a file holding one would stop the import mid-way.
ALLOWED_CONTROL_CHARACTERS = {"\t", "\n", "\r"}


class DocumentError(Exception):
    """One or more problems in a batch of brief documents, each saying where it is."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class ImportReport:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    changes: dict = field(default_factory=dict)


def squash_spaces(text):
    return " ".join(text.split())


def control_character_problem(text):
    """What is wrong with text holding a control character other than a tab or line break,
    saying which and where; None when it holds none."""
    for position, char in enumerate(text):
        if unicodedata.category(char) == "Cc" and char not in ALLOWED_CONTROL_CHARACTERS:
            return (
                f"holds a control character (U+{ord(char):04X}) at character {position + 1}, "
                "which a brief may not contain"
            )
    return None


# Export


def export_documents():
    return [brief_to_document(brief) for brief in documents_queryset()]


# Import


class _Checker:
    """Reads raw documents into clean ones, collecting every problem on the way."""

    def __init__(self):
        self.problems = []
        self.formats = {fmt.name.casefold(): fmt for fmt in Format.objects.all()}

    def problem(self, where, message):
        self.problems.append(f"{where}: {message}")

    def text(self, data, key, where, *, required=False, max_length=None, default=""):
        value = data.get(key, default)
        if value is None and not required:
            return default
        if not isinstance(value, str):
            self.problem(f"{where}.{key}", f"expected text, found {type(value).__name__}")
            return default
        control = control_character_problem(value)
        if control:
            # The default goes on: the value never reaches a query, even one that only checks.
            self.problem(f"{where}.{key}", control)
            return default
        if required and not value.strip():
            self.problem(f"{where}.{key}", "is required and may not be empty")
        if max_length and len(value) > max_length:
            self.problem(f"{where}.{key}", f"is {len(value)} characters; the limit is {max_length}")
        return value

    def items(self, data, key, where, allowed_keys):
        value = data.get(key, [])
        if value is None:
            return []
        if not isinstance(value, list):
            self.problem(f"{where}.{key}", f"expected a list, found {type(value).__name__}")
            return []
        rows = []
        for index, row in enumerate(value):
            row_where = f"{where}.{key}[{index}]"
            if self.object(row, row_where, allowed_keys):
                rows.append((row_where, row))
        return rows

    def object(self, data, where, allowed_keys):
        if not isinstance(data, dict):
            self.problem(where, f"expected an object, found {type(data).__name__}")
            return False
        for key in sorted(set(data) - allowed_keys):
            self.problem(where, f"unknown key {key!r} (known: {', '.join(sorted(allowed_keys))})")
        return True

    def document(self, data, where):
        if not self.object(data, where, KEYS):
            return None
        title = squash_spaces(self.text(data, "title", where, required=True, max_length=200))
        where = f"{where} ({title!r})" if title else where
        slug = self.text(data, "slug", where, max_length=200) or slugify(title)
        try:
            validate_slug(slug)
        except ValidationError:
            if title:
                self.problem(f"{where}.slug", f"{slug!r} is not a slug (letters, digits, hyphens)")
        format_name = squash_spaces(self.text(data, "format", where, required=True))
        fmt = self.formats.get(format_name.casefold())
        if format_name and fmt is None:
            known = ", ".join(f.name for f in self.formats.values())
            self.problem(f"{where}.format", f"unknown format {format_name!r} (known: {known})")
        status = data.get("status", Brief.Status.DRAFT)
        if status not in STATUSES:
            self.problem(f"{where}.status", f"{status!r} is not one of {', '.join(STATUSES)}")
        publish_at = self.datetime(data, "publish_at", where)
        if status == Brief.Status.PUBLISHED and publish_at is None:
            self.problem(f"{where}.publish_at", "a published brief needs its publication time")
        withdraw_at = self.datetime(data, "withdraw_at", where)
        if withdraw_at and publish_at and withdraw_at <= publish_at:
            self.problem(f"{where}.withdraw_at", "must come after publish_at")
        return {
            "title": title,
            "slug": slug,
            "format": fmt,
            "status": status,
            "publish_at": publish_at,
            "withdraw_at": withdraw_at,
            "summary": self.text(data, "summary", where),
            "latest_developments": self.text(data, "latest_developments", where, required=True),
            "quotes": [
                self.quote(row, row_where)
                for row_where, row in self.items(data, "quotes", where, QUOTE_KEYS)
            ],
            "sections": [
                {
                    "heading": squash_spaces(
                        self.text(row, "heading", row_where, required=True, max_length=200)
                    ),
                    "body": self.text(row, "body", row_where, required=True),
                }
                for row_where, row in self.items(data, "sections", where, SECTION_KEYS)
            ],
            "related": [
                self.related(row, row_where)
                for row_where, row in self.items(data, "related", where, RELATED_KEYS)
            ],
            "issues": self.issues(data, where),
        }

    def datetime(self, data, key, where):
        value = data.get(key)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            self.problem(
                f"{where}.{key}",
                f"{value!r} is not an ISO 8601 date and time such as 2023-08-03T09:00:00-04:00",
            )
            return None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment

    def quote(self, data, where):
        return {
            "expert": squash_spaces(
                self.text(data, "expert", where, required=True, max_length=200)
            ),
            "expert_title": squash_spaces(self.text(data, "expert_title", where, max_length=200)),
            "text": self.text(data, "text", where, required=True),
        }

    def related(self, data, where):
        link = {
            "title": squash_spaces(self.text(data, "title", where, required=True, max_length=300)),
            "byline": squash_spaces(self.text(data, "byline", where, max_length=200)),
            "url": self.text(data, "url", where, max_length=500).strip(),
            "brief": self.text(data, "brief", where).strip(),
        }
        if link["url"] and link["brief"]:
            self.problem(where, "give either url or brief, not both")
        if link["url"]:
            try:
                validate_outside_address(link["url"])
            except ValidationError:
                self.problem(
                    f"{where}.url", f"{link['url']!r} is not an http, https or mailto address"
                )
        return link

    def issues(self, data, where):
        value = data.get("issues", [])
        if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
            self.problem(f"{where}.issues", "expected a list of issue names")
            return []
        names = {}
        for name in value:
            control = control_character_problem(name)
            if control:
                self.problem(f"{where}.issues", f"{name[:40]!r} {control}")
                continue
            name = squash_spaces(name)
            if not name:
                self.problem(f"{where}.issues", "an issue name is empty")
            elif len(name) > 100:
                self.problem(f"{where}.issues", f"{name[:40]!r}... is longer than 100 characters")
            else:
                names.setdefault(name.casefold(), name)
        return list(names.values())


def check_documents(raw):
    """Clean documents from parsed JSON (one object or a list), or DocumentError."""
    checker = _Checker()
    if isinstance(raw, dict):
        raw = [raw]
    if not isinstance(raw, list):
        raise DocumentError(["expected a brief document (an object) or a list of them"])
    documents = [checker.document(data, f"brief {index + 1}") for index, data in enumerate(raw)]
    slugs = [document["slug"] for document in documents if document]
    for slug in {slug for slug in slugs if slugs.count(slug) > 1}:
        checker.problem(f"slug {slug!r}", "appears more than once in this batch")
    known = set(slugs) | set(
        Brief.objects.filter(slug__in=_link_targets(documents)).values_list("slug", flat=True)
    )
    for index, document in enumerate(documents):
        for position, link in enumerate(document["related"] if document else []):
            if link["brief"] and link["brief"] not in known:
                where = f"brief {index + 1} ({document['title']!r}).related[{position}].brief"
                checker.problem(where, f"no brief has the slug {link['brief']!r}")
    if checker.problems:
        raise DocumentError(checker.problems)
    return documents


def _link_targets(documents):
    return {
        link["brief"]
        for document in documents
        if document
        for link in document["related"]
        if link["brief"]
    }


def _comparable(document):
    """A clean document in export form, to tell what an import would change."""
    comparable = dict(document)
    comparable["format"] = document["format"].name
    for key in ("publish_at", "withdraw_at"):
        moment = document[key]
        comparable[key] = timezone.localtime(moment).isoformat() if moment else None
    comparable["related"] = [
        {key: value for key, value in link.items() if value or key in {"title", "byline"}}
        for link in document["related"]
    ]
    comparable["issues"] = sorted(document["issues"], key=str.casefold)
    return comparable


def import_documents(raw, *, dry_run=False, user=None):
    """Create or update briefs from documents, matched by slug; all of them or none. Each
    brief written gets a revision, and a transition when its state changed."""
    documents = check_documents(raw)
    existing = {
        brief.slug: brief
        for brief in documents_queryset().filter(slug__in=[d["slug"] for d in documents])
    }
    report = ImportReport()
    to_write = []
    for document in documents:
        slug = document["slug"]
        new = _comparable(document)
        if slug not in existing:
            report.created.append(slug)
        else:
            old = brief_to_document(existing[slug])
            if {key: old.get(key) for key in new} == _with_quote_titles(new, old):
                report.unchanged.append(slug)
                continue
            report.updated.append(slug)
            report.changes[slug] = sorted(key for key in new if old.get(key) != new[key])
        to_write.append(document)
    if not dry_run:
        with changes.operation(user, note="Imported") as change:
            briefs = {}
            for document in to_write:
                slug = document["slug"]
                brief = Brief.objects.filter(slug=slug).first() or Brief(slug=slug)
                change.watch(brief)
                briefs[document["slug"]] = changes.write_document(brief, document)
            # Once every brief of the batch exists: their links may point at one another.
            for document in to_write:
                changes.write_related_links(briefs[document["slug"]], document["related"])
    return report


def _with_quote_titles(new, old):
    """A quote imported without a title takes the one already stored: not a change."""
    quotes = []
    for index, quote in enumerate(new["quotes"]):
        if not quote["expert_title"] and index < len(old["quotes"]):
            quote = {**quote, "expert_title": old["quotes"][index]["expert_title"]}
        quotes.append(quote)
    return {**new, "quotes": quotes}
