"""What public responses tell the edge: how long it may keep them (never past the next
scheduled change) and the keys of what they show; what it must never keep."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError, connection
from django.db.models.signals import post_save
from django.test import Client
from django.test.utils import CaptureQueriesContext

from briefs.models import Brief
from briefs.public import freshness, views
from tests.factories import (
    BriefFactory,
    ExpertFactory,
    ExpertQuoteFactory,
    IssueFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DAY = 24 * 60 * 60


@pytest.fixture(autouse=True)
def an_edge_in_front(purges):
    """Pages are offered to an edge only where the site can purge it."""


@pytest.fixture
def archive():
    iran = IssueFactory(name="Iran")
    jane = ExpertFactory(name="Jane Example")
    brief = BriefFactory(title="Grid Drill", issues=["Iran"])
    ExpertQuoteFactory(brief=brief, expert=jane)
    return brief, iran, jane


def surrogate(response):
    control = dict(
        part.strip().partition("=")[::2]
        for part in response.get("Surrogate-Control", "").split(",")
        if part.strip()
    )
    return control, response.get("Surrogate-Key", "").split()


@pytest.mark.parametrize(
    ("address", "keys"),
    [
        ("/", ["site", "lists"]),
        ("/briefs/", ["site", "lists"]),
        ("/briefs/?issue=iran", ["site", "lists"]),
        ("/search/?q=grid", ["site", "lists"]),
        ("/issues/", ["site", "lists"]),
        ("/experts/", ["site", "lists"]),
        (
            "/briefs/{brief.slug}/",
            ["site", "brief-{brief.pk}", "issue-iran", "expert-jane-example"],
        ),
        ("/issues/iran/", ["site", "issue-iran"]),
        ("/experts/jane-example/", ["site", "expert-jane-example"]),
        ("/feeds/briefs/", ["site", "feeds"]),
        ("/issues/iran/feed/", ["site", "feeds", "issue-iran"]),
        ("/experts/jane-example/feed/", ["site", "feeds", "expert-jane-example"]),
        ("/sitemap.xml", ["site", "sitemap"]),
        ("/sitemap-briefs.xml", ["site", "sitemap"]),
        ("/robots.txt", ["site"]),
    ],
)
def test_public_pages_name_what_they_show_and_may_be_kept_a_day(client, archive, address, keys):
    brief = archive[0]
    for attempt in ("made", "kept"):
        response = client.get(address.format(brief=brief))
        assert response.status_code == 200, attempt
        control, named = surrogate(response)
        assert control == {"max-age": str(DAY), "stale-if-error": "3600"}, attempt
        assert named == [key.format(brief=brief) for key in keys], attempt
        # Browsers still ask every time (robots.txt aside, which crawlers may keep a day):
        # only the edge is purged, so only it may keep a page.
        if address != "/robots.txt":
            assert response["Cache-Control"] == "public, max-age=0, must-revalidate"
        assert not response.cookies


def test_without_an_edge_to_purge_no_page_is_offered_to_one(client, archive, settings):
    settings.BRIEFS_EDGE_BACKEND = "common.edge.NoEdge"
    response = client.get("/")
    assert response.status_code == 200
    assert not response.has_header("Surrogate-Control")


def test_a_page_made_while_a_save_committed_is_not_offered_to_the_edge(
    client, archive, monkeypatch
):
    """It may show the content before the save, and reach the edge after the save's purge."""
    real = views.public_issues

    def a_save_commits_meanwhile():
        freshness.bump()
        return real()

    monkeypatch.setattr(views, "public_issues", a_save_commits_meanwhile)
    assert not client.get("/").has_header("Surrogate-Control")
    monkeypatch.setattr(views, "public_issues", real)
    assert client.get("/").has_header("Surrogate-Control")


