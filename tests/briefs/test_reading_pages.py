"""The reading site's pages: what a reader, a link preview and a search engine see."""

import json
from datetime import timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from briefs.models import Brief, Issue
from tests.factories import (
    BriefFactory,
    ExpertFactory,
    ExpertQuoteFactory,
    IssueFactory,
    RelatedLinkFactory,
)
from tests.images import run_image_tasks
from tests.pages import elements, form_fields, parse, visible_text

pytestmark = pytest.mark.django_db


def meta(response):
    tags = {}
    for attrs in elements(response, "meta"):
        key = attrs.get("property") or attrs.get("name")
        if key:
            tags[key] = attrs.get("content")
    return tags


def png(width=2000, height=1200):
    output = BytesIO()
    Image.new("RGB", (width, height), "#345").save(output, "PNG")
    return SimpleUploadedFile("lead.png", output.getvalue())


def test_more_on_lists_other_public_briefs_sharing_issues(client, now):
    brief = BriefFactory(title="This one", issues=["Iran", "Russia"])
    BriefFactory(title="Shares both", issues=["Iran", "Russia"], publish_at=now - timedelta(days=9))
    BriefFactory(title="Shares one", issues=["Russia"], publish_at=now - timedelta(days=2))
    BriefFactory(title="Shares none", issues=["China"])
    BriefFactory(title="Draft sharing", issues=["Iran"], status=Brief.Status.DRAFT)
    text = visible_text(client.get(brief.get_absolute_url()))
    more_on = text[text.index("More on Iran and Russia") :]
    # Newest first, as everywhere on the site.
    assert more_on.index("Shares one") < more_on.index("Shares both")
    assert (
        "Shares none" not in more_on
        and "Draft sharing" not in more_on
        and "This one" not in more_on
    )


def test_more_on_keeps_the_briefs_with_most_issues_in_common(client, now):
    brief = BriefFactory(title="This one", issues=["Iran", "Russia"])
    for number in range(4):
        BriefFactory(
            title=f"Both {number}",
            issues=["Iran", "Russia"],
            publish_at=now - timedelta(days=10 + number),
        )
    BriefFactory(title="Newer but one", issues=["Iran"], publish_at=now - timedelta(hours=1))
    more_on = visible_text(client.get(brief.get_absolute_url())).split("More on Iran and Russia")[1]
    assert "Newer but one" not in more_on
    positions = [more_on.index(f"Both {number}") for number in range(4)]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("issues", "heading"),
    [
        (["Iran"], "More on Iran"),
        (["Iran", "Russia"], "More on Iran and Russia"),
        (["Iran", "Russia", "Ukraine", "Energy", "Sanctions"], "More on Energy and 4 other issues"),
    ],
)
def test_more_on_headings_stay_short(client, issues, heading):
    brief = BriefFactory(title="Many Issues", issues=issues)
    BriefFactory(title="Other", issues=issues)
    assert heading in visible_text(client.get(brief.get_absolute_url()))


def test_lead_image_is_served_in_responsive_webp_and_jpeg_renditions(
    client, editor_client, media_root
):
    brief = BriefFactory(status=Brief.Status.DRAFT, title="Pictured")
    url = f"/admin/briefs/brief/{brief.pk}/change/"
    data = form_fields(editor_client.get(url), "brief_form")
    data.update(
        lead_image_alt=["Ships at anchor"],
        lead_image_caption=["A harbour."],
        lead_image_credit=["Photo: Us"],
    )
    data["status"] = ["published"]
    assert editor_client.post(url, {**data, "lead_image": png()}).status_code == 302
    run_image_tasks()

    response = client.get(brief.get_absolute_url())
    sources = elements(response, "source")
    image = next(img for img in elements(response, "img") if img.get("alt") == "Ships at anchor")
    assert sources[0]["type"] == "image/webp"
    assert [part.split()[-1] for part in sources[0]["srcset"].split(", ")] == [
        "480w",
        "800w",
        "1200w",
        "1600w",
    ]
    assert image["srcset"].count(".jpeg") == 4 and image["src"].endswith("-800.jpeg")
    assert (image["width"], image["height"]) == ("800", "480")
    assert "A harbour. Photo: Us" in visible_text(response)

    files = {path.name for path in (media_root / "briefs" / "renditions").iterdir()}
    assert len(files) == 10
    client.get(brief.get_absolute_url())
    brief.refresh_from_db()
    brief.title = "Pictured again"
    brief.save()
    run_image_tasks()
    assert {path.name for path in (media_root / "briefs" / "renditions").iterdir()} == files

    listing = client.get("/briefs/")
    thumbnail = [img for img in elements(listing, "img") if img["src"].endswith("-thumbnail.jpeg")]
    assert thumbnail and thumbnail[0]["alt"] == "" and thumbnail[0]["width"] == "360"


