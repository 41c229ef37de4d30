"""Feeds, sitemap and robots.txt carry exactly what the public may see, with true dates."""

import io
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from briefs.editorial import changes
from briefs.models import Brief
from briefs.public.sitemaps import BriefSitemap
from tests.factories import BriefFactory, ExpertFactory, ExpertQuoteFactory, FormatFactory
from tests.pages import elements

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def rss_items(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert (
        channel.findtext("title") and channel.findtext("link") and channel.findtext("description")
    )
    return {
        item.findtext("title"): {
            "link": item.findtext("link"),
            "date": parsedate_to_datetime(item.findtext("pubDate")),
            "categories": [c.text for c in item.findall("category")],
        }
        for item in channel.findall("item")
    }


@pytest.fixture
def mixed_briefs(now):
    expert = ExpertFactory(name="Jane Example")
    public = BriefFactory(
        title="Public", issues=["Iran", "Russia"], publish_at=now - timedelta(hours=5)
    )
    ExpertQuoteFactory(brief=public, expert=expert)
    for title, status, offset in (
        ("Draft", Brief.Status.DRAFT, -1),
        ("In review", Brief.Status.REVIEW, -1),
        ("Scheduled", Brief.Status.PUBLISHED, 1),
        ("Withdrawn", Brief.Status.WITHDRAWN, -1),
    ):
        hidden = BriefFactory(
            title=title, status=status, issues=["Iran"], publish_at=now + timedelta(days=offset)
        )
        ExpertQuoteFactory(brief=hidden, expert=expert)
    return public


@pytest.mark.parametrize(
    "url", ["/feeds/briefs/", "/issues/iran/feed/", "/experts/jane-example/feed/"]
)
def test_feeds_carry_only_public_briefs_with_their_publication_date(client, mixed_briefs, url):
    items = rss_items(client.get(url))
    assert list(items) == ["Public"]
    assert items["Public"]["date"] == mixed_briefs.publish_at.replace(microsecond=0)
    assert items["Public"]["link"] == "http://testserver/briefs/public/"
    assert items["Public"]["categories"] == ["Iran", "Russia"]


def test_scheduled_brief_enters_the_feeds_when_its_time_comes(
    client, mixed_briefs, now, time_machine
):
    time_machine.move_to(now + timedelta(days=2))
    for url in ("/feeds/briefs/", "/issues/iran/feed/", "/experts/jane-example/feed/"):
        assert list(rss_items(client.get(url))) == ["Scheduled", "Public"]


@pytest.mark.parametrize("url", ["/issues/nowhere/feed/", "/experts/nobody/feed/"])
def test_feed_of_an_unknown_issue_or_expert_is_404(client, url):
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("url", "feeds"),
    [
        ("/", ["/feeds/briefs/"]),
        ("/briefs/", ["/feeds/briefs/"]),
        ("/briefs/public/", ["/feeds/briefs/"]),
        ("/issues/", ["/feeds/briefs/"]),
        ("/issues/iran/", ["/issues/iran/feed/", "/feeds/briefs/"]),
        ("/experts/", ["/feeds/briefs/"]),
        ("/experts/jane-example/", ["/experts/jane-example/feed/", "/feeds/briefs/"]),
        ("/no-such-page/", ["/feeds/briefs/"]),
    ],
)
def test_every_page_links_its_feeds_for_autodiscovery(client, mixed_briefs, url, feeds):
    links = elements(client.get(url), "link")
    assert [link["href"] for link in links if link.get("type") == "application/rss+xml"] == feeds


def sitemap_urls(client):
    """Every URL the sitemap index leads to, with its lastmod, as a crawler reads them."""
    index = client.get("/sitemap.xml")
    assert index.status_code == 200
    urls = {}
    for page in ET.fromstring(index.content).findall(f"{SITEMAP}sitemap"):
        response = client.get(page.findtext(f"{SITEMAP}loc"))
        assert response.status_code == 200
        for url in ET.fromstring(response.content).findall(f"{SITEMAP}url"):
            assert url.findtext(f"{SITEMAP}loc") not in urls
            urls[url.findtext(f"{SITEMAP}loc")] = url.findtext(f"{SITEMAP}lastmod")
    return urls


def test_sitemap_lists_exactly_the_public_briefs_issues_and_experts(client, mixed_briefs):
    ExpertFactory(name="Never Quoted")
    urls = sitemap_urls(client)
    assert set(urls) == {
        "http://testserver/briefs/public/",
        "http://testserver/issues/iran/",
        "http://testserver/issues/russia/",
        "http://testserver/experts/jane-example/",
    }
    assert all(urls.values())
    # The date in the site's time zone, as the sitemap writes it (not UTC's, which differs
    # for a few hours each day).
    published_on = timezone.localdate(mixed_briefs.publish_at)
    assert urls["http://testserver/issues/iran/"] == published_on.isoformat()


