"""Plain-text briefs: a brief copied from a web page or a word processor, read into a brief
document (the shape briefs/interchange/documents.py imports), which is then saved by
import_documents.

The text is read one line at a time by a small state machine; blank lines only separate,
and every other line is one block (a heading, a paragraph, a quote...). The layout it reads:

    August 3, 2023 | Flash Brief        date line (optional): the brief gets that day at 9:00
                                        site time, or no date at all; without "| Format" or
                                        without the line, the first format (Flash Brief)
    Title                               a header repeated below it is read once
    Latest Developments                 may be left out when paragraphs follow the title
    paragraph...                        at least one
    Expert Analysis                     optional, then one or more quotes:
    “Words.” Name, Title as quoted      name and title split at the first comma; the name and
                                        title may be on the next line, after a dash, and a
                                        quote may run over paragraphs until it closes
    Heading                             further sections (optional): a line of at most 100
    paragraph...                        characters not ending like a sentence, then paragraphs
    Title,” by Name                     related links (optional; "Related Reading" or the like
    “Title?” Flash Brief                above them is allowed): a title ending in a closing
                                        quote, then "by Name" or a format (with any prefix)
    Issues:                             optional; one per line, separated by commas, on the
    Iran Russia Ukraine                 label's line, or run together on one line (split
                                        against the known issues, longest names first)

Anything else stops the reading with a ParseError naming the line and what was expected
there: a part out of this order, a heading with no paragraph under it, a quote without a
name, a paragraph among the quotes or after the related links, an unknown format or an
impossible date, issue names we do not have (unless they may be created). Hard-wrapped
paragraphs are not joined: every line is a block.

The author's words are kept as written (curly or straight quotes, apostrophes); only
whitespace is normalised (non-breaking and repeated spaces, edges of lines, line endings).
Labels, formats, issues and related titles are matched loosely: any quote style, dash, case
or spacing.
"""

import copy
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.utils import timezone
from django.utils.text import slugify

from ..models import Brief, Format, Issue
from .documents import DocumentError, import_documents

LATEST_DEVELOPMENTS = "latest developments"
EXPERT_ANALYSIS = "expert analysis"
# Headings some authors put above the related links; the links follow them either way.
RELATED_LABELS = {
    "related",
    "related analysis",
    "related links",
    "related reading",
    "further reading",
    "read more",
}

OPENING_QUOTES = '\u201c"'  # “ "
CLOSING_QUOTES = '\u201d"'  # ” "
# A line ending like a sentence (or a quotation) is a paragraph, never a heading.
SENTENCE_ENDINGS = tuple(".!?:;,\u2026)") + tuple(CLOSING_QUOTES) + ("\u2019",)
HEADING_MAX_LENGTH = 100
LIST_ITEM = re.compile(r"^(?:[\u2022\u00b7\u25aa\u25e6*\-\u2013\u2014]|\d{1,3}[.)])\s")

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
DATELINE = re.compile(
    r"^(?P<date>(?P<month>[A-Za-z]+)\.? (?P<day>\d{1,2}), (?P<year>\d{4}))"
    r"(?: ?\| ?(?P<format>.*))?$"
)
ISSUES_LABEL = re.compile(r"^issues(?: ?: ?(?P<rest>.*)| ?)$", re.IGNORECASE)
# Brief documents give a date and time; a text gives only the day. Nine in the morning in the
# site's time zone keeps that day whatever zone the brief is later shown in across the US.
PUBLISH_HOUR = time(9)

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\ufeff\u2060"))
_LOOSE = str.maketrans(
    {
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2013": "-",
        "\u2014": "-",
    }
)


class ParseError(Exception):
    """The text could not be read at `line_number`; `expected` says what should be there."""

    def __init__(self, line_number, expected, found=""):
        self.line_number = line_number
        self.expected = expected
        self.found = found
        self.lines = []  # the lines read up to the error, marked, for the admin preview
        super().__init__(f"line {line_number}: {self.message}")

    @property
    def message(self):
        return f"expected {self.expected}" + (f", found {self.found}" if self.found else "")


class UnknownIssues(ParseError):
    """Issue names that match no issue we have; importing with create_issues adds them."""

    def __init__(self, line_number, names):
        self.names = names
        listed = ", ".join(f"\u201c{name}\u201d" for name in names)
        super().__init__(line_number, "the names of issues we already have", f"unknown {listed}")


