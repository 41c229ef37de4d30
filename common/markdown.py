"""Markdown for body text: CommonMark rendered once when saved, then sanitised.

Sanitising happens after rendering, on the HTML itself, so that raw HTML written into the
Markdown gets the same treatment as what the renderer made.
"""

import nh3
from markdown_it import MarkdownIt

_renderer = MarkdownIt("commonmark")

# Body text sits under the page's own h1/h2 headings, so authors get h3 and below.
ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "cite", "code", "del", "em", "h3", "h4", "h5",
    "h6", "hr", "i", "ins", "li", "ol", "p", "pre", "q", "s", "strong", "sub", "sup", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def normalize_newlines(text):
    """Browsers send textareas with CRLF line ends; stored text uses LF, so that a save from
    a browser does not differ from the same text imported (revisions compare them)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def render_markdown(text):
    """Return safe HTML for Markdown `text`; no script, handler or unsafe link survives."""
    html = _renderer.render(text or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
    ).strip()
