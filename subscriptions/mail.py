"""The mail subscribers receive: a brief, the daily digest, the confirmation of an address.

Each mail is rendered once per mailing (or digest, or confirmation link), never per recipient:
what differs between recipients (their signed preferences and unsubscribe links) is written as
a placeholder, and `Rendered.personalised` fills it in with a `str.replace` per recipient.

A mail is an HTML part and a plain-text part, from the templates in
templates/subscriptions/mail/. The HTML is laid out as email clients need it: a 600 px wide
centred table, fluid below that. Its CSS is written once, in the base template's <style>
block, and inlined into style attributes when the mail is rendered (many clients drop <style>);
the block keeps what cannot be inlined, the @media rules for phones and for dark mode.

Every link and image is absolute, built from settings.SITE_URL, never from a request
(product.md, "Subscriptions"): the site's own paths, the files in its storage, and the relative
links an author wrote in a brief's Markdown, read as the brief's page reads them.
"""

import re
from dataclasses import dataclass
from html import escape, unescape
from html.parser import HTMLParser
from urllib.parse import urljoin

import css_inline
from django.conf import settings
from django.db.models import prefetch_related_objects
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from briefs.models import Brief
from common.site import absolute

from .links import CONFIRMATION_LIFETIME

PREFERENCES_URL = "%%preferences_url%%"
UNSUBSCRIBE_URL = "%%unsubscribe_url%%"

TEMPLATES = "subscriptions/mail"
# The column is 600 px wide with 24 px on each side: an image wider than this is shown at it.
IMAGE_WIDTH = 552
# About what an inbox shows of a preheader; a longer one is cut there.
PREHEADER_LENGTH = 140
# Hidden after the preheader so that an inbox's preview stops there, instead of running on
# into the text of the mail (the masthead, the date line...).
PREHEADER_FILLER = mark_safe("&#847;&zwnj;&nbsp;" * 60)
OPENING_QUOTE, CLOSING_QUOTE = "\u201c", "\u201d"

# @media rules stay in the <style> block: they cannot be written into style attributes.
_inliner = css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False)


@dataclass(frozen=True)
class Rendered:
    """One mail as every recipient gets it, but for the two links of their own."""

    subject: str
    preheader: str
    html: str
    text: str

    def personalised(self, preferences_url, unsubscribe_url):
        """(html, text) with one recipient's links in place of the placeholders. The links
        are the site's signed URLs, which need no escaping in HTML."""
        return tuple(
            part.replace(PREFERENCES_URL, preferences_url).replace(UNSUBSCRIBE_URL, unsubscribe_url)
            for part in (self.html, self.text)
        )


def brief_mail(brief):
    """The mail of one public brief: the brief in the reading order of its page, read as
    its page reads it."""
    brief = Brief.objects.with_page_parts().get(pk=brief.pk)
    brief_url = absolute(brief.get_absolute_url())
    developments = Body.of(brief.latest_developments_html, brief_url)
    quotes = [
        {
            "body": Body.of(quotation_marked(quote.text_html), brief_url),
            "name": quote.expert.name,
            "title": quote.expert_title,
            "url": absolute(quote.expert.get_absolute_url()),
            "photo": absolute(quote.expert.photo_thumbnail.url)
            if quote.expert.photo_thumbnail
            else "",
        }
        for quote in brief.quotes.all()
    ]
    sections = [
        {"heading": section.heading, "body": Body.of(section.body_html, brief_url)}
        for section in brief.sections.all()
    ]
    related_links = [
        {
            "title": link.title,
            "byline": link.byline,
            "url": absolute(link.href) if link.href else "",
        }
        for link in brief.related_links.all()
    ]
    # The summary is optional: without one, the inbox previews the start of the news.
    news = " ".join(developments.text.split())
    preheader = brief.summary or Truncator(news).chars(PREHEADER_LENGTH)
    return render(
        "brief",
        subject=brief.title,
        preheader=preheader,
        brief=brief,
        brief_url=brief_url,
        lead_image=lead_image(brief),
        developments=developments,
        quotes=quotes,
        sections=sections,
        related_links=related_links,
        issues=issue_links(brief.issues.all()),
    )


def digest_mail(digest, briefs):
    """One day's digest: `briefs` (public, newest first), each with its title, date line,
    summary and issues."""
    prefetch_related_objects(briefs, "format", "issues")
    count = len(briefs)
    new_briefs = f"{count} new brief{'' if count == 1 else 's'}"
    return render(
        "digest",
        subject=f"{settings.SITE_NAME} daily: {new_briefs}, {date_format(digest.date, 'M j')}",
        preheader=first_titles(briefs),
        digest=digest,
        new_briefs=new_briefs,
        briefs=[
            {
                "brief": brief,
                "url": absolute(brief.get_absolute_url()),
                "issues": issue_links(brief.issues.all()),
            }
            for brief in briefs
        ],
    )


