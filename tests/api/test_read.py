"""The read API at /api/v1/: public briefs, issues and experts as JSON, under the one
publication rule, with cursor pages, ETags and the site's search."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from briefs.editorial import changes
from briefs.interchange.documents import import_documents
from briefs.models import Brief
from tests.api.conftest import results, slugs
from tests.factories import (
    BriefFactory,
    BriefSectionFactory,
    ExpertFactory,
    ExpertQuoteFactory,
    IssueFactory,
    RelatedLinkFactory,
)
from tests.seed import seed_document
from tests.workers import missing

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


def test_the_seed_brief_comes_out_whole(client):
    document = seed_document()
    import_documents({**document, "status": "published"})
    slug = Brief.objects.get().slug
    brief = client.get(f"/api/v1/briefs/{slug}/").json()
    for key in ("title", "format", "latest_developments", "issues"):
        assert brief[key] == document[key]
    assert [(q["expert"], q["expert_title"], q["text"]) for q in brief["quotes"]] == [
        (q["expert"], q["expert_title"], q["text"]) for q in document["quotes"]
    ]
    assert [(s["heading"], s["body"]) for s in brief["sections"]] == [
        (s["heading"], s["body"]) for s in document["sections"]
    ]
    assert [(r["title"], r["byline"]) for r in brief["related"]] == [
        (r["title"], r["byline"]) for r in document["related"]
    ]
    assert brief["publish_at"] == "2023-08-03T09:00:00-04:00"
    assert brief["url"] == f"http://testserver/briefs/{slug}/"
    assert brief["api_url"] == f"http://testserver/api/v1/briefs/{slug}/"
    assert brief["latest_developments_html"].startswith("<p>")
    assert all(quote["text_html"].startswith("<p>") for quote in brief["quotes"])
    assert all(section["body_html"].startswith("<p>") for section in brief["sections"])


def test_a_brief_gives_each_part_as_html_and_links_only_to_public_briefs(client, now):
    brief = BriefFactory(title="Sanctions Widen", latest_developments="It *widened*.")
    ExpertQuoteFactory(brief=brief, text="A **bold** claim.", expert__name="Ada Lane")
    BriefSectionFactory(
        brief=brief, heading="Background", body="Some [history](https://example.org/h)."
    )
    RelatedLinkFactory(brief=brief, title="Outside reading", url="https://example.org/x")
    public_target = BriefFactory(title="Earlier Brief")
    RelatedLinkFactory(brief=brief, title="Ours", url="", target=public_target)
    draft = BriefFactory(title="Secret Draft", status=Brief.Status.DRAFT)
    RelatedLinkFactory(brief=brief, title="Not yet", url="", target=draft)

    data = client.get("/api/v1/briefs/sanctions-widen/").json()

    assert data["latest_developments"] == "It *widened*."
    assert data["latest_developments_html"] == "<p>It <em>widened</em>.</p>"
    assert data["quotes"][0]["text_html"] == "<p>A <strong>bold</strong> claim.</p>"
    assert data["quotes"][0]["expert_url"] == "http://testserver/experts/ada-lane/"
    assert "https://example.org/h" in data["sections"][0]["body_html"]
    assert [link["title"] for link in data["related"]] == ["Outside reading", "Ours"]
    assert data["related"][1] == {
        "title": "Ours",
        "byline": "by Someone",
        "brief": "earlier-brief",
        "href": "http://testserver/briefs/earlier-brief/",
    }
    assert "Secret Draft" not in str(data)


def test_briefs_come_newest_first_a_cursor_page_at_a_time(client, now):
    for days in range(5):
        BriefFactory(title=f"Day {days}", publish_at=now - timedelta(days=days + 1))
    first = client.get("/api/v1/briefs/?page_size=2").json()
    assert [b["slug"] for b in first["results"]] == ["day-0", "day-1"]
    assert first["previous"] is None
    # A brief published while a client walks the list moves nothing under its cursor.
    BriefFactory(title="Breaking", publish_at=now - timedelta(minutes=1))
    second = client.get(first["next"]).json()
    assert [b["slug"] for b in second["results"]] == ["day-2", "day-3"]
    third = client.get(second["next"]).json()
    assert [b["slug"] for b in third["results"]] == ["day-4"]
    assert third["next"] is None
    assert first["next"].startswith("http://testserver/api/v1/briefs/?cursor=")


def test_a_list_item_is_the_short_form_of_a_brief(client, now):
    BriefFactory(title="Short Form", summary="In brief.", issues=["Iran", "Russia"])
    (item,) = results(client.get("/api/v1/briefs/"))
    assert item == {
        "title": "Short Form",
        "slug": "short-form",
        "format": "Flash Brief",
        "status": "published",
        "publish_at": item["publish_at"],
        "updated_at": item["updated_at"],
        "summary": "In brief.",
        "issues": ["Iran", "Russia"],
        "url": "http://testserver/briefs/short-form/",
        "api_url": "http://testserver/api/v1/briefs/short-form/",
    }


def test_issue_filters_narrow_to_briefs_under_all_of_them(client):
    BriefFactory(title="Both", issues=["Iran", "Russia"])
    BriefFactory(title="Only Iran", issues=["Iran"])
    assert sorted(slugs(client.get("/api/v1/briefs/?issue=iran"))) == ["both", "only-iran"]
    assert slugs(client.get("/api/v1/briefs/?issue=iran&issue=russia")) == ["both"]


def test_filters_that_name_nothing_or_too_much_are_refused_in_words(client):
    BriefFactory(issues=["Iran"])
    IssueFactory(name="Unused")
    missing = client.get("/api/v1/briefs/?issue=atlantis")
    assert missing.status_code == 404
    assert "No issue with that slug" in missing.json()["detail"]
    # An issue with no public brief is as unknown as one that does not exist.
    assert client.get("/api/v1/briefs/?issue=unused").status_code == 404
    too_many = client.get("/api/v1/briefs/?" + "&".join(f"issue=i{n}" for n in range(6)))
    assert too_many.status_code == 400
    assert "choose at most 5 issues" in too_many.json()["detail"]
    bad_time = client.get("/api/v1/briefs/?updated_since=yesterday")
    assert bad_time.status_code == 400
    assert "is not an ISO 8601 date and time" in bad_time.json()["detail"]
    assert client.get("/api/v1/briefs/?cursor=garbage").status_code == 404
    assert client.get("/api/v1/briefs/no-such-brief/").json() == {
        "detail": "No public brief has the slug 'no-such-brief'."
    }


def test_expert_and_search_filters(client):
    quoted = BriefFactory(title="Drones Over Kyiv")
    ExpertQuoteFactory(brief=quoted, expert=ExpertFactory(name="John Hardie"))
    BriefFactory(title="Oil Markets Calm")
    assert slugs(client.get("/api/v1/briefs/?expert=john-hardie")) == ["drones-over-kyiv"]
    assert slugs(client.get("/api/v1/briefs/?q=drones")) == ["drones-over-kyiv"]
    assert slugs(client.get("/api/v1/briefs/?q=oil%20-drones")) == ["oil-markets-calm"]
    assert client.get("/api/v1/briefs/?expert=nobody").status_code == 404


def test_updated_since_finds_briefs_edited_or_made_public_since(client, clock, editor):
    old = BriefFactory(title="Old", publish_at=NOW - timedelta(days=30))
    BriefFactory(title="Untouched", publish_at=NOW - timedelta(days=20))
    scheduled = BriefFactory(title="Scheduled", publish_at=NOW + timedelta(hours=1))
    clock.move_to(NOW + timedelta(minutes=30), tick=False)
    old.summary = "Corrected."
    with changes.operation(editor):
        old.save()
    since = "/api/v1/briefs/?updated_since=2026-06-01T08:10:00-04:00"
    assert slugs(client.get(since)) == ["old"]
    clock.move_to(scheduled.publish_at, tick=False)
    assert slugs(client.get(since)) == ["scheduled", "old"]


def test_the_publication_rule_holds_on_every_endpoint(client, clock):
    expert = ExpertFactory(name="Dana Reyes")
    issue_name = "Arctic"
    scheduled = BriefFactory(
        title="Ice Talks", publish_at=NOW + timedelta(hours=2), issues=[issue_name]
    )
    ExpertQuoteFactory(brief=scheduled, expert=expert, text="Cold words.")
    draft = BriefFactory(title="Draft Talks", status=Brief.Status.DRAFT, issues=[issue_name])
    ExpertQuoteFactory(brief=draft, expert=expert)

    def everything():
        return [
            client.get("/api/v1/briefs/").content,
            client.get("/api/v1/briefs/?q=talks").content,
            client.get("/api/v1/issues/").content,
            client.get("/api/v1/experts/").content,
        ]

    def reachable():
        return [
            client.get(path).status_code
            for path in (
                "/api/v1/briefs/ice-talks/",
                "/api/v1/issues/arctic/",
                "/api/v1/experts/dana-reyes/",
                "/api/v1/briefs/?issue=arctic",
                "/api/v1/briefs/?expert=dana-reyes",
            )
        ]

    clock.move_to(scheduled.publish_at - timedelta(seconds=1), tick=False)
    assert not any(
        b"Talks" in body or b"Arctic" in body or b"Dana" in body for body in everything()
    )
    assert reachable() == [404] * 5

    clock.move_to(scheduled.publish_at, tick=False)
    briefs, found, issues, experts = (client.get(p).json() for p in (
        "/api/v1/briefs/", "/api/v1/briefs/?q=talks", "/api/v1/issues/", "/api/v1/experts/"
    ))  # fmt: skip
    assert [b["slug"] for b in briefs["results"]] == ["ice-talks"]
    assert [b["slug"] for b in found["results"]] == ["ice-talks"]
    assert [(i["slug"], i["brief_count"]) for i in issues["results"]] == [("arctic", 1)]
    assert [(e["slug"], e["quote_count"]) for e in experts["results"]] == [("dana-reyes", 1)]
    assert reachable() == [200] * 5
    quotes = client.get("/api/v1/experts/dana-reyes/").json()["quotes"]["results"]
    assert [q["text"] for q in quotes] == ["Cold words."]
    assert b"Draft" not in b"".join(everything())
    assert client.get(f"/api/v1/briefs/{draft.slug}/").status_code == 404


def test_issues_and_experts(client, now):
    BriefFactory(issues=["Iran"], publish_at=now - timedelta(days=2))
    newest = BriefFactory(issues=["Iran", "Russia"])
    ExpertQuoteFactory(
        brief=newest, expert=ExpertFactory(name="Ada Lane", title="Fellow", bio="Writes *much*.")
    )
    issues = results(client.get("/api/v1/issues/"))
    assert [(i["name"], i["brief_count"]) for i in issues] == [("Iran", 2), ("Russia", 1)]
    assert issues[0]["briefs_api_url"] == "http://testserver/api/v1/briefs/?issue=iran"
    assert client.get("/api/v1/issues/russia/").json()["url"] == "http://testserver/issues/russia/"
    expert = client.get("/api/v1/experts/ada-lane/").json()
    assert (expert["name"], expert["title"], expert["quote_count"]) == ("Ada Lane", "Fellow", 1)
    assert expert["bio_html"] == "<p>Writes <em>much</em>.</p>"
    assert expert["quotes"]["results"][0]["brief"]["slug"] == newest.slug


def test_answers_carry_an_etag_and_a_304_until_the_content_changes(client, editor):
    brief = BriefFactory(title="Tagged")
    first = client.get("/api/v1/briefs/tagged/")
    etag = first["ETag"]
    assert first["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert client.get("/api/v1/briefs/tagged/", HTTP_IF_NONE_MATCH=etag).status_code == 304
    brief.title = "Tagged Again"
    with changes.operation(editor):
        brief.save()
    again = client.get("/api/v1/briefs/tagged/", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again.json()["title"] == "Tagged Again"


def test_any_origin_may_read_and_no_browser_may_write(client):
    BriefFactory()
    answer = client.get("/api/v1/briefs/", HTTP_ORIGIN="https://partner.example")
    assert answer["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/v1/briefs/",
        HTTP_ORIGIN="https://partner.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert preflight.status_code == 200
    assert "POST" not in preflight["Access-Control-Allow-Methods"]


def test_each_address_has_its_allowance_of_requests(client, settings, clock):
    settings.BRIEFS_API_REQUESTS_PER_MINUTE = 3
    BriefFactory()
    assert [client.get("/api/v1/briefs/").status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/v1/briefs/")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "may make 3 a minute" in refused.json()["detail"]
    other = client.get("/api/v1/briefs/", REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 200
    assert client.get("/briefs/").status_code == 200  # the pages are not the API's allowance
    clock.move_to(NOW + timedelta(minutes=1), tick=False)
    assert client.get("/api/v1/briefs/").status_code == 200


def test_the_allowance_is_counted_in_redis_for_every_app_server(client, settings, clock):
    import redis

    location = "redis://127.0.0.1:6379/14"
    server = redis.Redis.from_url(location)
    try:
        server.ping()
    except redis.exceptions.ConnectionError:
        missing("Redis is not running at 127.0.0.1:6379")
    settings.CACHES = {
        "default": {"BACKEND": "common.cache.TolerantRedisCache", "LOCATION": location}
    }
    settings.BRIEFS_API_REQUESTS_PER_MINUTE = 2
    server.flushdb()
    BriefFactory()
    assert [client.get("/api/v1/briefs/").status_code for _ in range(3)] == [200, 200, 429]
    (key,) = server.keys("*api:requests:127.0.0.1:*")
    assert int(server.get(key)) == 3
    assert 0 < server.ttl(key) <= 61
    server.flushdb()


def test_the_schema_is_valid_openapi_3():
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")


def test_the_schema_is_served_as_json(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    document = schema.json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/briefs/{slug}/" in document["paths"]


def test_a_list_page_and_a_brief_take_few_queries(client, django_assert_max_num_queries, settings):
    settings.BRIEFS_PAGE_CACHE = False
    for number in range(25):
        brief = BriefFactory(issues=["Iran", f"Issue {number}"])
        ExpertQuoteFactory(brief=brief)
        BriefSectionFactory(brief=brief)
        RelatedLinkFactory(brief=brief)
    # The first request after a change reads the rows; the next ones only the page's ids,
    # each brief being kept for the content version.
    with django_assert_max_num_queries(5):
        assert len(results(client.get("/api/v1/briefs/?issue=iran"))) == 20
    with django_assert_max_num_queries(2):
        assert len(results(client.get("/api/v1/briefs/?issue=iran"))) == 20
    with django_assert_max_num_queries(8):
        assert client.get(f"/api/v1/briefs/{brief.slug}/").status_code == 200
    with django_assert_max_num_queries(1):
        assert client.get(f"/api/v1/briefs/{brief.slug}/").status_code == 200


def test_briefs_sharing_a_publication_time_each_come_once_and_pages_go_back(client, now):
    morning = now - timedelta(hours=3)
    for number in range(7):
        BriefFactory(title=f"Morning {number}", publish_at=morning)
    seen, page = [], client.get("/api/v1/briefs/?page_size=3").json()
    pages = [page]
    while page["next"]:
        page = client.get(page["next"]).json()
        pages.append(page)
    seen = [brief["slug"] for page in pages for brief in page["results"]]
    assert sorted(seen) == sorted(f"morning-{n}" for n in range(7))
    assert len(seen) == 7
    back = client.get(pages[-1]["previous"]).json()
    assert back["results"] == pages[-2]["results"]
    assert client.get(back["previous"]).json()["results"] == pages[0]["results"]


def test_an_expert_s_quotes_come_a_page_at_a_time(client, now):
    expert = ExpertFactory(name="Ada Lane")
    for days in range(3):
        brief = BriefFactory(title=f"Day {days}", publish_at=now - timedelta(days=days + 1))
        ExpertQuoteFactory(brief=brief, expert=expert, text=f"First {days}.", position=1)
        ExpertQuoteFactory(brief=brief, expert=expert, text=f"Second {days}.", position=2)
    first = client.get("/api/v1/experts/ada-lane/?page_size=4").json()
    assert first["quote_count"] == 6
    texts = [q["text"] for q in first["quotes"]["results"]]
    rest = client.get(first["quotes"]["next"]).json()["quotes"]
    texts += [q["text"] for q in rest["results"]]
    assert texts == ["First 0.", "Second 0.", "First 1.", "Second 1.", "First 2.", "Second 2."]
    assert rest["next"] is None


def test_the_reference_page_lists_every_endpoint_from_the_schema(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    text = page.content.decode()
    for path in (
        "/api/v1/briefs/",
        "/api/v1/briefs/{slug}/",
        "/api/v1/issues/",
        "/api/v1/experts/{slug}/",
        "/api/v1/staff/briefs/{slug}/publish/",
    ):
        assert f"<code>{path}</code>" in text
    assert "updated_since" in text and "Needs a personal token" in text
    assert "<script" not in text
