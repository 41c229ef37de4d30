"""Bad requests: every public URL, with its parameters and slugs fuzzed, answers a page (200),
our "Page not found" (404) or, for more filter values than a list takes, our "Too many
filters" (400), never a server error; and the production error pages give nothing away.

Hypothesis draws each request's parameters (`page`, `issue`, `q`, the search facets, the
sitemap's `p`, strangers) and path parts (slugs, sections, preview tokens) from real values of
a small seeded site and from hostile ones: 10,000-character strings, emoji, right-to-left and
combining text, NUL and control characters, negative, fractional and 30-digit numbers, empty
and repeated parameters, broken percent-encoding, path traversal, SQL and full-text query
syntax. A failure is a response outside {200, 400, 404}, a 404 or 400 that is not our page, an
exception (the test client raises it), or a page that reflects a parameter as markup.

The runs are derandomized (the same examples on every machine, so a failure reproduces) and
keep no example database in the working tree.
"""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from urllib.parse import quote

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from briefs.public.previews import make_token, share_preview
from tests.factories import BriefFactory, ExpertQuoteFactory
from tests.pages import visible_text
from tests.security.payloads import unsafe_parts
from tests.security.urls_raising import EXCEPTION_MESSAGE

pytestmark = pytest.mark.django_db

EXAMPLES_PER_ROUTE = 100

# Values a reader, a crawler or an attacker might send, beyond what the strategies invent.
HOSTILE = [
    "", " ", "0", "00", "-1", "-0", "+1", "1.5", "1e3", "0x10", "١", "²", "NaN", "Infinity",
    "9" * 30, "-" + "9" * 30, "2147483648", "9223372036854775808", "1" * 9, "1" * 10,
    "\x00", "a\x00b", "1\x00", "\x1b[31m", "\r\nSet-Cookie: x=1", "\t",
    "../", "../../etc/passwd", "..\\..\\windows", "%2e%2e%2f", "/", "//", ".", "..",
    "' OR 1=1 --", '" OR ""="', "1; DROP TABLE briefs_brief", "') UNION SELECT NULL--",
    "a & | ! :*", "!!", "&", "|", ":*", "(", ")", "'", '"', "\"unclosed", "-", "--", "-word",
    "or", "OR OR OR", "NOT", "a AND", "NEAR(a b)", "title:x", "^x", "x*", "*", "<->", "a <2> b",
    "<script>alert(1)</script>", "\"><svg onload=alert(1)>", "javascript:alert(1)",
    "{{ 7*7 }}", "{% debug %}", "${7*7}", "%s%s%s%n",
    "\ue000", "\ue001", "\ufffd", "\ufeff", "\u202e\u202dx", "e\u0301\u0301\u0301",
    "👩\u200d👩\u200d👧\u200d👦", "العربية", "עברית", "中文", "ǅ", "ß", "İ",
    "x" * 10_000, "🙂" * 2_500, "a " * 5_000, "-" * 10_000,
]  # fmt: skip
UNKNOWN_PARAMETERS = ["utm_source", "x", "", "page[]", "Page", "q ", "p", "format", "expert"]
# Query strings no encoder would make.
RAW_QUERIES = [
    "page=%", "page=%zz", "q=%FF%FE", "issue=%C0%AF", "q=%00", "page=%00", "%=%", "&&&", "=",
    "page", "q", "q=a%2", "page=1&page=2", "issue=&issue=", "year=2025&year=x", "q=%E2%80",
    "q=" + "%41" * 3_000, "&".join(f"issue=i{n}" for n in range(50)), "a=b=c", ";page=2",
]  # fmt: skip

hostile_values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats().map(repr),
)

# Each public route: its path (with {placeholders} for path parts) and the parameters it
# reads. Every route also gets parameters it does not read.
ROUTES = {
    "home": ("/", []),
    "briefs": ("/briefs/", ["page", "issue"]),
    "brief": ("/briefs/{brief}/", []),
    "issues": ("/issues/", ["page"]),
    "issue": ("/issues/{issue}/", ["page"]),
    "issue feed": ("/issues/{issue}/feed/", []),
    "experts": ("/experts/", ["page"]),
    "expert": ("/experts/{expert}/", ["page"]),
    "expert feed": ("/experts/{expert}/feed/", []),
    "search": ("/search/", ["q", "page", "issue", "expert", "format", "year"]),
    "feed": ("/feeds/briefs/", []),
    "sitemap": ("/sitemap.xml", ["p"]),
    "sitemap section": ("/sitemap-{section}.xml", ["p"]),
    "robots": ("/robots.txt", []),
    "preview": ("/preview/{token}/", []),
}