def test_lead_image_needs_alt_text(editor_client):
    brief = BriefFactory(status=Brief.Status.DRAFT)
    url = f"/admin/briefs/brief/{brief.pk}/change/"
    data = form_fields(editor_client.get(url), "brief_form")
    response = editor_client.post(url, {**data, "lead_image": png(), "lead_image_alt": ""})
    assert response.status_code == 200
    assert "Describe the image for readers who cannot see it." in visible_text(response)
    brief.refresh_from_db()
    assert not brief.lead_image


def test_brief_page_has_title_description_canonical_and_preview_tags(client):
    brief = BriefFactory(
        title="Drones and Deals", summary="Tehran and Moscow draw closer.", issues=["Iran"]
    )
    response = client.get(f"{brief.get_absolute_url()}?utm_source=newsletter")
    tags = meta(response)
    assert (
        parse(response).text
        and "<title>Drones and Deals · Meridian Briefs</title>" in response.content.decode()
    )
    assert tags["description"] == "Tehran and Moscow draw closer."
    assert tags["og:title"] == "Drones and Deals" and tags["og:type"] == "article"
    assert tags["og:url"] == "http://testserver/briefs/drones-and-deals/"
    assert (
        tags["twitter:card"] == "summary"
        and tags["twitter:description"] == "Tehran and Moscow draw closer."
    )
    canonical = [
        link["href"] for link in elements(response, "link") if link.get("rel") == "canonical"
    ]
    assert canonical == ["http://testserver/briefs/drones-and-deals/"]


def test_brief_page_carries_news_article_json_ld(client):
    brief = BriefFactory(
        title="Drones </script><script>alert(1)</script>", issues=["Iran", "Russia"]
    )
    ExpertQuoteFactory(brief=brief, expert__name="Jane Example")
    html = client.get(brief.get_absolute_url()).content.decode()
    start = html.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    data = json.loads(html[start : html.index("</script>", start)])
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == brief.title
    assert data["datePublished"] == brief.publish_at.isoformat()
    assert data["keywords"] == ["Iran", "Russia"]
    assert data["author"] == [
        {
            "@type": "Person",
            "name": "Jane Example",
            "url": "http://testserver/experts/jane-example/",
        }
    ]


def test_issues_index_counts_public_briefs_only(client, now):
    BriefFactory(issues=["Iran"])
    BriefFactory(issues=["Iran", "Russia"])
    BriefFactory(issues=["Iran"], status=Brief.Status.DRAFT)
    BriefFactory(issues=["Russia"], publish_at=now + timedelta(hours=1))
    text = visible_text(client.get("/issues/"))
    assert "Iran 2 briefs" in text and "Russia 1 brief" in text


def test_issue_lists_are_in_alphabetical_order(client):
    for name in ("Ukraine", "Arctic", "Iran", "China"):
        BriefFactory(issues=[name])
    for url, after in (("/issues/", "Every policy issue"), ("/", "Browse by issue")):
        text = visible_text(client.get(url))
        text = text[text.index(after) :]
        positions = [text.index(name) for name in ("Arctic", "China", "Iran", "Ukraine")]
        assert positions == sorted(positions), url


