"""Public pages kept whole are sent gzipped to whoever accepts it (browsers, crawlers, the edge
in front), compressed once when the page is made (briefs.public.middleware), and as they were
made to whoever does not. Pages that are someone's own, the admin's, are never compressed."""

import gzip
import hashlib

import pytest
from django.core.cache import cache

from briefs.public import freshness
from tests.factories import BriefFactory

pytestmark = pytest.mark.django_db

GZIP = {"Accept-Encoding": "gzip, deflate, br"}


@pytest.fixture
def kept_pages(settings):
    settings.BRIEFS_PAGE_CACHE = True
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def briefs():
    return [
        BriefFactory(title=f"Grain Corridor Talks, Round {number}", issues=["Trade"])
        for number in range(30)
    ]


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/briefs/",
        "/issues/trade/",
        "/feeds/briefs/",
        "/search/?q=grain",
        "/sitemap.xml",
        "/sitemap-briefs.xml",
        "/api/v1/briefs/",
    ],
)
def test_a_page_is_sent_gzipped_to_whoever_accepts_it_and_as_made_to_others(
    client, kept_pages, briefs, url
):
    first = client.get(url, headers=GZIP)  # made by this request
    plain = client.get(url)  # kept since
    again = client.get(url, headers=GZIP)
    assert plain.status_code == first.status_code == again.status_code == 200, url
    assert "Content-Encoding" not in plain
    for zipped in (first, again):
        assert zipped["Content-Encoding"] == "gzip"
        assert gzip.decompress(zipped.content) == plain.content
        assert int(zipped["Content-Length"]) == len(zipped.content) < len(plain.content)
    for response in (first, plain, again):
        assert "Accept-Encoding" in response["Vary"]


def test_a_sitemap_page_of_many_briefs_is_a_fraction_of_its_size_gzipped(
    client, kept_pages, briefs
):
    plain = client.get("/sitemap-briefs.xml")
    zipped = client.get("/sitemap-briefs.xml", headers=GZIP)
    assert plain.content.count(b"<url>") == 30
    assert len(zipped.content) < len(plain.content) / 4


def test_either_form_of_a_page_answers_a_conditional_request_until_the_page_changes(
    client, kept_pages, briefs
):
    plain = client.get("/briefs/")
    zipped = client.get("/briefs/", headers=GZIP)
    # The gzipped form's tag is weak, as Django's GZipMiddleware makes it: the same page.
    assert zipped["ETag"] == f"W/{plain['ETag']}"
    for etag in (plain["ETag"], zipped["ETag"]):
        for headers in ({}, GZIP):
            response = client.get("/briefs/", headers={**headers, "If-None-Match": etag})
            assert response.status_code == 304 and response.content == b""
    newest = briefs[-1]
    newest.title = "Grain Corridor Talks Collapse"
    newest.save()
    changed = client.get("/briefs/", headers={**GZIP, "If-None-Match": zipped["ETag"]})
    assert changed.status_code == 200
    assert "Grain Corridor Talks Collapse" in gzip.decompress(changed.content).decode()


def test_the_admin_is_never_compressed(client, kept_pages, briefs, editor_client):
    # Its pages hold a CSRF token beside what the editor typed: compressed, their length
    # would tell an attacker who can add text to them about the token (BREACH).
    response = editor_client.get("/admin/briefs/brief/", headers=GZIP)
    assert response.status_code == 200
    assert "Content-Encoding" not in response


def test_a_page_kept_by_the_release_before_the_gzipped_form_is_not_read(client, kept_pages, briefs):
    # As that release kept /briefs/ (five fields, under its address alone), for the content
    # as it stands: the shared cache outlives a deployment.
    address = hashlib.sha256(b"http://testserver/briefs/").hexdigest()[:32]
    before = (freshness.content_token(), None, 200, [("Content-Type", "text/html")], b"Old")
    cache.set(f"briefs:page:{address}", before)
    for headers in ({}, GZIP):
        response = client.get("/briefs/", headers=headers)
        assert response.status_code == 200
        assert b"Grain Corridor Talks" in (
            gzip.decompress(response.content) if headers else response.content
        )
