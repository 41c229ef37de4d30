"""Revisions: every save keeps the whole brief (its fields, quotes, sections, related links
and issues) as a document, numbered per brief. Two revisions can be compared, and an older
one restored as a new revision: nothing is ever overwritten.
"""

import difflib
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from ..models import Brief, Revision, local_time_label
from .document import brief_to_document, documents_queryset

# Restoring brings back what the brief says, never where it stands in the workflow: the
# address, state and times stay as they are now.
WORKFLOW_KEYS = {"slug", "status", "publish_at", "withdraw_at"}


def snapshot(brief):
    """The brief as stored now, as a revision document: a brief document (documents.py)
    with the lead image and the quoted experts' ids besides."""
    stored = documents_queryset().get(pk=brief.pk)
    document = brief_to_document(stored)
    document["lead_image"] = {
        "file": stored.lead_image.name,
        "alt": stored.lead_image_alt,
        "caption": stored.lead_image_caption,
        "credit": stored.lead_image_credit,
    }
    for quote, row in zip(document["quotes"], stored.quotes.all(), strict=True):
        quote["expert_id"] = row.expert_id
    return document


def record_revision(brief, user, note=""):
    """Keep the brief as it now stands as its next revision; `brief.version` follows."""
    with transaction.atomic():
        Brief.objects.filter(pk=brief.pk).update(version=F("version") + 1)
        brief.version = Brief.objects.values_list("version", flat=True).get(pk=brief.pk)
        return Revision.objects.create(
            brief=brief, number=brief.version, user=user, note=note, document=snapshot(brief)
        )


def keep_baseline(brief):
    """A brief saved outside the admin and imports (generated, or older than revisions) has
    none yet: keep it as found, so the first edit has something to compare with."""
    if brief.version == 0:
        record_revision(brief, None, note="The brief as found before its first revision")


def changes_on_restore(revision):
    """What restoring `revision` would change in the brief as it stands now."""
    current = snapshot(revision.brief)
    restored = {**revision.document, **{key: current.get(key) for key in WORKFLOW_KEYS}}
    return compare(current, restored)


# Comparing


@dataclass
class Change:
    """What changed in one part of the brief: rows of marked-up text."""

    label: str
    rows: list = field(default_factory=list)


PARTS = [
    ("title", "Title"),
    ("slug", "Address"),
    ("format", "Format"),
    ("summary", "Summary"),
    ("lead_image", "Lead image"),
    ("latest_developments", "Latest Developments"),
    ("quotes", "Expert Analysis"),
    ("sections", "Further sections"),
    ("related", "Related links"),
    ("issues", "Issues"),
    ("status", "Status"),
    ("publish_at", "Publish at"),
    ("withdraw_at", "Withdraw at"),
]
LISTS = {"quotes", "sections", "related"}
TIMES = {"publish_at", "withdraw_at"}


def compare(old, new):
    """The changes from document `old` to document `new`, part by part, in reading order."""
    changes = []
    for key, label in PARTS:
        before, after = old.get(key), new.get(key)
        if _comparable(key, before) == _comparable(key, after):
            continue
        if key in LISTS:
            rows = _list_rows([_item_text(key, item) for item in before or []],
                              [_item_text(key, item) for item in after or []])  # fmt: skip
        elif key == "issues":
            rows = _set_rows(before or [], after or [])
        else:
            rows = [inline_diff(_value_text(key, before), _value_text(key, after))]
        changes.append(Change(label, rows))
    return changes


def _comparable(key, value):
    if key == "quotes":
        return [{k: v for k, v in quote.items() if k != "expert_id"} for quote in value or []]
    return value or None


def _value_text(key, value):
    if not value:
        return ""
    if key in TIMES:
        return local_time_label(datetime.fromisoformat(value))
    if key == "lead_image":
        parts = [value.get("file", "").rsplit("/", 1)[-1], value.get("alt", "")]
        parts += [value.get("caption", ""), value.get("credit", "")]
        return " · ".join(part for part in parts if part)
    return str(value)


def _item_text(key, item):
    if key == "quotes":
        title = f", {item['expert_title']}" if item["expert_title"] else ""
        return f"{item['expert']}{title}: “{item['text']}”"
    if key == "sections":
        return f"{item['heading']}: {item['body']}"
    destination = item.get("url") or (f"our brief /{item['brief']}/" if item.get("brief") else "")
    return " · ".join(part for part in (item["title"], item["byline"], destination) if part)


def _list_rows(before, after):
    rows = []
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        if operation == "equal":
            continue
        old_items, new_items = before[old_start:old_end], after[new_start:new_end]
        paired = min(len(old_items), len(new_items))
        for old_item, new_item in zip(old_items[:paired], new_items[:paired], strict=True):
            rows.append(format_html("<b>Changed:</b> {}", inline_diff(old_item, new_item)))
        for item in old_items[paired:]:
            rows.append(format_html("<b>Removed:</b> <del>{}</del>", item))
        for item in new_items[paired:]:
            rows.append(format_html("<b>Added:</b> <ins>{}</ins>", item))
    return rows


def _set_rows(before, after):
    rows = [
        format_html("<b>Added:</b> <ins>{}</ins>", name) for name in after if name not in before
    ]
    rows += [
        format_html("<b>Removed:</b> <del>{}</del>", name) for name in before if name not in after
    ]
    return rows


_TOKENS = re.compile(r"\s+|[^\s]+")
# Below this share of words in common, a text is shown as replaced, not as edited.
REWRITTEN = 0.4


def inline_diff(old, new):
    """`old` changed into `new` word by word: removed words in <del>, added ones in <ins>."""
    old_words, new_words = _TOKENS.findall(old), _TOKENS.findall(new)
    matcher = difflib.SequenceMatcher(None, old_words, new_words, autojunk=False)
    shared = difflib.SequenceMatcher(None, old.split(), new.split(), autojunk=False).ratio()
    if old and new and shared < REWRITTEN:
        # Rewritten rather than edited: word-by-word marks would only shred both texts.
        return format_html("<del>{}</del> <ins>{}</ins>", old, new)
    out = []
    for operation, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        removed = escape("".join(old_words[old_start:old_end]))
        added = escape("".join(new_words[new_start:new_end]))
        if operation == "equal":
            out.append(added)
            continue
        if removed:
            out.append(f"<del>{removed}</del>")
        if added:
            out.append(f"<ins>{added}</ins>")
    return mark_safe("".join(out))