def test_issue_page_has_description_briefs_top_experts_and_feed(client):
    issue = IssueFactory(name="Iran", description="Tehran's policies.")
    often, once = ExpertFactory(name="Often Quoted"), ExpertFactory(name="Once Quoted")
    for _ in range(2):
        ExpertQuoteFactory(expert=often, brief=BriefFactory(issues=[issue]))
    ExpertQuoteFactory(expert=once, brief=BriefFactory(issues=[issue]))
    ExpertQuoteFactory(expert=once, brief=BriefFactory(issues=["Russia"]))
    ExpertQuoteFactory(
        expert=ExpertFactory(name="Draft Only"), brief=BriefFactory(issues=[issue], status="draft")
    )

    response = client.get("/issues/iran/")
    text = visible_text(response)
    assert "Tehran's policies." in text
    experts = text[text.index("Most quoted on Iran") :]
    assert (
        experts.index("Often Quoted") < experts.index("Once Quoted") and "Draft Only" not in experts
    )
    assert "/issues/iran/feed/" in [a["href"] for a in elements(response, "a")]


def test_experts_index_lists_quoted_experts(client):
    ExpertQuoteFactory(expert=ExpertFactory(name="Jane Example", title="Fellow"))
    ExpertFactory(name="Never Quoted")
    ExpertQuoteFactory(
        expert=ExpertFactory(name="Only In Drafts"), brief=BriefFactory(status="draft")
    )
    text = visible_text(client.get("/experts/"))
    assert "Jane Example Fellow Quoted in 1 brief" in text
    assert "Never Quoted" not in text and "Only In Drafts" not in text


def test_expert_page_is_paginated_and_links_its_feed(client, settings, now):
    settings.BRIEFS_PAGE_SIZE = 2
    expert = ExpertFactory(name="Jane Example")
    for day in range(3):
        ExpertQuoteFactory(
            expert=expert,
            brief=BriefFactory(title=f"Day {day}", publish_at=now - timedelta(days=day)),
        )
    first, second = (
        client.get("/experts/jane-example/"),
        client.get("/experts/jane-example/?page=2"),
    )
    assert "Day 0" in visible_text(first) and "Day 2" not in visible_text(first)
    assert "Day 2" in visible_text(second)
    assert client.get("/experts/jane-example/?page=3").status_code == 404
    assert "/experts/jane-example/feed/" in [a["href"] for a in elements(first, "a")]


def test_expert_only_quoted_in_unpublished_briefs_has_no_page(client):
    ExpertQuoteFactory(
        expert=ExpertFactory(name="Embargoed Source"), brief=BriefFactory(status="review")
    )
    assert client.get("/experts/embargoed-source/").status_code == 404


def test_pages_link_the_stylesheet_with_print_rules(client):
    brief = BriefFactory()
    links = elements(client.get(brief.get_absolute_url()), "link")
    assert "/static/css/site.css" in [
        link["href"] for link in links if link.get("rel") == "stylesheet"
    ]
    css = Path(finders.find("css/site.css")).read_text(encoding="utf-8")
    print_rules = css[css.index("@media print") :]
    for hidden in (".site-header", ".site-footer", ".more-on"):
        assert hidden in print_rules


def fill_archive(count):
    """`count` public briefs filed under Iran, each with a quote, a link and another issue."""
    experts = [ExpertFactory() for _ in range(3)]
    iran, _ = Issue.objects.get_or_create(name="Iran")
    for index in range(count):
        brief = BriefFactory(issues=[iran, f"Extra {index % 5}"])
        ExpertQuoteFactory(brief=brief, expert=experts[index % 3])
        RelatedLinkFactory(brief=brief)
    return experts[0]


def queries_to_get(client, address):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200, address
    return len(queries)


PAGES = [
    "/",
    "/briefs/",
    "/briefs/?page=2",
    "/briefs/?issue=iran&issue=extra-1",
    "/briefs/{brief}/",
    "/issues/",
    "/issues/iran/",
    "/experts/",
    "/experts/{expert}/",
    "/feeds/briefs/",
    "/issues/iran/feed/",
    "/experts/{expert}/feed/",
    "/sitemap.xml",
    "/sitemap-briefs.xml",
    "/search/?q=number",
]


