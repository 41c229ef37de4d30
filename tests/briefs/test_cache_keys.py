"""What a kept page is kept under (briefs.public.middleware): its scheme, host and path, and
only the query parameters the page reads. A page made for a forged `Host` is never served to
another host's readers, and query parameters a page does not read (`utm_*`, `fbclid`, a
parameter of another page) are served the page kept without them and add nothing to the
cache.
"""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import BriefFactory, ExpertQuoteFactory
from tests.pages import card_titles, visible_text

pytestmark = pytest.mark.django_db

FORGED_HOST = "example.org:6666"


@pytest.fixture(autouse=True)
def page_cache(settings):
    """The page cache on, in a local-memory cache of its own whose keys can be counted."""
    settings.BRIEFS_PAGE_CACHE = True
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "test-cache-keys",
        }
    }
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture
def site():
    brief = BriefFactory(title="Drones Over the Black Sea", issues=["Iran", "Russia"])
    ExpertQuoteFactory(brief=brief, expert__name="Jane Example", text="Drones, mostly.")
    BriefFactory(title="Drone Factories Expand", issues=["Iran"])
    return brief


def kept_pages():
    return sorted(key for key in caches["default"]._cache if "briefs:page:" in key)


def page(client, url, **headers):
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return response


PAGES_WITH_ADDRESSES = [
    "/",
    "/briefs/drones-over-the-black-sea/",
    "/feeds/briefs/",
    "/sitemap.xml",
    "/sitemap-briefs.xml",
    "/robots.txt",
]


@pytest.mark.parametrize("url", PAGES_WITH_ADDRESSES)
def test_a_forged_host_puts_none_of_its_urls_in_any_page(site, client, settings, url):
    """Absolute URLs come from the site's configured address (settings.SITE_URL), not from the
    request: the page made for a forged Host names the site, and so does what others get."""
    settings.ALLOWED_HOSTS = ["testserver", "example.org"]
    forged = page(client, url, HTTP_HOST=FORGED_HOST).content.decode()
    assert "example.org" not in forged
    assert "http://testserver/" in forged
    for _ in range(2):
        ours = page(client, url).content.decode()
        assert "example.org" not in ours
        assert "http://testserver/" in ours


def test_absolute_urls_name_the_configured_address(site, client, settings):
    settings.SITE_URL = "https://briefs.example.net"
    settings.ALLOWED_HOSTS = ["testserver", "briefs.example.net"]
    for url in PAGES_WITH_ADDRESSES:
        text = page(client, url).content.decode()
        assert "https://briefs.example.net/" in text, url
        assert "testserver" not in text, url


def test_a_host_not_allowed_is_refused_even_when_its_page_is_kept(site, client):
    page(client, "/")
    assert client.get("/", HTTP_HOST=FORGED_HOST).status_code == 400


JUNK = [
    "utm_source=newsletter",
    "utm_source=newsletter&utm_medium=email&utm_campaign=spring",
    "fbclid=IwAR0abcdefghijklmnop",
    "gclid=Cj0KCQjw",
    "ref=homepage&x=1",
    "=&&",
    *(f"utm_x={number}" for number in range(44)),
]


@pytest.mark.parametrize(
    "url",
    ["/", "/briefs/", "/briefs/drones-over-the-black-sea/", "/issues/iran/", "/search/?q=drones"],
)
def test_junk_query_strings_are_served_the_kept_page_and_add_no_entry(site, client, url):
    assert len(JUNK) == 50
    kept = page(client, url).content
    entries = kept_pages()
    assert len(entries) == 1
    joiner = "&" if "?" in url else "?"
    for junk in JUNK:
        assert page(client, f"{url}{joiner}{junk}").content == kept, junk
    assert kept_pages() == entries


def test_a_junk_query_string_is_answered_from_the_cache_with_one_query(site, client):
    page(client, "/briefs/")
    for number in range(10):
        with CaptureQueriesContext(connection) as queries:
            page(client, f"/briefs/?utm_source=feed&utm_content={number}")
        assert len(queries) == 1, [query["sql"] for query in queries]


@pytest.mark.parametrize(
    "url, parameters",
    [
        ("/", ["q", "page", "issue", "p"]),
        ("/issues/", ["page", "q"]),
        ("/briefs/drones-over-the-black-sea/", ["page", "issue", "q"]),
        ("/feeds/briefs/", ["page", "q"]),
        ("/sitemap.xml", ["p", "page"]),
    ],
)
def test_parameters_other_pages_read_are_junk_where_they_are_not_read(
    site, client, url, parameters
):
    kept = page(client, url).content
    entries = kept_pages()
    for name in parameters:
        for number in range(1, 11):
            assert page(client, f"{url}?{name}={number}").content == kept, (name, number)
    assert kept_pages() == entries


def test_junk_never_reaches_the_page(site, client):
    """The search page's facet links are built from the request's query: the junk is not in
    them, nor in what is kept for readers who never sent it."""
    sent = page(client, "/search/?q=drones&utm_source=tracker-7&expert=jane-example&fbclid=zz")
    text = sent.content.decode()
    assert "Jane Example" in visible_text(sent)
    assert "tracker-7" not in text and "utm_source" not in text and "fbclid" not in text
    assert "tracker-7" not in page(client, "/search/?q=drones").content.decode()


def test_parameters_a_page_reads_give_their_own_page(site, client, settings):
    settings.BRIEFS_PAGE_SIZE = 1
    first, second = page(client, "/briefs/"), page(client, "/briefs/?page=2")
    assert card_titles(first) != card_titles(second)
    assert page(client, "/briefs/?page=2&utm_source=x").content == second.content
    assert card_titles(page(client, "/search/?q=factories")) == ["Drone Factories Expand"]
    assert card_titles(page(client, "/search/?q=sea")) == ["Drones Over the Black Sea"]
    only_russia = page(client, "/briefs/?issue=russia&utm_medium=social")
    assert card_titles(only_russia) == ["Drones Over the Black Sea"]
    assert len(kept_pages()) == 5


def test_the_order_of_parameters_does_not_matter_and_the_order_of_values_does(site, client):
    by_query_first = page(client, "/search/?q=drones&issue=iran")
    assert page(client, "/search/?issue=iran&q=drones").content == by_query_first.content
    assert len(kept_pages()) == 1
    # A list filtered by several issues names them in the order given.
    assert "Briefs on Iran and Russia" in visible_text(
        page(client, "/briefs/?issue=iran&issue=russia")
    )
    assert "Briefs on Russia and Iran" in visible_text(
        page(client, "/briefs/?issue=russia&issue=iran")
    )
    assert len(kept_pages()) == 3
