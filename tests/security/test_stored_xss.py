"""Stored cross-site scripting: every text an author controls, filled with every payload of
tests/security/payloads.py, stays inert on every surface that shows it.

One public brief is written per payload, with the payload in each of its texts (title,
summary, Markdown bodies, section, quote and the title it was given, related links' titles,
bylines and addresses, the lead image's alt text, caption and credit), quoting an expert and
filed under an issue whose names, titles, bio and description are the payload too, with two
revisions. The pages are read as a browser would, by parsing them: the checker
(payloads.unsafe_parts) reports any script, handler, script address or embedding element, and
texts shown as text must read exactly as the author wrote them, template syntax included.

The corpus is built once, for the class of tests that reads it, inside a transaction rolled
back at the end, so that every surface is read for every payload in seconds.
"""

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cached_property
from html.parser import HTMLParser
from io import BytesIO
from unittest import mock
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse
from PIL import Image

from briefs.editorial.revisions import record_revision
from briefs.interchange.documents import DocumentError, check_documents
from briefs.models import Brief, BriefSection, Issue, RelatedLink, validate_outside_address
from briefs.public import search
from briefs.public.previews import share_preview
from briefs.public.search import clean_query
from experts.models import Expert, ExpertQuote
from tests.briefs.test_admin import submit
from tests.factories import BriefFactory, FormatFactory, UserFactory
from tests.images import run_image_tasks
from tests.pages import visible_text
from tests.security.payloads import MARKER_PATTERN, PAYLOADS, TEMPLATE_SYNTAX, unsafe_parts

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
# Django's admin: its script files and the inline SVG of its icons are its own.
ADMIN_SCRIPTS = (settings.STATIC_URL, "/admin/jsi18n/")
ADMIN_ELEMENTS = {"svg"}
VOID_ELEMENTS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


def squashed(text):
    return " ".join(text.split())


def storable(text):
    """The payload as the database can hold it: PostgreSQL refuses NUL in text (and the
    admin's forms refuse it on every database), so there it is left out."""
    return text.replace("\x00", "") if connection.vendor == "postgresql" else text


# Reading pages


class _Elements(HTMLParser):
    """Every element: its tag, classes, attributes and all the text inside it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []
        self._open = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        entry = [tag, set((attributes.get("class") or "").split()), attributes, ""]
        self.found.append(entry)
        if tag not in VOID_ELEMENTS:
            self._open.append(entry)

    def handle_endtag(self, tag):
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                del self._open[index:]
                return

    def handle_data(self, data):
        for entry in self._open:
            entry[3] += data


class Page:
    """A response read once: its elements, visible text, and what is wrong with it."""

    def __init__(self, response, public=True):
        self.status = response.status_code
        self.markup = response.content.decode()
        parser = _Elements()
        parser.feed(self.markup)
        self.elements = parser.found
        self.public = public

    @cached_property
    def text(self):
        return visible_text(self.markup)

    def form_value(self, name):
        """What the form field `name` holds, as a browser would send it back."""
        for tag, _, attrs, text in self.elements:
            if attrs.get("name") == name and tag in {"input", "textarea"}:
                # A textarea's content starts after a newline the browser drops.
                return text.removeprefix("\n") if tag == "textarea" else attrs.get("value")
        return None

    def texts(self, tag, css_class=None):
        """The squashed texts of the `tag` elements (with `css_class`, if given)."""
        return [
            squashed(text)
            for name, classes, _, text in self.elements
            if name == tag and (css_class is None or css_class in classes)
        ]

    def attributes(self, tag):
        return [attrs for name, _, attrs, _ in self.elements if name == tag]

    def meta(self, key):
        for attrs in self.attributes("meta"):
            if key in (attrs.get("name"), attrs.get("property")):
                return attrs.get("content")
        return None

    def structured_data(self):
        """The page's JSON-LD, parsed; None when it is missing or not JSON."""
        scripts = [
            text
            for name, _, attrs, text in self.elements
            if name == "script" and attrs.get("type") == "application/ld+json"
        ]
        try:
            return json.loads(scripts[0]) if len(scripts) == 1 else None
        except ValueError:
            return None

    def outside_links_without_noopener(self):
        """Links that leave the site but let the page they open reach back (window.opener)."""
        missing = []
        for attrs in self.attributes("a"):
            address = urlsplit(attrs.get("href") or "")
            leaves = address.scheme in {"http", "https"} and address.hostname != "testserver"
            if leaves and "noopener" not in (attrs.get("rel") or "").split():
                missing.append(attrs["href"])
        return missing

    def problems(self, shown=()):
        """Executable parts, texts not shown as written, outside links without
        rel="noopener" (public pages), the secret key; [] when nothing is wrong."""
        if self.status != 200:
            return [f"status {self.status}"]
        if self.public:
            problems = unsafe_parts(self.markup)
            problems += [f"no rel=noopener: {h}" for h in self.outside_links_without_noopener()]
        else:
            problems = unsafe_parts(self.markup, ADMIN_SCRIPTS, ADMIN_ELEMENTS)
        problems += [f"not shown as written: {t!r}" for t in shown if squashed(t) not in self.text]
        if settings.SECRET_KEY in self.markup:
            problems.append("the secret key is on the page")
        return problems