@pytest.mark.parametrize("url", PAGES)
def test_every_public_page_runs_a_fixed_number_of_queries(client, settings, url):
    """With the page cache off. The first request after a change works out what lists share
    (counts, the briefs on each page; briefs.public.listings), the next ones find it: both run a
    fixed number of queries, at most 8, whatever the page shows."""
    settings.BRIEFS_PAGE_SIZE = 10
    settings.BRIEFS_PAGE_CACHE = False
    counted = []
    for count in (25, 50):
        expert = fill_archive(count - 25 if count == 50 else count)
        brief = Brief.objects.published().first()
        address = url.format(expert=expert.slug, brief=brief.slug)
        counted.append((queries_to_get(client, address), queries_to_get(client, address)))
    (cold, warm), again = counted
    assert again == (cold, warm), f"{url}: {counted}"
    assert warm <= cold <= 8, f"{url}: {counted}"
    expected = EXPECTED_WARM_QUERIES[url]
    if isinstance(expected, dict):
        expected = expected[connection.vendor]
    assert warm == expected, f"{url}: {counted}"


# The page's own queries once the shared lists are known, plus one for the content's version.
# A list's cards are kept with its lists (briefs.public.cards), a brief's page its parts, and
# a feed its items, the sitemap its pages: each reads only the version.
EXPECTED_WARM_QUERIES = {
    "/": 1,
    "/briefs/": 1,
    "/briefs/?page=2": 1,
    "/briefs/?issue=iran&issue=extra-1": 1,
    "/briefs/{brief}/": 1,
    "/issues/": 1,
    "/issues/iran/": 1,
    "/experts/": 1,
    "/experts/{expert}/": 3,
    "/feeds/briefs/": 1,
    "/issues/iran/feed/": 1,
    "/experts/{expert}/feed/": 1,
    "/sitemap.xml": 1,
    "/sitemap-briefs.xml": 1,
    # Searched afresh: the matches counted with their facets and the names of what they
    # count, the page's hits; on PostgreSQL also a sample bucket's count and the ranking of
    # the candidates (briefs.public.search), which SQLite ranks with the page.
    "/search/?q=number": {"sqlite": 3, "postgresql": 5},
}


@pytest.mark.parametrize("url", PAGES)
def test_a_kept_page_costs_one_query(client, settings, url):
    settings.BRIEFS_PAGE_SIZE = 2
    expert = fill_archive(5)
    brief = Brief.objects.published().first()
    address = url.format(expert=expert.slug, brief=brief.slug)
    queries_to_get(client, address)
    assert queries_to_get(client, address) == 1


def test_an_expert_without_a_photo_is_shown_with_their_initials(client):
    brief = BriefFactory(title="Initials Brief")
    ExpertQuoteFactory(brief=brief, expert=ExpertFactory(name="Ada Lane Reyes"))
    for path in ("/briefs/initials-brief/", "/experts/", "/experts/ada-lane-reyes/"):
        page = client.get(path).content.decode()
        assert 'aria-hidden="true">AR</span>' in page, path


def test_a_brief_s_issues_are_shown_by_name_on_its_page_and_its_card(client):
    IssueFactory(name="Ukraine")
    BriefFactory(title="Ordered Issues", issues=["Ukraine", "Energy", "Iran"])
    for path in ("/briefs/ordered-issues/", "/briefs/"):
        text = visible_text(client.get(path))
        assert text.index("Energy") < text.index("Iran") < text.index("Ukraine"), path
    # The brief page's subscribe box offers them in the same order.
    box = visible_text(client.get("/briefs/ordered-issues/")).split("Send me")[1]
    assert box.index("Energy") < box.index("Iran") < box.index("Ukraine")


def test_a_brief_can_be_shared_by_plain_links(client):
    BriefFactory(title="Oil & Ships")
    page = client.get("/briefs/oil-ships/")
    hrefs = [
        a["href"]
        for a in elements(page, "a")
        if "share" in a["href"] or "mailto" in a["href"] or "intent" in a["href"]
    ]
    address = "http%3A%2F%2Ftestserver%2Fbriefs%2Foil-ships%2F"
    assert hrefs == [
        f"mailto:?subject=Oil%20%26%20Ships&body={address}",
        f"https://x.com/intent/post?text=Oil%20%26%20Ships&url={address}",
        f"https://www.linkedin.com/sharing/share-offsite/?url={address}",
    ]
    assert "Share Email X LinkedIn Link to copy" in visible_text(page)
    # The link to copy: the address in a field, selected and copied without a script.
    [field] = [i for i in elements(page, "input") if i.get("id") == "share-address"]
    assert field["value"] == "http://testserver/briefs/oil-ships/" and "readonly" in field