def test_the_sitemap_index_pages_briefs_past_the_page_size(client, monkeypatch):
    monkeypatch.setattr(BriefSitemap, "limit", 2)
    briefs = [BriefFactory() for _ in range(5)]
    index = ET.fromstring(client.get("/sitemap.xml").content)
    pages = [page.findtext(f"{SITEMAP}loc") for page in index.findall(f"{SITEMAP}sitemap")]
    assert pages[:3] == [
        "http://testserver/sitemap-briefs.xml",
        "http://testserver/sitemap-briefs.xml?p=2",
        "http://testserver/sitemap-briefs.xml?p=3",
    ]
    assert set(sitemap_urls(client)) == {
        f"http://testserver{brief.get_absolute_url()}" for brief in briefs
    }
    assert client.get("/sitemap-briefs.xml?p=4").status_code == 404


def test_a_sitemap_page_holds_two_thousand_briefs_as_wordpress_sitemaps_do(client):
    """Small enough that a page made again after an edit, or fetched again by a crawler,
    costs little; a million briefs still take 500 pages of the 50,000 an index may list."""
    FormatFactory()
    call_command("generate_briefs", "--count", "2300", "--until", "2026-11-26",
                 stdout=io.StringIO())  # fmt: skip
    public = Brief.objects.published().count()
    assert public > 2000

    assert [len(page) for page in sitemap_pages(client)] == [2000, public - 2000]


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_the_admin(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines and "Disallow: /admin/" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_a_sitemap_page_dates_each_brief_in_the_site_time_zone_and_its_latest_change(
    client, time_machine
):
    """Each brief's date is the day, in the site's zone (New York), of its publication or its
    last edit, whichever is later; the page's Last-Modified is the latest of them, to the
    second, so a crawler's conditional request is answered 304 only when nothing changed."""
    time_machine.move_to(datetime(2026, 6, 1, 9, 0, 0, 400_000, tzinfo=UTC), tick=False)
    morning = BriefFactory(title="Morning", publish_at=datetime(2026, 6, 1, 8, 0, tzinfo=UTC))
    time_machine.move_to(datetime(2026, 6, 3, 2, 30, 45, 900_000, tzinfo=UTC), tick=False)
    late_evening = BriefFactory(
        title="Late Evening", publish_at=datetime(2026, 6, 2, 1, 15, tzinfo=UTC)
    )

    response = client.get("/sitemap-briefs.xml")

    assert response.status_code == 200
    dates = {
        url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod")
        for url in ET.fromstring(response.content).findall(f"{SITEMAP}url")
    }
    assert dates == {
        f"http://testserver{morning.get_absolute_url()}": "2026-06-01",
        # Last saved at 02:30 UTC on 3 June: 22:30 on 2 June in New York.
        f"http://testserver{late_evening.get_absolute_url()}": "2026-06-02",
    }
    assert response["Last-Modified"] == "Wed, 03 Jun 2026 02:30:45 GMT"


def test_sitemap_pages_hold_the_briefs_oldest_first_with_new_ones_joining_the_last(
    client, monkeypatch, now, editor
):
    monkeypatch.setattr(BriefSitemap, "limit", 2)
    briefs = [BriefFactory(publish_at=now - timedelta(days=10 - day)) for day in range(5)]
    assert sitemap_pages(client) == [
        [brief.get_absolute_url() for brief in briefs[:2]],
        [brief.get_absolute_url() for brief in briefs[2:4]],
        [briefs[4].get_absolute_url()],
    ]

    newest = BriefFactory(status=Brief.Status.REVIEW)
    changes.publish_now(newest, editor)
    pages = sitemap_pages(client)
    assert pages[-1] == [briefs[4].get_absolute_url(), newest.get_absolute_url()]

    changes.withdraw(briefs[0], editor, "Superseded.")
    assert sitemap_pages(client) == [
        [brief.get_absolute_url() for brief in briefs[1:3]],
        [brief.get_absolute_url() for brief in briefs[3:5]],
        [newest.get_absolute_url()],
    ]


def sitemap_pages(client):
    """The brief paths of each page of the briefs' sitemap, in the index's order."""
    index = ET.fromstring(client.get("/sitemap.xml").content)
    pages = []
    for page in index.findall(f"{SITEMAP}sitemap"):
        if "sitemap-briefs.xml" in page.findtext(f"{SITEMAP}loc"):
            response = client.get(page.findtext(f"{SITEMAP}loc"))
            urls = ET.fromstring(response.content).findall(f"{SITEMAP}url")
            pages.append(
                [url.findtext(f"{SITEMAP}loc").removeprefix("http://testserver") for url in urls]
            )
    return pages