@pytest.fixture
def site(db):
    """A small public site: real values for the fuzzer to mix with hostile ones."""
    brief = BriefFactory(
        title="Drones Over the Black Sea",
        issues=["Iran", "Russia"],
        publish_at=datetime(2025, 3, 1, 14, tzinfo=UTC),
    )
    ExpertQuoteFactory(brief=brief, expert__name="Jane Example", text="Drones, mostly.")
    link = share_preview(BriefFactory(title="A draft", status="draft", publish_at=None), None)
    token = make_token(link.pk)
    return {
        "brief": [brief.slug, "a-draft", "no-such-brief"],
        "issue": ["iran", "russia", "no-such-issue"],
        "expert": ["jane-example", "nobody"],
        "format": ["flash-brief", "memo"],
        "year": ["2025", "1999"],
        "page": ["1", "2"],
        "p": ["1", "2"],
        "q": ["drones", '"black sea"', "drones -russia", "drones or sea"],
        "section": ["briefs", "issues", "experts", "nothing"],
        "token": [token, token[:-1] + ("A" if token[-1] != "A" else "B"), f"{token}x"],
    }


def draw_value(data, real, name):
    """A value for `name`: mostly the site's real ones and hostile ones, half and half."""
    choices = real.get(name, [])
    if choices and data.draw(st.booleans(), label=f"{name} is real"):
        return data.draw(st.sampled_from(choices), label=name)
    return data.draw(hostile_values, label=name)


def draw_request(data, real, route):
    """A path with its parts filled in, and its query: pairs, or a raw string."""
    template, parameters = ROUTES[route]
    parts = {
        name: quote(draw_value(data, real, name), safe="")
        for name in ("brief", "issue", "expert", "section", "token")
        if f"{{{name}}}" in template
    }
    path = template.format(**parts)
    if data.draw(st.integers(0, 9), label="raw query") == 0:
        return path, data.draw(st.sampled_from(RAW_QUERIES), label="query")
    names = st.sampled_from(parameters + UNKNOWN_PARAMETERS)
    chosen = data.draw(st.lists(names, max_size=4), label="parameters")
    return path, [(name, draw_value(data, real, name)) for name in chosen]


def is_our_not_found_page(response):
    return "Page not found" in visible_text(response) and "Using the URLconf" not in str(
        response.content
    )


def is_our_too_many_filters_page(response):
    return visible_text(response).startswith("Too many filters")


def response_problems(response):
    if response.status_code not in {200, 400, 404}:
        return [f"status {response.status_code}"]
    if response.status_code == 404:
        return [] if is_our_not_found_page(response) else ["a 404 that is not our page"]
    if response.status_code == 400:
        return [] if is_our_too_many_filters_page(response) else ["a 400 that is not our page"]
    kind = response["Content-Type"]
    if kind.startswith("text/html"):
        return unsafe_parts(response.content)
    if kind.startswith(("application/rss+xml", "application/xml")):
        ET.fromstring(response.content)  # well-formed
    return []


@pytest.mark.parametrize("route", ROUTES)
def test_every_public_url_answers_a_page_or_not_found_whatever_its_parameters(client, site, route):
    examples = []

    @hypothesis_settings(
        max_examples=EXAMPLES_PER_ROUTE,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(data=st.data())
    def request_answers(data):
        path, query = draw_request(data, site, route)
        if isinstance(query, str):
            response = client.get(f"{path}?{query}")
        else:
            response = client.get(path, query)
        examples.append(path)
        assert response_problems(response) == [], (path, query)

    request_answers()
    assert len(examples) >= EXAMPLES_PER_ROUTE


def test_the_real_values_do_answer_pages(client, site):
    """The fuzzer's real values reach real pages (so its 404s are not all it sees)."""
    token = site["token"][0]
    for url in (
        f"/briefs/{site['brief'][0]}/",
        "/briefs/?issue=iran&issue=russia",
        "/issues/iran/?page=1",
        "/experts/jane-example/feed/",
        "/search/?q=drones&issue=iran&expert=jane-example&format=flash-brief&year=2025",
        "/sitemap-briefs.xml?p=1",
        f"/preview/{token}/",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response_problems(response) == [], url


# Production error pages


@pytest.fixture
def production(settings):
    settings.DEBUG = False
    return Client(raise_request_exception=False)


@pytest.mark.urls("tests.security.urls_raising")
def test_a_server_error_in_production_shows_our_page_and_nothing_else(production):
    response = production.get("/fail-on-purpose/")
    assert response.status_code == 500
    text = visible_text(response)
    assert text.startswith("Something went wrong")
    markup = response.content.decode()
    database = settings.DATABASES["default"]
    for secret in (
        EXCEPTION_MESSAGE,
        "RuntimeError",
        "Traceback",
        "failing_view",
        settings.SECRET_KEY,
        "SECRET_KEY",
        "DATABASES",
        str(database["NAME"]),
        database["ENGINE"],
        str(settings.BASE_DIR),
        "urls_raising",
    ):
        assert secret not in markup, secret


@pytest.mark.urls("tests.security.urls_raising")
def test_a_missing_page_in_production_lists_no_url_patterns(production):
    response = production.get("/no/such/page/")
    assert response.status_code == 404
    assert is_our_not_found_page(response)
    markup = response.content.decode()
    for revealing in ("URLconf", "admin/", "sitemap-", "fail-on-purpose", "urls_raising"):
        assert revealing not in markup, revealing


def test_a_missing_page_answers_404_for_a_guessed_preview(production, site):
    response = production.get(reverse("briefs:preview", args=[10**6]))
    assert response.status_code == 404
    assert is_our_not_found_page(response)
