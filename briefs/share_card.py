"""A brief's share card: the 1200 × 630 picture a link preview shows (og:image) for a brief
without a lead image.

It says what the brief's page says at its top, in the site's colours (static/css/site.css):
the site's name in the header's band, the publication date and the format, the title, and the
issues as the page's tags. It is drawn by the worker once a save has committed
(briefs.tasks.make_share_card), never in a request, and stored under a name that holds a hash
of what it shows, so a changed card has a new address that caches and social sites fetch anew.

The fonts are DejaVu Sans Condensed Bold and DejaVu Sans, shipped beside this module
(share_card_fonts/, with their licence) so that a card looks the same on every machine and
needs no system fonts. They cover Latin, Greek, Cyrillic, Arabic, Hebrew and more; Chinese,
Japanese and Korean characters are drawn as boxes. Arabic and Hebrew are shaped and ordered by
Pillow's Raqm layout when the system has FriBiDi (Debian: libfribidi0); without it they are
drawn, unjoined and left to right, rather than failing.
"""

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.dateformat import format as format_date
from PIL import Image, ImageDraw, ImageFont, features

from common.images import images_made

from .models import Brief

WIDTH, HEIGHT = 1200, 630
FOLDER = "share"
# Part of every card's name: change it when the drawing changes, and every card is drawn
# again (briefs.tasks.make_missing_share_cards).
DESIGN = "1"

FONTS = Path(__file__).resolve().parent / "share_card_fonts"
REGULAR = FONTS / "DejaVuSans.ttf"
# Condensed, so a title is set large in few lines, near the width of the site's headings.
BOLD = FONTS / "DejaVuSansCondensed-Bold.ttf"

# static/css/site.css
PAPER = "#fdfcfa"
MUTED = "#5b6474"
RULE = "#dfe3ea"
ACCENT = "#12355b"
ACCENT_SOFT = "#e8eef6"
WHITE = "#ffffff"

MARGIN = 72
BAND = 96
TITLE_SIZES = range(80, 39, -2)  # the largest the title fits at
TITLE_LEADING = 1.16
MAX_TITLE_LINES = 6
ELLIPSIS = "…"


@dataclass(frozen=True)
class CardText:
    """What a card shows."""

    site: str
    title: str
    format: str
    date: str
    issues: tuple

    def fingerprint(self):
        data = [DESIGN, self.site, self.title, self.format, self.date, list(self.issues)]
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def card_text(brief):
    """What `brief`'s card shows: its date is the day of its publish_at in the site's time
    zone (none for a brief without one). Its issues are read through brief.issues.all(), so a
    caller that prefetched them reads no more."""
    issue_names = [issue.name for issue in brief.issues.all()]
    date = ""
    if brief.publish_at:
        # The same words whatever language the request that saved the brief was in.
        with translation.override(settings.LANGUAGE_CODE):
            date = format_date(timezone.localtime(brief.publish_at), "F j, Y")
    return CardText(
        site=settings.SITE_NAME,
        title=brief.title,
        format=brief.format.name,
        date=date,
        issues=tuple(sorted(issue_names, key=str.casefold)),
    )


def card_name(brief_id, text):
    return f"{FOLDER}/{brief_id}-{text.fingerprint()}.png"


def needs_drawing(brief):
    """Whether `brief` needs a card it has not got: one that shows what it says now. A brief
    with a lead image needs none (pages show the image); if the image goes, the save that
    takes it away asks for a card."""
    return not brief.lead_image and brief.share_card.name != card_name(brief.pk, card_text(brief))


def make_share_card(brief_id):
    """Draw and record the card of brief `brief_id` unless it has the one it needs (the
    worker's task). Recorded with an update, so no revision, transition or save signal comes
    of it; pages that showed the old card are renewed (images_made, as for renditions)."""
    brief = Brief.objects.select_related("format").filter(pk=brief_id).first()
    if brief is None or brief.lead_image:
        return None
    text = card_text(brief)
    name = card_name(brief.pk, text)
    if brief.share_card.name == name:
        return None
    if default_storage.exists(name):
        # Left by an earlier card, or by a task killed while writing it: written afresh.
        default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(draw(text)))
    with transaction.atomic():
        row = Brief.objects.select_for_update().filter(pk=brief_id).first()
        if row is None or row.lead_image or card_name(row.pk, card_text(row)) != name:
            # The brief changed (or went) while the card was drawn: that save asked for its own.
            if row is None or row.share_card.name != saved:
                default_storage.delete(saved)
            return None
        old = row.share_card.name
        Brief.objects.filter(pk=row.pk).update(share_card=saved)
        row.share_card = saved
        images_made.send(sender=Brief, instance=row)
        if old and old != saved:
            transaction.on_commit(lambda: default_storage.delete(old))
    return saved


