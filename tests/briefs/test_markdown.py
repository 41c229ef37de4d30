"""Body text is Markdown, rendered once when saved and sanitised: nothing executable survives."""

import pytest

from common.markdown import render_markdown
from tests.factories import BriefFactory, BriefSectionFactory, ExpertQuoteFactory
from tests.pages import parse

pytestmark = pytest.mark.django_db

PAYLOADS = [
    "<script>alert(1)</script>",
    "<ScRiPt src=https://example.org/x.js></sCrIpT>",
    '<img src=x onerror="alert(1)">',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href=" javascript:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<a href="vbscript:msgbox(1)">click</a>',
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<p onmouseover="alert(1)">hover</p>',
    '<iframe src="https://example.org"></iframe>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<a href='data:text/html,<script>alert(1)</script>'>x</a>",
    '<form action="javascript:alert(1)"><button>go</button></form>',
    "![x](javascript:alert(1))",
    '<object data="javascript:alert(1)"></object>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '"><script>alert(1)</script>',
]


def executable_parts(html):
    """Scripts, handlers and script-bearing addresses found by parsing, not string search."""
    found = []
    for tag, attrs in parse(html).elements:
        if tag == "script" and attrs.get("type") == "application/ld+json":
            continue  # data, never run: the page's structured data
        if tag == "form" and attrs.get("action") == "/subscribe/":
            continue  # the page's own subscribe box
        if tag in {"script", "iframe", "object", "embed", "form", "svg", "math", "style"}:
            found.append(tag)
        for name, value in attrs.items():
            scheme = "".join((value or "").split()).lower()
            if name.startswith("on") or name == "style":
                found.append(f"{tag}[{name}]")
            elif name in {"href", "src", "action", "data"} and scheme.startswith(
                ("javascript:", "data:", "vbscript:")
            ):
                found.append(f"{tag}[{name}={value}]")
    return found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_rendered_markdown_keeps_nothing_executable(payload):
    assert executable_parts(render_markdown(payload)) == []


def test_commonmark_is_rendered():
    html = render_markdown("# Heading\n\nA *b* **c** [d](https://example.org)\n\n- e\n- f")
    assert "<em>b</em>" in html and "<strong>c</strong>" in html and "<li>e</li>" in html
    assert '<a href="https://example.org" rel="noopener noreferrer">d</a>' in html


def test_payloads_in_every_body_field_stay_inert_on_the_brief_page(client):
    payload = "\n\n".join(PAYLOADS)
    brief = BriefFactory(title="<script>alert('title')</script>", latest_developments=payload)
    BriefSectionFactory(brief=brief, heading='<img src=x onerror="alert(1)">', body=payload)
    ExpertQuoteFactory(brief=brief, text=payload, expert__name="<svg onload=alert(1)>")

    response = client.get(brief.get_absolute_url())

    assert response.status_code == 200
    assert executable_parts(response.content.decode()) == []
    assert b"&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in response.content


def test_text_from_a_browser_is_stored_with_plain_line_ends():
    brief = BriefFactory(latest_developments="One.\r\n\r\nTwo.", summary="A\r\nB")
    quote = ExpertQuoteFactory(brief=brief, text="Said.\r\n\r\nMore.")
    brief.refresh_from_db()
    quote.refresh_from_db()
    assert (brief.latest_developments, brief.summary) == ("One.\n\nTwo.", "A\nB")
    assert quote.text == "Said.\n\nMore."