def test_no_edge_lifetime_runs_past_the_next_scheduled_change(client, archive, now):
    BriefFactory(title="Coming", publish_at=now + timedelta(seconds=90))
    control, _ = surrogate(client.get("/"))
    assert 89 <= int(control["max-age"]) <= 90
    assert "stale-if-error" not in control, "an outage must not show the old page past 90 s"
    with time_machine.travel(now + timedelta(seconds=60)):
        control, _ = surrogate(client.get("/"))  # the page kept by the site itself
        assert 29 <= int(control["max-age"]) <= 30
    with time_machine.travel(now + timedelta(seconds=91)):
        response = client.get("/")
        assert "Coming" in response.content.decode()
        assert surrogate(response)[0]["max-age"] == str(DAY)


@pytest.mark.parametrize(
    "address",
    [
        "/briefs/{draft.slug}/",  # a draft: a 404
        "/no-such-page/",
        "/subscribe/",
        "/admin/login/",
        "/_health/",
    ],
)
def test_what_is_not_the_same_for_everyone_is_never_kept_at_the_edge(client, archive, address):
    draft = BriefFactory(status=Brief.Status.DRAFT, publish_at=None)
    response = client.get(address.format(draft=draft))
    assert not response.has_header("Surrogate-Control")


def test_pages_for_someone_signed_in_are_not_kept_at_the_edge(client, archive):
    client.force_login(UserFactory(username="editor", group="Editors"))
    response = client.get(f"/briefs/{archive[0].slug}/")
    assert response.status_code == 200
    assert not response.has_header("Surrogate-Control")


def test_previews_are_not_kept_at_the_edge(client, archive):
    client.force_login(UserFactory(username="editor", group="Editors"))
    response = client.get(f"/admin/briefs/brief/{archive[0].pk}/preview/")
    assert response.status_code == 200
    assert not response.has_header("Surrogate-Control")
    assert "no-store" in response["Cache-Control"]


PAGES = [
    "/", "/briefs/", "/briefs/?issue=iran", "/briefs/{brief.slug}/", "/issues/", "/issues/iran/",
    "/experts/", "/experts/jane-example/", "/feeds/briefs/", "/issues/iran/feed/",
    "/sitemap.xml", "/sitemap-briefs.xml", "/search/?q=grid",
]  # fmt: skip


def test_a_public_request_writes_nothing_to_the_database(client, archive, now):
    """Even the first request after a scheduled brief's time, which finds the time passed."""
    brief = archive[0]
    BriefFactory(title="Coming", publish_at=now + timedelta(minutes=1), issues=["Iran"])
    written = []
    post_save.connect(lambda sender, **kwargs: written.append(sender), weak=False,
                      dispatch_uid="written")  # fmt: skip
    try:
        with time_machine.travel(now + timedelta(minutes=2)):
            for address in PAGES:
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(address.format(brief=brief))
                assert response.status_code == 200, address
                writes = [
                    query["sql"]
                    for query in queries.captured_queries
                    if query["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
                ]
                assert writes == [], address
            assert "Coming" in client.get("/").content.decode()
    finally:
        post_save.disconnect(dispatch_uid="written")
    assert written == []


def test_the_next_change_is_worked_out_once_when_its_moment_passed(client, archive, now):
    BriefFactory(title="Coming", publish_at=now + timedelta(minutes=1))
    BriefFactory(title="Later", publish_at=now + timedelta(hours=5))
    with time_machine.travel(now + timedelta(minutes=2)):
        client.get("/")
        freshness.forget_in_process()  # as another process would, sharing only the cache
        control, _ = surrogate(client.get("/briefs/"))
    assert int(control["max-age"]) == pytest.approx(5 * 60 * 60 - 120, abs=2)


def test_the_health_check_says_what_works(client):
    response = client.get("/_health/")
    assert response.status_code == 200
    assert json.loads(response.content) == {"database": "ok", "cache": "ok", "queue": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_the_health_check_fails_without_the_database(client, monkeypatch):
    def unreachable():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", unreachable)
    response = client.get("/_health/")
    assert response.status_code == 503
    assert json.loads(response.content)["database"] == "down"


def test_a_database_away_gives_a_503_page_not_a_traceback(archive, monkeypatch, settings):
    settings.DEBUG = False

    def unreachable():
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(freshness, "current_version", unreachable)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    page = response.content.decode()
    assert "Back in a moment" in page
    assert "Traceback" not in page and "server closed" not in page