# The drawing


def draw(text):
    """The card as PNG bytes."""
    card = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    pen = ImageDraw.Draw(card)
    inner = WIDTH - 2 * MARGIN

    # The site's header: its name in white on the accent, as on every page.
    pen.rectangle((0, 0, WIDTH, BAND), fill=ACCENT)
    site_font = _font(BOLD, 34)
    site = _shortened(text.site, site_font, inner)
    pen.text((MARGIN, BAND // 2), site, font=site_font, fill=WHITE, anchor="lm")

    # Date and format, as above a brief's title (.brief-meta, .brief-format).
    baseline = _draw_meta(pen, text, (MARGIN, BAND + 60), inner, size=23)

    # The issues at the foot, as the page's tags.
    bottom = HEIGHT - 56
    if text.issues:
        rule = _draw_issues(pen, text.issues, bottom, inner) - 28
        pen.rectangle((MARGIN, rule - 2, WIDTH - MARGIN - 1, rule - 1), fill=RULE)
        bottom = rule - 44

    # The title, as large as it fits between them; a right-to-left one set from the right.
    title_top = baseline + 26
    font, lines, leading = _fit_title(text.title, inner, bottom - title_top)
    rtl = _is_rtl(text.title)
    x, anchor = (WIDTH - MARGIN, "ra") if rtl else (MARGIN, "la")
    # Every line in the title's direction, as lines of one paragraph (Raqm layout only).
    direction = ("rtl" if rtl else "ltr") if features.check("raqm") else None
    # Lines are set from their ascender: move the block up by the room above capitals.
    cap_top = font.getmetrics()[0] - _cap_height(font)
    for index, line in enumerate(lines):
        y = title_top - cap_top + index * leading
        pen.text((x, y), line, font=font, fill=ACCENT, anchor=anchor, direction=direction)

    output = BytesIO()
    card.save(output, "PNG", optimize=True)
    return output.getvalue()


_fonts = {}


def _font(path, size):
    key = (path, size)
    if key not in _fonts:
        _fonts[key] = ImageFont.truetype(str(path), size)
    return _fonts[key]


def _cap_height(font):
    return -font.getbbox("H", anchor="ls")[1]


def _is_rtl(text):
    """Whether the text's first letter is of a right-to-left script (Arabic, Hebrew...)."""
    for character in text:
        direction = unicodedata.bidirectional(character)
        if direction in {"R", "AL"}:
            return True
        if direction == "L":
            return False
    return False


def _shortened(text, font, width):
    """`text`, or as many of its words as fit in `width` with an ellipsis."""
    if font.getlength(text) <= width:
        return text
    words = text.split()
    while len(words) > 1:
        words.pop()
        candidate = " ".join(words).rstrip(",;:·—–-") + ELLIPSIS
        if font.getlength(candidate) <= width:
            return candidate
    return (
        _characters_that_fit(words[0] if words else text, font, width - font.getlength(ELLIPSIS))
        + ELLIPSIS
    )


def _characters_that_fit(word, font, width):
    """The longest start of `word` that fits in `width` (for one word wider than a line)."""
    end = len(word)
    while end > 1 and font.getlength(word[:end]) > width:
        end -= 1
    return word[:end]


def _wrapped(text, font, width):
    """The lines `text` makes in `width`, broken between words. A word wider than the line by
    itself, which the smallest size only meets in a pathological title, is broken where it
    must be."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        while font.getlength(word) > width:
            part = _characters_that_fit(word, font, width)
            lines.append(part)
            word = word[len(part) :]
        line = word
    if line:
        lines.append(line)
    return lines


def _fit_title(title, width, height):
    """The font, lines and line spacing of the title: the largest size at which all of it
    fits in the box; at the smallest, as many lines as fit, the last ending in an ellipsis
    after a whole word."""
    words = title.split()
    for size in TITLE_SIZES:
        font = _font(BOLD, size)
        leading = round(size * TITLE_LEADING)
        if max((font.getlength(word) for word in words), default=0) > width:
            continue
        lines = _wrapped(title, font, width)
        if len(lines) <= MAX_TITLE_LINES and _block_height(font, leading, len(lines)) <= height:
            return font, lines, leading
    lines = _wrapped(title, font, width)
    room = MAX_TITLE_LINES
    while room > 1 and _block_height(font, leading, room) > height:
        room -= 1
    if len(lines) <= room:
        return font, lines, leading
    kept = lines[: room - 1]
    rest = " ".join(lines[room - 1 :])
    return font, [*kept, _shortened(rest, font, width)], leading


def _block_height(font, leading, count):
    """From the top of the first line's capitals to the bottom of the last line's descenders."""
    return (count - 1) * leading + _cap_height(font) + font.getmetrics()[1]


def _tracked(pen, xy, text, font, fill, tracking):
    """Draw `text` letter-spaced (the site's uppercase labels); returns the x after it. Text
    of a script whose letters join is drawn as it is."""
    x, y = xy
    if not text.isascii():
        pen.text((x, y), text, font=font, fill=fill, anchor="ls")
        return x + font.getlength(text)
    for character in text:
        pen.text((x, y), character, font=font, fill=fill, anchor="ls")
        x += font.getlength(character) + tracking
    return x - tracking


def _tracked_length(text, font, tracking):
    if not text.isascii():
        return font.getlength(text)
    return sum(font.getlength(character) for character in text) + tracking * (len(text) - 1)


def _draw_meta(pen, text, xy, width, *, size):
    """The line above the title: "DECEMBER 3, 2026 · ANALYSIS"; returns its baseline's y."""
    regular, bold = _font(REGULAR, size), _font(BOLD, size)
    tracking = round(size * 0.08)
    x, top = xy
    baseline = top + _cap_height(regular)
    date, kind = text.date.upper(), text.format.upper()
    if date:
        x = _tracked(pen, (x, baseline), date, regular, MUTED, tracking)
        separator = "  ·  "
        pen.text((x, baseline), separator, font=regular, fill=MUTED, anchor="ls")
        x += regular.getlength(separator)
    room = xy[0] + width - x
    if _tracked_length(kind, bold, tracking) > room:
        kind = _shortened(kind, bold, room - tracking * len(kind))
    _tracked(pen, (x, baseline), kind, bold, ACCENT, tracking)
    return baseline


def _draw_issues(pen, issues, bottom, width):
    """The issues as a row of tags ending at `bottom`, as many as fit and then "+3 more";
    returns the row's top."""
    font = _font(REGULAR, 22)
    height, padding, gap = 44, 20, 12
    top = bottom - height
    x, right = MARGIN, MARGIN + width
    for index, name in enumerate(issues):
        left = len(issues) - index - 1
        more = f"+{left} more" if left else ""
        more_width = (font.getlength(more) + 2 * padding + gap) if more else 0
        label = name
        pill = font.getlength(label) + 2 * padding
        if x + pill + more_width > right:
            if index == 0:
                label = _shortened(name, font, right - x - more_width - 2 * padding)
                pill = font.getlength(label) + 2 * padding
            else:
                _pill(
                    pen, (x, top), f"+{len(issues) - index} more", font, padding, height, more=True
                )
                return top
        _pill(pen, (x, top), label, font, padding, height)
        x += pill + gap
    return top


def _pill(pen, xy, label, font, padding, height, more=False):
    x, top = xy
    pill = font.getlength(label) + 2 * padding
    if more:
        pen.rounded_rectangle(
            (x, top, x + pill, top + height), radius=height // 2, outline=RULE, width=2, fill=PAPER
        )
    else:
        pen.rounded_rectangle(
            (x, top, x + pill, top + height), radius=height // 2, fill=ACCENT_SOFT
        )
    pen.text(
        (x + pill / 2, top + height / 2),
        label,
        font=font,
        fill=MUTED if more else ACCENT,
        anchor="mm",
    )