def loose(text):
    """A key for matching: any quote style, dash, case or spacing counts as the same."""
    return " ".join(text.translate(_LOOSE).casefold().split())


def normalise(line):
    """One line with non-breaking and repeated spaces made single, and no edge whitespace."""
    return " ".join(line.translate(_INVISIBLE).split())


def split_lines(text):
    # Only real line breaks, so line numbers are the ones a text editor shows.
    lines = _LINE_BREAK.split(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return lines


def decode_text(data):
    """Text from a file's bytes, and a warning when it had to be guessed.

    UTF-8 (with or without a byte-order mark) and UTF-16 with a byte-order mark are read as
    they are; anything else is taken as Windows-1252, which old sites and word processors
    on Windows write.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise UnicodeError("the file is neither UTF-8 nor Windows-1252 text") from error
    return text, "not UTF-8 text; read as Windows-1252 (check quotes and accented letters)"


@dataclass
class Line:
    """A line of the text and what it became: `parts` cover its text, each with a kind
    (date, format, title, header, heading, paragraph, quote, attribution, related, byline,
    issue, new-issue, unknown-issue; "" for what is only punctuation between them)."""

    number: int
    text: str
    parts: list = field(default_factory=list)

    @property
    def kinds(self):
        return list(dict.fromkeys(kind for kind, _ in self.parts if kind))

    def mark(self, kind, *spans):
        """Mark the whole line as `kind`, or only the given (start, end, kind) spans."""
        spans = spans or [(0, len(self.text), kind)]
        self.parts, position = [], 0
        for start, end, span_kind in sorted(spans):
            if start > position:
                self.parts.append(("", self.text[position:start]))
            self.parts.append((span_kind, self.text[start:end]))
            position = end
        if position < len(self.text):
            self.parts.append(("", self.text[position:]))


@dataclass
class ParsedBrief:
    document: dict
    lines: list
    new_issues: list


def _shown(text, limit=70):
    text = text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"
    return f"\u201c{text}\u201d"


def _is_label(line, *labels):
    return loose(line.text).rstrip(":").strip() in labels


def _looks_like_heading(text):
    return (
        len(text) <= HEADING_MAX_LENGTH
        and not text.endswith(SENTENCE_ENDINGS)
        and text[0] not in OPENING_QUOTES
        and not LIST_ITEM.match(text)
    )


def _last_closing_quote(text):
    return max(text.rfind(quote) for quote in CLOSING_QUOTES)


class _Parser:
    """The state machine: `state` names the method that reads the next non-blank line."""

    def __init__(self, text, *, formats, issues, briefs, create_issues):
        self.lines = [
            Line(number, normalise(raw)) for number, raw in enumerate(split_lines(text), 1)
        ]
        self.formats = {loose(name): name for name in formats}
        self.default_format = formats[0] if formats else "Flash Brief"
        self.known_issues = {loose(name): name for name in issues}
        self.briefs = {loose(title): slug for title, slug in briefs}
        self.create_issues = create_issues
        self.state = "start"
        self.dateline = None
        self.title = None
        self.format = self.default_format
        self.publish_at = None
        self.latest = []
        self.quotes = []
        self.sections = []
        self.related = []
        self.issue_lines = []  # (line, offset of the names in the line)
        self.open_quote = None  # {"line", "paragraphs"} of a quote still being read
        self.heading_line = None
        self.issues_label = None

    def parse(self):
        for line in self.lines:
            if line.text:
                getattr(self, f"_read_{self.state}")(line)
        self._finish()
        issues, new_issues = self._resolve_issues()
        return ParsedBrief(self._document(issues), self.lines, new_issues)

    # The states, in the order a brief is laid out.

    def _read_start(self, line):
        if not self._dateline(line):
            self._title(line)

    def _read_title(self, line):
        if DATELINE.match(line.text):
            self._fail(line, "the brief's title after the date line")
        self._title(line)

    def _read_after_title(self, line):
        if self.dateline and loose(line.text) == loose(self.dateline):
            line.mark("header")
            self.state = "repeated_title"
        elif loose(line.text) == loose(self.title):
            line.mark("header")
        elif _is_label(line, LATEST_DEVELOPMENTS):
            line.mark("heading")
            self.state = "latest"
        elif self._is_paragraph(line):
            self._paragraph(line, self.latest)
            self.state = "latest"
        else:
            self._fail(
                line, "\u201cLatest Developments\u201d or the first paragraph after the title"
            )

    def _read_repeated_title(self, line):
        if loose(line.text) != loose(self.title):
            self._fail(line, f"the title again after the repeated date line, {_shown(self.title)}")
        line.mark("header")
        self.state = "after_title"

    def _read_latest(self, line):
        if not self.latest and not self._is_paragraph(line):
            self._fail(line, "the first paragraph of the latest developments")
        if _is_label(line, EXPERT_ANALYSIS):
            line.mark("heading")
            self.state = "quotes"
        elif _is_label(line, LATEST_DEVELOPMENTS):
            self._fail(line, "a paragraph", "\u201cLatest Developments\u201d a second time")
        elif not self._ends_paragraphs(line):
            self._paragraph(line, self.latest)

    def _read_quotes(self, line):
        if line.text[0] in OPENING_QUOTES and not self._related_link(line, mark=False):
            self._quote(line)
        elif not self.quotes:
            self._fail(
                line, "a quote under \u201cExpert Analysis\u201d: \u201cWords.\u201d Name, Title"
            )
        elif _is_label(line, LATEST_DEVELOPMENTS, EXPERT_ANALYSIS) or self._is_paragraph(line):
            self._fail(
                line,
                "another quote (\u201cWords.\u201d Name, Title), a heading, related links or "
                "\u201cIssues:\u201d",
            )
        else:
            self._ends_paragraphs(line)

    def _read_quote_continues(self, line):
        # Any line but a label: the closing paragraph, with the name after it, can look
        # like a related link or a heading.
        if self._is_any_label(line):
            self._fail(line, self._closing_quote_expected())
        self._quote(line, continues=True)

    def _read_attribution(self, line):
        if line.text[0] in OPENING_QUOTES or self._is_any_label(line):
            self._fail(line, self._attribution_expected())
        self._attribute(line, 0)

    def _read_section_heading(self, line):
        if not self._is_paragraph(line):
            heading = self.heading_line
            self._fail(line, f"a paragraph under the heading on line {heading.number}")
        self._paragraph(line, self.sections[-1]["paragraphs"])
        self.state = "section"

    def _read_section(self, line):
        if _is_label(line, EXPERT_ANALYSIS, LATEST_DEVELOPMENTS):
            self._fail(
                line,
                "a paragraph, a heading, related links or \u201cIssues:\u201d",
                f"{_shown(line.text)} after the further sections (it comes before them)",
            )
        if not self._ends_paragraphs(line):
            self._paragraph(line, self.sections[-1]["paragraphs"])

    def _read_related_label(self, line):
        if not self._related_link(line):
            self._fail(line, "a related link: Title,\u201d by Name")
        self.state = "related"

    def _read_related(self, line):
        if not self._related_link(line) and not self._issues_label(line):
            self._fail(line, "another related link (Title,\u201d by Name) or \u201cIssues:\u201d")

    def _read_issues(self, line):
        if self._related_link(line, mark=False):
            self._fail(line, "issue names (related links come before \u201cIssues:\u201d)")
        if self._is_any_label(line):
            self._fail(line, "issue names (the issues end the brief)")
        self.issue_lines.append((line, 0))

    def _finish(self):
        end = next((line for line in reversed(self.lines) if line.text), self.lines[0])
        match self.state:
            case "start":
                expected = "a date line (Month D, YYYY | Format) or the brief's title"
                self._fail(end, expected, "no text")
            case "title":
                expected = "the brief's title after the date line"
            case "after_title":
                expected = "the latest developments after the title"
            case "repeated_title":
                expected = "the title again after the repeated date line"
            case "latest" if not self.latest:
                expected = "the first paragraph of the latest developments"
            case "quotes" if not self.quotes:
                expected = "a quote under \u201cExpert Analysis\u201d"
            case "quote_continues":
                expected = self._closing_quote_expected()
            case "attribution":
                expected = self._attribution_expected()
            case "related_label":
                expected = "a related link: Title,\u201d by Name"
            case "section_heading":
                # The last heading has nothing under it: that is where the reader should look.
                self._fail(self.heading_line, "paragraphs under this heading", "none")
            case _:
                return
        self._fail(end, expected, "the end of the text")

    # What a line is.

    def _is_any_label(self, line):
        return bool(
            _is_label(line, LATEST_DEVELOPMENTS, EXPERT_ANALYSIS, *RELATED_LABELS)
            or ISSUES_LABEL.match(line.text)
        )

    def _is_paragraph(self, line):
        """A line that is body text here: not a label, a heading or a related link."""
        return not (
            self._is_any_label(line)
            or self._related_link(line, mark=False)
            or _looks_like_heading(line.text)
        )

    def _ends_paragraphs(self, line):
        """Read a line that starts what follows a run of paragraphs (issues, related links or
        a further section); False if it is none. Callers deal with the other labels first."""
        if self._issues_label(line):
            return True
        if _is_label(line, *RELATED_LABELS):
            line.mark("heading")
            self.state = "related_label"
            return True
        if self._related_link(line):
            self.state = "related"
            return True
        if _looks_like_heading(line.text) and not self._is_any_label(line):
            line.mark("heading")
            self.sections.append({"heading": line.text, "paragraphs": []})
            self.heading_line = line
            self.state = "section_heading"
            return True
        return False

    def _dateline(self, line):
        match = DATELINE.match(line.text)
        if not match or match["month"].lower() not in MONTHS:
            return False
        try:
            day = date(int(match["year"]), MONTHS[match["month"].lower()], int(match["day"]))
        except ValueError:
            self._fail(
                line, "a real date such as \u201cAugust 3, 2023\u201d", _shown(match["date"])
            )
        spans = [(0, match.end("date"), "date")]
        if match["format"]:
            self.format = self.formats.get(loose(match["format"]))
            if self.format is None:
                known = ", ".join(self.formats.values())
                self._fail(
                    line,
                    f"a format we publish ({known}) after \u201c|\u201d",
                    _shown(match["format"]),
                )
            spans.append((match.start("format"), match.end("format"), "format"))
        line.mark("date", *spans)
        self.dateline = line.text
        self.publish_at = timezone.make_aware(datetime.combine(day, PUBLISH_HOUR))
        self.state = "title"
        return True

    def _title(self, line):
        if self._is_any_label(line):
            self._fail(line, "the brief's title")
        if len(line.text) > 200:
            self._fail(line, "a title of at most 200 characters", f"{len(line.text)}")
        line.mark("title")
        self.title = line.text
        self.state = "after_title"

    def _paragraph(self, line, paragraphs):
        line.mark("paragraph")
        paragraphs.append(line.text)

    def _quote(self, line, continues=False):
        text = line.text
        start = 1 if text[0] in OPENING_QUOTES else 0
        closing = _last_closing_quote(text)
        if closing < start:
            # A quote of several paragraphs closes only at the end of its last one.
            line.mark("quote")
            self._open_quote(line, continues).append(text[start:])
            self.state = "quote_continues"
            return
        self._open_quote(line, continues).append(text[start:closing])
        attribution = text[closing + 1 :].strip()
        if not attribution:
            line.mark("quote")
            self.state = "attribution"
            return
        self._attribute(line, closing + 1)

    def _open_quote(self, line, continues):
        if not continues:
            self.open_quote = {"line": line, "paragraphs": []}
        return self.open_quote["paragraphs"]

    def _attribute(self, line, offset):
        """The expert's name and title from `line` (from `offset` on), closing the open quote."""
        text = line.text
        start = offset + len(text[offset:]) - len(text[offset:].lstrip(" \u2014\u2013-"))
        name, _, title = text[start:].partition(",")
        name, title = name.strip(), title.strip()
        if not name:
            self._fail(line, self._attribution_expected())
        if len(name) > 200 or len(title) > 200:
            self._fail(line, "an expert's name and title of at most 200 characters each")
        spans = [(start, len(text), "attribution")]
        if offset:
            spans.append((0, offset, "quote"))
        line.mark("attribution", *spans)
        paragraphs = self.open_quote["paragraphs"]
        self.quotes.append(
            {
                "expert": name,
                "expert_title": title,
                "text": "\n\n".join(p.strip() for p in paragraphs),
            }
        )
        self.open_quote = None
        self.state = "quotes"

    def _closing_quote_expected(self):
        number = self.open_quote["line"].number
        return f"the closing quotation mark and the expert's name for the quote on line {number}"

    def _attribution_expected(self):
        number = self.open_quote["line"].number
        return f"the expert's name and title (Name, Title) after the quote on line {number}"

    def _related_link(self, line, mark=True):
        """Read `Title,” by Name` or `Title?” Flash Brief` (the opening quote is often lost
        when copying); False if the line is not one."""
        text = line.text
        start = 1 if text[0] in OPENING_QUOTES else 0
        closing = _last_closing_quote(text)
        if closing <= start:
            return False
        title = text[start:closing].rstrip().rstrip(",").rstrip()
        byline = text[closing + 1 :].strip()
        if not title or not byline or any(q in text[start:closing] for q in OPENING_QUOTES):
            return False
        if start and not self._is_byline(byline):
            # An opening quote too: could be a sentence quoting someone, so only a real byline.
            return False
        if byline.endswith(".") and not loose(byline).startswith("by "):
            return False
        if len(title) > 300 or len(byline) > 200:
            # Longer than a link's title or byline may be: a paragraph with a stray quote.
            return False
        if mark:
            byline_start = text.index(byline, closing)
            line.mark(
                "related",
                (start, start + len(title), "related"),
                (byline_start, len(text), "byline"),
            )
            self.related.append({"title": title, "byline": byline})
        return True

    def _is_byline(self, byline):
        byline = loose(byline)
        return byline.startswith("by ") or any(
            byline == name or byline.endswith(f" {name}") for name in self.formats
        )

    def _issues_label(self, line):
        match = ISSUES_LABEL.match(line.text)
        if not match:
            return False
        line.mark(
            "heading", (0, match.start("rest") if match["rest"] else len(line.text), "heading")
        )
        self.issues_label = line
        if match["rest"]:
            self.issue_lines.append((line, match.start("rest")))
        self.state = "issues"
        return True

    # Issues

    def _resolve_issues(self):
        """The issue names, matched to known issues; unknown ones new or an error."""
        if self.state == "issues" and not self.issue_lines:
            self._fail(self.issues_label, "issue names after \u201cIssues:\u201d", "none")
        listed = len(self.issue_lines) > 1 or any(
            re.search("[,;]", line.text[offset:]) for line, offset in self.issue_lines
        )
        names, unknown = [], []
        for line, offset in self.issue_lines:
            if listed:
                found = self._listed_issues(line.text, offset)
            else:
                found = self._run_together_issues(line.text, offset)
            spans = [(start, end, kind) for start, end, kind, _ in found]
            if offset:
                spans.append((0, offset, "heading"))
            line.mark("issue", *spans)
            for _, _, kind, name in found:
                if len(name) > 100:
                    self._fail(line, "issue names of at most 100 characters", _shown(name))
                names.append(name)
                if kind != "issue":
                    unknown.append((line, name))
        if unknown and not self.create_issues:
            for line, _ in unknown:
                line.parts = [
                    ("unknown-issue" if kind == "new-issue" else kind, text)
                    for kind, text in line.parts
                ]
            raise self._failure(UnknownIssues(unknown[0][0].number, [name for _, name in unknown]))
        unique = {}
        for name in names:
            unique.setdefault(loose(name), name)
        new = {loose(name): name for _, name in unknown}
        return list(unique.values()), [name for key, name in unique.items() if key in new]

    def _issue(self, start, end, text):
        known = self.known_issues.get(loose(text))
        return (start, end, "issue" if known else "new-issue", known or text)

    def _listed_issues(self, text, offset):
        """One issue per line, or separated by commas or semicolons: each name whole."""
        found = []
        for piece in re.finditer(r"[^,;]+", text[offset:]):
            name = piece.group().strip()
            if name:
                start = offset + piece.start() + piece.group().index(name)
                found.append(self._issue(start, start + len(name), name))
        return found

    def _run_together_issues(self, text, offset):
        """Names run together on one line, split against the known issues, longest first;
        the words between known names make one new issue each."""
        words = list(re.finditer(r"\S+", text[offset:]))
        keys = [loose(word.group()) for word in words]
        known = sorted(
            (key.split(" ") for key in self.known_issues),
            key=lambda k: (len(k), len(" ".join(k))),
            reverse=True,
        )
        found, position, unknown_from = [], 0, None

        def span(first, last):
            return offset + words[first].start(), offset + words[last].end()

        def close_unknown(until):
            if unknown_from is not None:
                start, end = span(unknown_from, until - 1)
                found.append(self._issue(start, end, text[start:end]))

        while position < len(words):
            match = next((k for k in known if keys[position : position + len(k)] == k), None)
            if match is None:
                unknown_from = position if unknown_from is None else unknown_from
                position += 1
                continue
            close_unknown(position)
            unknown_from = None
            start, end = span(position, position + len(match) - 1)
            found.append(self._issue(start, end, text[start:end]))
            position += len(match)
        close_unknown(position)
        return found

    # The result

    def _document(self, issues):
        related = []
        for link in self.related:
            slug = self.briefs.get(loose(link["title"]))
            # A brief never links to itself, even when its title is in its own list.
            if slug and loose(link["title"]) != loose(self.title):
                link = {**link, "brief": slug}
            related.append(link)
        return {
            "title": self.title,
            "slug": slugify(self.title),
            "format": self.format,
            "status": Brief.Status.DRAFT.value,
            "publish_at": self.publish_at.isoformat() if self.publish_at else None,
            "latest_developments": "\n\n".join(self.latest),
            "quotes": self.quotes,
            "sections": [
                {"heading": section["heading"], "body": "\n\n".join(section["paragraphs"])}
                for section in self.sections
            ],
            "related": related,
            "issues": issues,
        }

    def _fail(self, line, expected, found=None):
        if found is None:
            found = _shown(line.text) if line.text else "an empty line"
        raise self._failure(ParseError(line.number, expected, found))

    def _failure(self, error):
        error.lines = self.lines
        return error


def parse_brief(text, *, formats, issues=(), briefs=(), create_issues=False):
    """Read a plain-text brief into a brief document (ParsedBrief), or raise ParseError.

    `formats` are the format names in menu order (the first is used when the text has no
    date line), `issues` the known issue names, `briefs` (title, slug) pairs that related
    links are matched against. With `create_issues`, issue names we do not have are kept
    (as new issues) instead of stopping the reading.
    """
    parser = _Parser(
        text, formats=list(formats), issues=issues, briefs=briefs, create_issues=create_issues
    )
    return parser.parse()


def parse_text(text, *, create_issues=False):
    """parse_brief against the formats, issues and briefs in the database."""
    return parse_brief(
        text,
        formats=list(Format.objects.values_list("name", flat=True)),
        issues=list(Issue.objects.values_list("name", flat=True)),
        briefs=list(Brief.objects.values_list("title", "slug")),
        create_issues=create_issues,
    )


def existing_brief(document):
    """The brief a text imports into: the one with its slug, or else the one with its title
    (the slug of a draft may have been changed in the admin after the first import)."""
    return (
        Brief.objects.filter(slug=document["slug"]).first()
        or Brief.objects.filter(title__iexact=document["title"]).order_by("pk").first()
    )


def prepare_import(parsed, *, publish=False):
    """The parsed document made ready for import_documents: a draft unless `publish`, and
    matched to the brief it updates. Raises ParseError or DocumentError when it may not be
    imported."""
    document = copy.deepcopy(parsed.document)
    if publish:
        if document["publish_at"] is None:
            first = next((line for line in parsed.lines if line.text), parsed.lines[0])
            raise ParseError(
                first.number,
                "a date line (Month D, YYYY | Format): a published brief needs its date",
                _shown(first.text),
            )
        document["status"] = Brief.Status.PUBLISHED.value
    brief = existing_brief(document)
    if brief is None:
        return document
    if brief.status != Brief.Status.DRAFT and not publish:
        # A text becomes a draft: updating a brief past that stage would take it back.
        raise DocumentError(
            [
                f"\u201c{brief.title}\u201d ({brief.slug}) is already "
                f"{brief.state.label.lower()}; importing this text would turn it back into a "
                "draft. Change it in its form in the admin instead."
            ]
        )
    document["slug"] = brief.slug
    _keep_what_the_text_does_not_hold(document, brief)
    return document


def _keep_what_the_text_does_not_hold(document, brief):
    # A summary or a link's address added in the admin after the first import is not in
    # the text: importing it again must not erase them.
    document["summary"] = brief.summary
    addresses = {loose(link.title): link.url for link in brief.related_links.all() if link.url}
    for link in document["related"]:
        if "brief" not in link and loose(link["title"]) in addresses:
            link["url"] = addresses[loose(link["title"])]


@dataclass
class TextImport:
    parsed: ParsedBrief
    document: dict
    report: object  # briefs.interchange.documents.ImportReport


def import_text(text, *, publish=False, create_issues=False, dry_run=False):
    """Read a plain-text brief and create or update its draft (published with `publish`);
    with `dry_run`, read and check it and change nothing."""
    parsed = parse_text(text, create_issues=create_issues)
    document = prepare_import(parsed, publish=publish)
    report = import_documents(document, dry_run=dry_run)
    return TextImport(parsed, document, report)