def expect(problems, condition, description):
    if not condition:
        problems.append(description)


def assert_no_problems(found):
    """`found` maps where (a payload's marker, an address) to the problems seen there."""
    assert {where: problems for where, problems in found.items() if problems} == {}


# The corpus


@dataclass
class Planted:
    """One payload, and where it was written."""

    payload: object
    text: str
    brief: Brief
    expert: Expert
    issue: Issue
    outside_url: str

    @property
    def marker(self):
        return self.payload.marker

    @property
    def mailto(self):
        return f"mailto:{self.marker}@example.org"


def lead_image():
    output = BytesIO()
    Image.new("RGB", (600, 400), "#345").save(output, "PNG")
    return SimpleUploadedFile("lead.png", output.getvalue())


def outside_url_carrying(text, marker):
    """An address the link validator accepts that carries as much of the payload as an
    address can (quotes, angle brackets): only escaping keeps it inside its attribute."""
    candidate = f"https://example.org/{marker}?q=" + "".join(text.split())
    try:
        validate_outside_address(candidate)
    except ValidationError:
        return f"https://example.org/{marker}"
    return candidate


def plant(payload, editor, image_from):
    text = storable(payload.text)
    issue = Issue.objects.create(name=text, description=text)
    expert = Expert.objects.create(name=text, title=text, program=text, bio=text)
    image = {"lead_image": lead_image()}
    if image_from is not None:
        # Every brief shows the first one's upload: renditions are made once, not per payload.
        image = {
            "lead_image": image_from.lead_image.name,
            "lead_image_renditions": image_from.lead_image_renditions,
        }
    brief = BriefFactory(
        title=text,
        summary=text,
        # PostgreSQL's parser skips what follows "<script>", "<!--" and the like up to their
        # end, marker included: a plain word first makes every brief findable by its marker.
        latest_developments=f"Filed as {payload.marker}.\n\n{text}",
        lead_image_alt=text,
        lead_image_caption=text,
        lead_image_credit=text,
        **image,
    )
    brief.issues.set([issue])
    ExpertQuote.objects.create(brief=brief, expert=expert, text=text, expert_title=text)
    BriefSection.objects.create(brief=brief, heading=text, body=text)
    url = outside_url_carrying(text, payload.marker)
    planted = Planted(payload, text, brief, expert, issue, url)
    for position, address in enumerate([url, planted.mailto, ""], start=1):
        RelatedLink.objects.create(
            brief=brief, title=text, byline=text, url=address, position=position
        )
    # Two saves to compare: the second rewrites the title and takes the payload out of the
    # summary. The brief itself keeps the payload.
    record_revision(brief, editor, note=text)
    Brief.objects.filter(pk=brief.pk).update(title=f"{text} revised", summary="Rewritten.")
    record_revision(brief, editor, note=text)
    Brief.objects.filter(pk=brief.pk).update(title=text, summary=text)
    if image_from is None:
        run_image_tasks()
    brief.refresh_from_db()
    return planted


