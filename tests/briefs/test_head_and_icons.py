"""HEAD answers like GET on every public URL: crawlers, link checkers and uptime monitors ask
with HEAD, and a 405 reads to them as a broken page."""

import pytest

from tests.factories import BriefFactory, ExpertFactory, ExpertQuoteFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    brief = BriefFactory(title="Port Strikes Spread", issues=["Shipping"])
    ExpertQuoteFactory(brief=brief, expert=ExpertFactory(name="Ada Reyes"))
    return brief


PUBLIC_URLS = [
    "/",
    "/briefs/",
    "/briefs/?issue=shipping",
    "/briefs/port-strikes-spread/",
    "/issues/",
    "/issues/shipping/",
    "/experts/",
    "/experts/ada-reyes/",
    "/search/?q=strikes",
    "/feeds/briefs/",
    "/issues/shipping/feed/",
    "/experts/ada-reyes/feed/",
    "/sitemap.xml",
    "/sitemap-briefs.xml",
    "/robots.txt",
    "/subscribe/",
    "/api/v1/briefs/",
    "/api/v1/briefs/port-strikes-spread/",
    "/api/v1/issues/",
    "/api/v1/experts/ada-reyes/",
    "/api/v1/schema/",
    "/api/v1/docs/",
    "/briefs/no-such-brief/",
]


@pytest.mark.parametrize("path", PUBLIC_URLS)
def test_head_answers_like_get(client, site, path, settings):
    settings.BRIEFS_API_REQUESTS_PER_MINUTE = 0
    got, head = client.get(path), client.head(path)
    assert head.status_code == got.status_code, path
    assert head["Content-Type"] == got["Content-Type"], path
    assert head.content == b""


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/favicon.ico", "image/"),
        ("/apple-touch-icon.png", "image/png"),
        ("/icon.svg", "image/svg+xml"),
    ],
)
def test_the_site_has_its_icons(client, path, kind):
    for answer in (client.get(path), client.head(path)):
        assert answer.status_code == 200, path
        assert answer["Content-Type"].startswith(kind)
    page = client.get("/").content.decode()
    assert f'href="{path}"' in page