def confirmation_mail(confirm_url):
    """The mail that asks an address to confirm its subscription."""
    return render(
        "confirmation",
        subject=f"Confirm your subscription to {settings.SITE_NAME}",
        preheader="One click and you will receive what you chose. Nothing is sent before.",
        confirm_url=confirm_url,
        lifetime_hours=int(CONFIRMATION_LIFETIME.total_seconds() // 3600),
    )


def render(name, *, subject, preheader, **context):
    """Both parts of a mail from its templates, with the CSS of the HTML inlined."""
    context = {
        "subject": subject,
        "preheader": preheader,
        "preheader_filler": PREHEADER_FILLER,
        "site_name": settings.SITE_NAME,
        "home_url": absolute(reverse("briefs:home")),
        "preferences_url": PREFERENCES_URL,
        "unsubscribe_url": UNSUBSCRIBE_URL,
        **context,
    }
    html = _inliner.inline(render_to_string(f"{TEMPLATES}/{name}.html", context))
    text = tidy_text(render_to_string(f"{TEMPLATES}/{name}.txt", context))
    return Rendered(subject=subject, preheader=preheader, html=html, text=text)


def lead_image(brief):
    """The lead image at the width of the mail's column: the rendition the page uses by
    default (at least 800 px wide, sharp on a high-density screen), or the upload itself
    while its renditions are not made yet."""
    if not brief.lead_image:
        return None
    picture = brief.lead_picture
    if picture:
        src, width, height = picture["src"], picture["width"], picture["height"]
    else:
        src, width, height = brief.lead_image.url, brief.lead_image_width, brief.lead_image_height
    shown_width = min(width or IMAGE_WIDTH, IMAGE_WIDTH)
    return {
        "src": absolute(src),
        "alt": brief.lead_image_alt,
        "width": shown_width,
        "height": round(shown_width * height / width) if width and height else None,
        "caption": brief.lead_image_caption,
        "credit": brief.lead_image_credit,
    }


def issue_links(issues):
    return [{"name": issue.name, "url": absolute(issue.get_absolute_url())} for issue in issues]


def first_titles(briefs):
    """The digest's preheader: as many titles as an inbox shows, the first one always."""
    shown = []
    for brief in briefs:
        if shown and len(" · ".join([*shown, brief.title])) > PREHEADER_LENGTH:
            break
        shown.append(brief.title)
    more = len(briefs) - len(shown)
    return " · ".join(shown) + (f" and {more} more" if more else "")


def quotation_marked(html):
    """A quote's HTML with the quotation marks the page adds with CSS (::before, ::after),
    which mail cannot: around its paragraphs."""
    if not (html.startswith("<p>") and html.endswith("</p>")):
        return html
    return f"<p>{OPENING_QUOTE}{html[3:-4]}{CLOSING_QUOTE}</p>"


def tidy_text(text):
    """A plain-text part as its template left it, without the blank lines and trailing
    spaces that template tags leave: paragraphs one blank line apart."""
    lines = (line.rstrip() for line in text.splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


# common.markdown's sanitiser writes every attribute in double quotes, `"` escaped inside.
_HREF = re.compile(r'\bhref="([^"]*)"')


@dataclass(frozen=True)
class Body:
    """Body text rendered from Markdown (sanitised HTML) as a mail shows it: the HTML with
    every link absolute, and the same as plain text."""

    html: str
    text: str

    @classmethod
    def of(cls, html, page_url):
        """`html` as it sits on the page at `page_url`: relative links lead where they do
        there."""

        def absolute_href(match):
            return f'href="{escape(urljoin(page_url, unescape(match[1])))}"'

        html = _HREF.sub(absolute_href, html)
        return cls(html=mark_safe(html), text=PlainText.of(html))


class PlainText(HTMLParser):
    """Sanitised body HTML (the tags common.markdown allows) as plain text: paragraphs a blank
    line apart, list items marked, and each link's address written out after its words."""

    BLOCKS = {"p", "h3", "h4", "h5", "h6", "blockquote", "pre", "ul", "ol", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts = []
        self.open_links = []  # (address, where its words start in self.parts)
        self.lists = []  # the next number of each open <ol>, None for an <ul>

    @classmethod
    def of(cls, html):
        parser = cls()
        parser.feed(html)
        parser.close()
        return tidy_text("".join(parser.parts)).strip()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        if tag == "br":
            self.parts.append("\n")
        elif tag == "hr":
            self.parts.append("* * *\n\n")
        elif tag == "ul":
            self.lists.append(None)
        elif tag == "ol":
            self.lists.append(int(attributes.get("start") or 1))
        elif tag == "li":
            self.parts.append(f"\n{self.list_marker()} ")
        elif tag == "q":
            self.parts.append(OPENING_QUOTE)
        elif tag == "a":
            self.open_links.append((attributes.get("href") or "", len(self.parts)))

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self.parts.append("\n\n")
        if tag in {"ul", "ol"} and self.lists:
            self.lists.pop()
        elif tag == "q":
            self.parts.append(CLOSING_QUOTE)
        elif tag == "a" and self.open_links:
            address, start = self.open_links.pop()
            shown = address.removeprefix("mailto:")
            if shown and shown != "".join(self.parts[start:]).strip():
                self.parts.append(f" ({shown})")

    def handle_data(self, data):
        # As a browser shows it: runs of white space (the renderer's line ends too) as one
        # space, none at the start of a line.
        text = re.sub(r"\s+", " ", data)
        if not self.parts or self.parts[-1].endswith(("\n", " ")):
            text = text.lstrip()
        if text:
            self.parts.append(text)

    def list_marker(self):
        """ "-" in a bulleted list, "3." in a numbered one; indented by the depth."""
        indent = "  " * (len(self.lists) - 1)
        if not self.lists or self.lists[-1] is None:
            return f"{indent}-"
        number = self.lists[-1]
        self.lists[-1] += 1
        return f"{indent}{number}."