@pytest.fixture(scope="class")
def corpus(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        editor = UserFactory(username="corpus-editor", is_superuser=True)
        planted = []
        # Indexed once at the end, as after a bulk load, rather than at every part's save.
        with mock.patch("briefs.public.search.reindex"):
            for payload in PAYLOADS:
                planted.append(plant(payload, editor, planted[0].brief if planted else None))
        search.reindex([item.brief.pk for item in planted])
        yield {"planted": planted, "editor": editor}
        transaction.set_rollback(True)


# The corpus and the checker


def test_the_corpus_holds_at_least_sixty_distinct_payloads_each_with_its_marker():
    assert len(PAYLOADS) >= 60
    assert len({payload.text for payload in PAYLOADS}) == len(PAYLOADS)
    for payload in PAYLOADS:
        assert set(MARKER_PATTERN.findall(payload.text)) == {payload.marker}
        assert len(payload.text) <= 100


@pytest.mark.parametrize(
    "payload", [p for p in PAYLOADS if p.kind in {"markup", "address"}], ids=str
)
def test_the_checker_finds_each_payload_written_unescaped(payload):
    """The checker would see a hole: each payload pasted raw into the places a page puts an
    author's text is reported in at least one of them."""
    text = payload.text
    contexts = [
        f"<body><p>{text}</p></body>",
        f'<body><a href="{text}">x</a></body>',
        f'<body><p title="{text}">x</p></body>',
        f"<body><p title='{text}'>x</p></body>",
        f'<head><script type="application/ld+json">{{"headline": "{text}"}}</script></head>',
        f"<head><title>{text}</title></head>",
    ]
    assert any(unsafe_parts(context) for context in contexts)


def test_the_sites_own_pages_pass_the_checker(client):
    """With harmless content the checker finds nothing: the site itself uses no handler,
    script address or embedding element, its only script on public pages is JSON-LD, and the
    admin's are Django's own. So on these pages, anything the checker finds is a hole."""
    brief = BriefFactory(title="Harmless", issues=["Plain issue"])
    expert = Expert.objects.create(name="Plain Expert", title="Fellow")
    ExpertQuote.objects.create(brief=brief, expert=expert, text="See [this](https://a.example/).")
    RelatedLink.objects.create(brief=brief, title="Out", url="https://example.org/")
    record_revision(brief, None)
    Brief.objects.filter(pk=brief.pk).update(title="Harmless again")
    record_revision(brief, None)
    public = [
        brief.get_absolute_url(),
        "/",
        "/briefs/",
        "/briefs/?issue=plain-issue",
        "/issues/",
        "/issues/plain-issue/",
        "/experts/",
        "/experts/plain-expert/",
        "/search/?q=harmless",
        share_url(brief, None),
    ]
    found = {url: Page(client.get(url)).problems() for url in public}
    client.force_login(UserFactory(username="harmless-editor", is_superuser=True))
    admin = [
        "/admin/briefs/brief/",
        f"/admin/briefs/brief/{brief.pk}/change/",
        f"/admin/briefs/brief/{brief.pk}/revisions/",
        f"/admin/briefs/brief/{brief.pk}/revisions/compare/?from=1&to=2",
        f"/admin/briefs/brief/{brief.pk}/preview/",
        "/admin/experts/expert/",
        "/admin/briefs/issue/",
    ]
    found |= {url: Page(client.get(url), public=False).problems() for url in admin}
    assert_no_problems(found)
    scripts = Page(client.get(brief.get_absolute_url())).attributes("script")
    assert [script.get("type") for script in scripts] == ["application/ld+json"]


def share_url(brief, user):
    return reverse("briefs:preview", args=[share_preview(brief, user).pk])


# Every payload on every surface


def brief_page_problems(page, item, preview=False):
    """Each plain text where the brief's page shows it, its addresses and its data."""
    text = squashed(item.text)
    problems = page.problems(shown=[item.text])
    if problems:
        return problems
    for tag, css_class, wanted in [
        ("h1", None, [text]),
        ("span", "credit", [text]),
        ("a", "quote-expert", [text]),
        ("span", "quote-title", [text]),
        ("cite", None, [text]),
        ("span", "byline", [text] * 3),
    ]:
        shown = page.texts(tag, css_class)
        expect(problems, shown == wanted, f"{tag}.{css_class}: {shown!r}")
    captions = page.texts("figcaption")  # the lead image's, and the quote's
    expect(problems, f"{text} {text}" in captions, f"caption and credit: {captions!r}")
    expect(problems, text in page.texts("h2"), "the section's heading")
    title = page.texts("title")
    expect(problems, title and title[0].startswith(text), f"the page's title: {title!r}")
    alts = [attrs.get("alt") for attrs in page.attributes("img") if "srcset" in attrs]
    expect(problems, alts == [item.text], f"the lead image's alt text: {alts!r}")
    for key in ("description", "og:title", "twitter:description"):
        expect(problems, page.meta(key) == item.text, f"meta {key}: {page.meta(key)!r}")
    addresses = [attrs.get("href") for attrs in page.attributes("a")]
    for address in (item.outside_url, item.mailto, item.issue.get_absolute_url()):
        expect(problems, address in addresses, f"the link to {address!r}")
    if not preview:  # a preview carries no structured data
        data = page.structured_data() or {}
        expect(problems, data.get("headline") == item.text, "JSON-LD's headline")
        authors = [author.get("name") for author in data.get("author", [])]
        expect(problems, authors == [item.text], f"JSON-LD's authors: {authors!r}")
    return problems


ADMIN_FORM_SAMPLE = PAYLOADS[::4] + [p for p in TEMPLATE_SYNTAX if p not in PAYLOADS[::4]]


def card_titles(page):
    return page.texts("h2", "card-title") + page.texts("h3", "card-title")


@pytest.mark.usefixtures("corpus")
class TestEveryPayloadStaysInert:
    @pytest.fixture
    def planted(self, corpus):
        return corpus["planted"]

    @pytest.fixture
    def staff(self, corpus):
        staff = Client()
        staff.force_login(corpus["editor"])
        return staff

    def test_brief_pages(self, client, planted):
        found = {}
        for item in planted:
            page = Page(client.get(item.brief.get_absolute_url()))
            found[item.marker] = brief_page_problems(page, item)
        assert_no_problems(found)

    def test_previews_for_staff_and_for_a_shared_link(self, client, staff, planted, corpus):
        found = {}
        for item in planted:
            page = Page(staff.get(f"/admin/briefs/brief/{item.brief.pk}/preview/"))
            found[f"staff {item.marker}"] = brief_page_problems(page, item, preview=True)
            page = Page(client.get(share_url(item.brief, corpus["editor"])))
            found[f"shared {item.marker}"] = brief_page_problems(page, item, preview=True)
        assert_no_problems(found)

    def test_issue_and_expert_pages_and_the_issue_filter(self, client, planted):
        found = {}
        for item in planted:
            text = squashed(item.text)
            page = Page(client.get(item.issue.get_absolute_url()))
            found[f"issue {item.marker}"] = problems = page.problems(shown=[text])
            expect(problems, page.texts("h1") == [text], "the issue's name")
            expect(problems, page.texts("p", "lede") == [text], "its description")
            expect(problems, page.texts("span", "expert-chip-name") == [text], "the expert")
            expect(problems, card_titles(page) == [text], "the brief's card")
            page = Page(client.get(item.expert.get_absolute_url()))
            found[f"expert {item.marker}"] = problems = page.problems(shown=[text])
            expect(problems, page.texts("h1") == [text], "the expert's name")
            expect(problems, page.texts("p", "expert-title") == [text], "the expert's title")
            expect(problems, card_titles(page) == [text], "the brief's card")
            page = Page(client.get("/briefs/", {"issue": item.issue.slug}))
            found[f"filter {item.marker}"] = problems = page.problems(shown=[text])
            expect(problems, card_titles(page) == [text], "the brief's card")
        assert_no_problems(found)

    def test_lists_show_every_payload_as_text(self, client, planted):
        pages = {"/": Page(client.get("/")), "/issues/": Page(client.get("/issues/"))}
        for first in ("/briefs/", "/experts/"):
            number = 1
            while (response := client.get(first, {"page": number})).status_code == 200:
                pages[f"{first}?page={number}"] = Page(response)
                number += 1
        found = {url: page.problems() for url, page in pages.items()}
        everything = " ".join(page.text for page in pages.values())
        found["shown"] = [
            f"{item.marker} not shown as written"
            for item in planted
            if squashed(item.text) not in everything
        ]
        assert_no_problems(found)

    def test_search_finds_each_payload_and_shows_its_snippet_as_text(self, client, planted):
        found, snippets_with_payload = {}, 0
        for item in planted:
            page = Page(client.get("/search/", {"q": item.marker}))
            found[item.marker] = problems = page.problems()
            titles = card_titles(page)
            expect(problems, titles == [squashed(item.text)], f"found: {titles!r}")
            snippets = page.texts("p", "snippet")
            snippets_with_payload += any(item.marker in snippet for snippet in snippets)
        assert_no_problems(found)
        # The snippets do carry the payloads (from a section's heading, a link's title), as
        # text: the index reads "<" as a space, so nothing in it passes for markup.
        assert snippets_with_payload >= 10

    def test_search_shows_each_payload_typed_as_a_query_as_text(self, client, planted):
        found = {}
        for item in planted:
            page = Page(client.get("/search/", {"q": item.text}))
            found[item.marker] = problems = page.problems()
            query = clean_query(item.text)
            box = [attrs.get("value") for attrs in page.attributes("input")]
            expect(problems, box == [query], f"the search box: {box!r}")
            expect(problems, f"“{query}”" in page.text, "the query in the results' heading")
        assert_no_problems(found)

    def test_feeds_stay_inert_in_a_reader_that_renders_their_html(self, client, planted):
        """RSS leaves it to readers whether a title is text or HTML, and they render an
        item's description as HTML: read again as HTML, no text of a feed has any markup."""
        urls = ["/feeds/briefs/"]
        urls += [item.issue.get_absolute_url() + "feed/" for item in planted]
        urls += [item.expert.get_absolute_url() + "feed/" for item in planted]
        found = {url: feed_problems(client.get(url)) for url in urls}
        assert_no_problems(found)
        for item in planted:
            channel = ET.fromstring(client.get(item.issue.get_absolute_url() + "feed/").content)
            description = channel.find("channel/item/description").text
            # Shown as written by a reader that renders HTML.
            assert visible_text(description) == squashed(xml_characters(item.text))

    def test_sitemaps_list_only_addresses_of_the_site(self, client, planted):
        index = client.get("/sitemap.xml")
        assert index.status_code == 200
        sections = [loc.text for loc in ET.fromstring(index.content).iter(f"{SITEMAP}loc")]
        if ET.fromstring(index.content).tag == f"{SITEMAP}urlset":
            sections = ["http://testserver/sitemap.xml"]
        locations = []
        for section in sections:
            address = urlsplit(section)
            response = client.get(f"{address.path}?{address.query}")
            assert response.status_code == 200, section
            locations += [loc.text for loc in ET.fromstring(response.content).iter(f"{SITEMAP}loc")]
        assert len(locations) >= 3 * len(planted)
        for location in locations:
            address = urlsplit(location)
            assert (address.scheme, address.hostname) == ("http", "testserver"), location
            assert not set(location) & set("<>\"' \\"), location
        for item in planted:
            assert f"http://testserver{item.brief.get_absolute_url()}" in locations

    def test_admin_lists(self, staff, planted):
        shown = [item.text for item in planted]
        found = {
            url: Page(staff.get(url), public=False).problems(shown=shown)
            for url in ("/admin/briefs/brief/", "/admin/experts/expert/", "/admin/briefs/issue/")
        }
        assert_no_problems(found)

    def test_admin_revisions_and_comparisons(self, staff, planted):
        found = {}
        for item in planted:
            for url in (
                f"/admin/briefs/brief/{item.brief.pk}/revisions/",
                f"/admin/briefs/brief/{item.brief.pk}/revisions/compare/?from=1&to=2",
            ):
                found[url] = Page(staff.get(url), public=False).problems(shown=[item.text])
        assert_no_problems(found)

    def test_admin_brief_forms(self, staff, planted):
        """A brief's form costs ten times a public page to draw, and its fields are Django's
        own widgets: every fourth payload (each kind among them) and the template syntax."""
        found = {}
        for item in planted:
            if item.payload not in ADMIN_FORM_SAMPLE:
                continue
            page = Page(staff.get(f"/admin/briefs/brief/{item.brief.pk}/change/"), public=False)
            found[item.marker] = problems = page.problems()
            # The form gives the author's text back as written, to be saved again unchanged.
            for name, wanted in (
                ("title", item.text),
                ("latest_developments", f"Filed as {item.marker}.\n\n{item.text}"),
                ("quotes-0-text", item.text),
                ("sections-0-body", item.text),
            ):
                value = page.form_value(name)
                expect(problems, value == wanted, f"the form's {name}: {value!r}")
        assert_no_problems(found)

    def test_template_syntax_is_shown_as_written_and_never_evaluated(self, client, staff, planted):
        """No author's text is ever rendered as a template: it reads as typed, in the
        Markdown bodies too, and nothing of the request, the user or the settings leaks."""
        found = {}
        for item in planted:
            if item.payload not in TEMPLATE_SYNTAX:
                continue
            for reader, url in (
                (client, item.brief.get_absolute_url()),
                (staff, f"/admin/briefs/brief/{item.brief.pk}/preview/"),
            ):
                page = Page(reader.get(url))
                found[url] = problems = page.problems()
                body = page.texts("p")  # the rendered Markdown, a paragraph of its own
                expect(problems, squashed(item.text) in body, "the Markdown body as written")
                for leak in ("AnonymousUser", "corpus-editor", "csrfmiddlewaretoken", "wsgi."):
                    expect(problems, leak not in page.markup, f"{leak} on the page")
        assert_no_problems(found)


def xml_characters(text):
    """The text less what XML 1.0 cannot carry (control characters), as a feed gives it."""
    return "".join(char for char in text if char in "\t\n\r" or ord(char) >= 0x20)


def feed_problems(response):
    """What a feed reader that renders HTML would find in the feed's texts."""
    if response.status_code != 200:
        return [f"status {response.status_code}"]
    channel = ET.fromstring(response.content).find("channel")  # well-formed, whatever was typed
    texts = [("channel title", channel.findtext("title"))]
    texts.append(("channel description", channel.findtext("description")))
    problems = []
    for item in channel.iter("item"):
        texts += [("title", item.findtext("title")), ("description", item.findtext("description"))]
        texts += [("category", category.text) for category in item.findall("category")]
        link = urlsplit(item.findtext("link"))
        expect(problems, (link.scheme, link.hostname) == ("http", "testserver"), "an item's link")
    for name, value in texts:
        parser = _Elements()
        parser.feed(value or "")
        markup = [tag for tag, *_ in parser.found]
        if markup or unsafe_parts(value or ""):
            problems.append(f"the {name} {value!r} read as HTML has elements {markup}")
    return problems


# Related links: only http, https and mailto


ACCEPTED_ADDRESSES = [
    "https://example.org/analysis/1",
    "http://example.org/",
    "HTTPS://EXAMPLE.ORG/x",
    "mailto:press@example.org",
    "MAILTO:press@example.org",
]
REFUSED_ADDRESSES = [
    *(payload.text for payload in PAYLOADS if payload.kind == "address"),
    "ftp://example.org/file",
    "file:///etc/passwd",
    "//evil.example/x",
    "/briefs/elsewhere/",
    "example.org",
    "https://",
    "mailto:",
    "mailto:not an address",
    "mailto:a@example.org?body=<script>",
    "mailto:javascript:alert(1)",
]


@pytest.mark.parametrize("address", ACCEPTED_ADDRESSES)
def test_related_links_take_http_https_and_mailto_addresses(address):
    validate_outside_address(address)
    check_documents(document_with_link(address))


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_related_links_refuse_every_other_address_with_a_clear_error(address):
    with pytest.raises(ValidationError) as refused:
        validate_outside_address(address)
    assert refused.value.messages == ["Enter an http, https or mailto address."]
    with pytest.raises(DocumentError) as problems:
        check_documents(document_with_link(address))
    # One holding a control character ("\x01javascript:") is refused for that, before its scheme.
    refusal = str(problems.value)
    assert "is not an http, https or mailto address" in refusal or (
        "holds a control character" in refusal
    )


def document_with_link(address):
    FormatFactory()
    return {
        "title": "Linked",
        "format": "Flash Brief",
        "latest_developments": "Text.",
        "related": [{"title": "Elsewhere", "url": address}],
    }


def test_the_admin_saves_a_mailto_link_and_refuses_script_addresses(editor_client):
    brief = BriefFactory(status=Brief.Status.DRAFT, publish_at=None)
    url = f"/admin/briefs/brief/{brief.pk}/change/"

    def save_link(address):
        return submit(
            editor_client,
            url,
            **{
                "related_links-TOTAL_FORMS": "1",
                "related_links-0-title": "A link",
                "related_links-0-url": address,
            },
        )

    for address in ("javascript:alert(1)", "data:text/html,x", " vbscript:msgbox(1)"):
        response = save_link(address)
        assert response.status_code == 200, address
        assert "Enter an http, https or mailto address." in visible_text(response)
    assert not brief.related_links.exists()
    assert save_link("mailto:press@example.org").status_code == 302
    assert brief.related_links.get().url == "mailto:press@example.org"


def test_the_admin_refuses_a_nul_character_without_an_error_page(editor_client):
    """PostgreSQL cannot store NUL: the form refuses it, on every database."""
    brief = BriefFactory(status=Brief.Status.DRAFT, publish_at=None)
    response = submit(
        editor_client, f"/admin/briefs/brief/{brief.pk}/change/", title="<scr\x00ipt>"
    )
    assert response.status_code == 200
    assert "Null characters are not allowed." in visible_text(response)


def test_links_that_leave_the_site_open_without_reaching_back(client):
    """rel="noopener" on every link that leaves the site: related links and Markdown's."""
    brief = BriefFactory(latest_developments="See [the source](https://source.example/).")
    RelatedLink.objects.create(brief=brief, title="Elsewhere", url="https://other.example/")
    page = Page(client.get(brief.get_absolute_url()))
    leaving = [a["href"] for a in page.attributes("a") if ".example/" in a.get("href", "")]
    assert leaving == ["https://source.example/", "https://other.example/"]
    assert page.outside_links_without_noopener() == []
