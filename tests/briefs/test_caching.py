"""Caching that is never wrong: with public pages kept whole (briefs.public.middleware), a save
shows on the very next request everywhere, and a scheduled time is kept to the second.

Each test runs with the local-memory cache and with Redis, and with the page cache off
(the `page_cache` fixture, tests/briefs/conftest.py).
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from briefs.models import Brief, Issue
from tests.briefs.test_admin import change_url, submit
from tests.factories import BriefFactory, ExpertQuoteFactory
from tests.pages import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(time_machine):
    time_machine.move_to(datetime(2026, 6, 1, 12, 0, tzinfo=UTC), tick=False)
    brief = BriefFactory(
        title="Port Strikes Spread",
        publish_at=datetime(2026, 5, 30, 13, 0, tzinfo=UTC),
        issues=["Shipping", "Labor"],
    )
    ExpertQuoteFactory(brief=brief, expert__name="Ada Reyes", text="Strikes travel fast.")
    BriefFactory(
        title="An Older Brief", publish_at=datetime(2026, 5, 1, tzinfo=UTC), issues=["Shipping"]
    )
    return brief


# Every public surface, and whether it shows the brief's title.
SURFACES = [
    "/",
    "/briefs/",
    "/briefs/?issue=shipping&issue=labor",
    "/issues/shipping/",
    "/issues/labor/",
    "/experts/ada-reyes/",
    "/feeds/briefs/",
    "/issues/shipping/feed/",
    "/experts/ada-reyes/feed/",
    "/search/?q=strikes",
]


def shows(client, url, text):
    response = client.get(url)
    assert response.status_code == 200, url
    return text in response.content.decode()


def warm(client, urls):
    for url in urls:
        client.get(url)
        client.get(url)


def test_a_save_in_the_admin_shows_on_the_very_next_request_everywhere(
    page_cache, site, client, editor
):
    reader = client
    warm(reader, SURFACES + [site.get_absolute_url()])
    assert all(shows(reader, url, "Port Strikes Spread") for url in SURFACES)

    editor_client = Client()
    editor_client.force_login(editor)
    response = submit(editor_client, change_url(site), title="Port Strikes Spread to the North")
    assert response.status_code == 302

    for url in SURFACES + [site.get_absolute_url()]:
        assert shows(reader, url, "Port Strikes Spread to the North"), url


def test_a_change_to_a_quote_or_an_expert_shows_on_the_next_request(page_cache, site, client):
    warm(client, [site.get_absolute_url(), "/experts/ada-reyes/"])
    quote = site.quotes.get()
    quote.text = "Strikes travel faster than ships."
    quote.save()
    assert shows(client, site.get_absolute_url(), "Strikes travel faster than ships.")
    expert = quote.expert
    expert.title = "Chief Economist"
    expert.save()
    assert shows(client, "/experts/ada-reyes/", "Chief Economist")


def test_a_renamed_issue_or_format_shows_on_every_card_at_once(page_cache, site, client):
    lists = ["/", "/briefs/", "/issues/shipping/", "/briefs/?issue=shipping&issue=labor"]
    warm(client, [*lists, "/feeds/briefs/"])
    site.format.name = "Field Note"
    site.format.save()
    for url in lists:
        assert shows(client, url, "Field Note"), url
    issue = Issue.objects.get(name="Labor")
    issue.name = "Dock Labor"
    issue.save()
    # Each card, and each feed item's categories.
    for url in [*lists, "/feeds/briefs/"]:
        assert shows(client, url, "Dock Labor"), url


def test_the_sitemap_follows_a_new_or_withdrawn_brief_at_once(page_cache, site, client):
    warm(client, ["/sitemap.xml", "/sitemap-briefs.xml"])
    new = BriefFactory(title="Fresh", publish_at=datetime(2026, 6, 1, 11, 0, tzinfo=UTC))
    assert shows(client, "/sitemap-briefs.xml", new.get_absolute_url())
    site.status = Brief.Status.WITHDRAWN
    site.save()
    assert not shows(client, "/sitemap-briefs.xml", site.get_absolute_url())


def test_a_withdrawn_or_deleted_brief_is_gone_on_the_next_request(page_cache, site, client):
    warm(client, SURFACES + [site.get_absolute_url()])
    site.status = Brief.Status.WITHDRAWN
    site.save()
    assert client.get(site.get_absolute_url()).status_code == 404
    assert not shows(client, "/issues/shipping/", "Port Strikes Spread")
    assert client.get("/issues/labor/").status_code == 404
    older = Brief.objects.get(title="An Older Brief")
    older.delete()
    assert client.get("/issues/shipping/").status_code == 404
    assert not shows(client, "/feeds/briefs/", "An Older Brief")


def test_a_scheduled_brief_appears_everywhere_at_its_time_with_the_cache_on(
    page_cache, site, client, time_machine
):
    due = datetime(2026, 6, 1, 13, 0, tzinfo=UTC)
    scheduled = BriefFactory(title="Scheduled Strike Talks", publish_at=due, issues=["Shipping"])
    ExpertQuoteFactory(brief=scheduled, expert=site.quotes.get().expert, text="Soon.")
    listed = [url for url in SURFACES if "labor" not in url]

    time_machine.move_to(due - timedelta(seconds=1), tick=False)
    warm(client, listed + [scheduled.get_absolute_url()])
    assert not any(shows(client, url, "Scheduled Strike Talks") for url in listed)
    assert client.get(scheduled.get_absolute_url()).status_code == 404

    time_machine.move_to(due, tick=False)
    assert client.get(scheduled.get_absolute_url()).status_code == 200
    for url in listed:
        assert shows(client, url, "Scheduled Strike Talks"), url


def test_an_expiring_brief_leaves_at_its_time_with_the_cache_on(
    page_cache, site, client, time_machine
):
    site.withdraw_at = datetime(2026, 6, 2, 9, 0, tzinfo=UTC)
    site.save()
    warm(client, SURFACES + [site.get_absolute_url()])
    time_machine.move_to(site.withdraw_at, tick=False)
    assert client.get(site.get_absolute_url()).status_code == 404
    assert not shows(client, "/issues/shipping/", "Port Strikes Spread")
    assert client.get("/experts/ada-reyes/").status_code == 404


def test_deep_pages_follow_a_new_brief_at_once(page_cache, client, settings, time_machine):
    settings.BRIEFS_PAGE_SIZE = 2
    time_machine.move_to(datetime(2026, 6, 1, 12, 0, tzinfo=UTC), tick=False)
    for day in range(1, 6):
        BriefFactory(title=f"Day {day}", publish_at=datetime(2026, 5, day, tzinfo=UTC))
    warm(client, ["/briefs/?page=3"])
    assert visible_text(client.get("/briefs/?page=3")).count("Day ") == 1
    BriefFactory(title="Day 6", publish_at=datetime(2026, 5, 6, tzinfo=UTC))
    page = visible_text(client.get("/briefs/?page=3"))
    assert "Day 2" in page and "Day 1" in page


def test_public_pages_say_how_to_keep_them_and_answer_conditional_requests(
    page_cache, site, client
):
    etags = {}
    for url in ["/", site.get_absolute_url(), "/issues/shipping/", "/feeds/briefs/"]:
        first = client.get(url)
        assert first["Cache-Control"] == "public, max-age=0, must-revalidate", url
        etags[url] = first["ETag"]
        again = client.get(url, headers={"If-None-Match": etags[url]})
        assert again.status_code == 304 and again.content == b"", url
    site.title = "A New Title"
    site.save()
    changed = client.get("/", headers={"If-None-Match": etags["/"]})
    assert changed.status_code == 200 and "A New Title" in changed.content.decode()
    assert changed["ETag"] != etags["/"]


def test_the_admin_and_previews_are_never_kept(page_cache, site, editor_client):
    editor_client.get(change_url(site))
    response = editor_client.get(change_url(site))
    assert "public" not in response.get("Cache-Control", "")
    preview = editor_client.get(f"/admin/briefs/brief/{site.pk}/preview/")
    assert "no-store" in preview["Cache-Control"]
