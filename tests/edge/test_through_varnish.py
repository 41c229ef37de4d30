"""Through a real Varnish (deploy/varnish/briefs.vcl) in front of the test's server: what an
editor saves is what the next reader gets, a scheduled brief appears at its second, and nothing
that is not for everyone enters the cache."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from api.models import ApiToken
from briefs.editorial import changes
from briefs.editorial.roles import ROLE_PERMISSIONS, ensure_editorial_groups
from briefs.models import Brief
from briefs.public.previews import share_preview
from common.edge import Varnish
from tests.edge.through import EdgeClient, varnish_in_front_of
from tests.factories import (
    BriefFactory,
    ExpertFactory,
    ExpertQuoteFactory,
    UserFactory,
)
from tests.pages import form_fields

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def varnish(live_server, tmp_path_factory):
    host, port = live_server.url.removeprefix("http://").split(":")
    process = varnish_in_front_of(tmp_path_factory.mktemp("varnish"), [(host, int(port))])
    yield process
    process.stop()


@pytest.fixture
def edge(varnish, live_server, transactional_db, settings):
    """A reader's client through Varnish, which the site purges; emptied for each test."""
    url = f"http://127.0.0.1:{varnish.port}"
    settings.BRIEFS_EDGE_BACKEND = "common.edge.Varnish"
    settings.BRIEFS_EDGE_PURGE_URLS = [url + "/"]
    settings.SITE_URL = url
    Varnish([url + "/"]).purge(["site"])
    if Group.objects.filter(name__in=ROLE_PERMISSIONS).count() < len(ROLE_PERMISSIONS):
        ensure_editorial_groups()
    return EdgeClient(url)


@pytest.fixture
def public_brief():
    brief = BriefFactory(title="Grid Drill", issues=["Iran"])
    ExpertQuoteFactory(brief=brief, expert=ExpertFactory(name="Jane Example"))
    return brief


def signed_in(edge, username, group):
    """A client through the same Varnish with an editor's session."""
    django_client = Client()
    django_client.force_login(UserFactory(username=username, group=group))
    client = EdgeClient(edge.base_url)
    client.sign_in_as(django_client.cookies["sessionid"].value)
    return client


def kept(edge, path):
    """Read `path` twice: the second answer comes from the edge."""
    first, second = edge.get(path), edge.get(path)
    assert first.status == second.status == 200, path
    assert second["X-Cache"] == "HIT", path
    return second


def test_an_admin_save_is_on_the_next_request_to_every_page_showing_it(edge, public_brief):
    pages = [
        f"/briefs/{public_brief.slug}/", "/issues/iran/", "/", "/briefs/", "/feeds/briefs/",
        "/issues/iran/feed/", "/experts/jane-example/", "/search/?q=grid",
        "/api/v1/briefs/", f"/api/v1/briefs/{public_brief.slug}/", "/api/v1/briefs/?issue=iran",
        "/api/v1/experts/jane-example/",
    ]  # fmt: skip
    for path in pages:
        assert "Grid Drill" in kept(edge, path).text, path
    editor = signed_in(edge, "editor", "Editors")
    form_page = editor.get(f"/admin/briefs/brief/{public_brief.pk}/change/")
    assert form_page.status == 200 and form_page["X-Cache"] == "PASS"
    data = form_fields(form_page, "brief_form")
    data["title"] = ["Grid Drill Called Off"]
    saved = editor.post(f"/admin/briefs/brief/{public_brief.pk}/change/", data)
    assert saved.status == 302, saved.text[:2000]
    for path in pages:
        answer = edge.get(path)
        assert "Grid Drill Called Off" in answer.text, path


def test_a_scheduled_brief_appears_within_a_second_of_its_time_and_not_before(edge, public_brief):
    """Varnish keeps time by the real clock: the brief is scheduled a few seconds ahead and
    read until it shows."""
    kept(edge, "/")
    editor = UserFactory(username="editor", group="Editors")
    coming = BriefFactory(title="Ceasefire Holds", status=Brief.Status.DRAFT, publish_at=None)
    publish_at = timezone.now() + timedelta(seconds=3)
    changes.schedule(coming, editor, publish_at)
    seen = {}
    deadline = time.monotonic() + 10
    while len(seen) < 2 and time.monotonic() < deadline:
        for path in ("/", f"/briefs/{coming.slug}/"):
            asked_at = timezone.now()
            answer = edge.get(path)
            answered_at = timezone.now()
            if answer.status == 200 and "Ceasefire Holds" in answer.text:
                assert answered_at >= publish_at, f"{path} showed it before its time"
                seen.setdefault(path, asked_at)
            else:
                # Asked a second after its time, an answer without it is stale.
                assert asked_at < publish_at + timedelta(seconds=1), f"{path} still without it"
        time.sleep(0.05)  # the pace of a reader refreshing, not a wait for time to pass
    assert set(seen) == {"/", f"/briefs/{coming.slug}/"}
    for path, asked_at in seen.items():
        assert asked_at <= publish_at + timedelta(seconds=1), path


def test_a_withdrawn_brief_is_gone_from_its_page_and_every_list(edge, public_brief):
    page, document = f"/briefs/{public_brief.slug}/", f"/api/v1/briefs/{public_brief.slug}/"
    lists = ("/", "/issues/iran/", "/feeds/briefs/", "/api/v1/briefs/", "/api/v1/issues/")
    for path in (page, document, *lists):
        kept(edge, path)
    changes.withdraw(public_brief, UserFactory(username="editor", group="Editors"), "Wrong.")
    assert edge.get(page).status == 404
    assert edge.get(document).status == 404
    for path in lists:
        answer = edge.get(path)
        assert "Grid Drill" not in answer.text, path


def test_drafts_and_previews_never_enter_the_cache(edge, public_brief):
    draft = BriefFactory(title="Unfinished Thoughts", status=Brief.Status.DRAFT, publish_at=None)
    for _ in range(2):
        answer = edge.get(f"/briefs/{draft.slug}/")
        assert answer.status == 404 and answer["X-Cache"] != "HIT"
    editor = signed_in(edge, "editor", "Editors")
    for _ in range(2):
        preview = editor.get(f"/admin/briefs/brief/{draft.pk}/preview/")
        assert preview.status == 200 and preview["X-Cache"] == "PASS"
        assert "Unfinished Thoughts" in preview.text
    link = share_preview(draft, UserFactory(username="analyst", group="Analysts"))
    for _ in range(2):
        shared = edge.get(reverse("briefs:preview", args=[link.pk]))
        assert shared.status == 200 and shared["X-Cache"] == "PASS"
    # A signed-in editor's view of a public page is theirs alone.
    assert editor.get(f"/briefs/{public_brief.slug}/")["X-Cache"] == "PASS"
    assert "Unfinished Thoughts" not in edge.get("/").text
    # So is what a token reads through the API.
    token = ApiToken(user=UserFactory(username="robot", group="Analysts"), name="importer")
    secret = token.issue()
    token.save()
    for _ in range(2):
        staff = edge.get(f"/api/v1/staff/briefs/{draft.slug}/", Authorization=f"Bearer {secret}")
        assert staff.status == 200 and staff["X-Cache"] == "PASS"
    assert edge.get(f"/api/v1/briefs/{draft.slug}/").status == 404


def test_a_forged_host_can_neither_be_served_nor_poison_the_cache(edge, public_brief):
    assert edge.get("/", Host="evil.example").status == 400
    forged = edge.get("/", **{"X-Forwarded-Host": "evil.example", "Host": "localhost"})
    assert forged.status == 200
    for answer in (forged, edge.get("/")):
        assert "evil.example" not in answer.text


def test_cookies_are_dropped_and_none_is_set_on_public_pages(edge, public_brief):
    first = edge.get("/", Cookie="csrftoken=abc; theme=dark")
    second = edge.get("/", Cookie="csrftoken=def")
    assert second["X-Cache"] == "HIT", "the same page for every cookie a reader may carry"
    assert first.get("Set-Cookie") is None and second.get("Set-Cookie") is None
    tracked = edge.get("/?utm_source=newsletter&fbclid=x1")
    assert tracked["X-Cache"] == "HIT", "tracking parameters make no page of their own"


def test_no_answer_that_sets_a_cookie_is_kept(edge, settings):
    settings.ROOT_URLCONF = "tests.edge.urls"
    for _ in range(2):
        answer = edge.get("/sets-a-cookie/")
        assert answer.status == 200 and answer["X-Cache"] != "HIT"
        assert "reader=one-reader-only" in answer["Set-Cookie"]


def test_the_edge_answers_conditional_and_head_requests_itself(edge, public_brief):
    page = kept(edge, "/")
    again = edge.get("/", **{"If-None-Match": page["ETag"]})
    assert again.status == 304
    head = edge.request("/", method="HEAD")
    assert head.status == 200 and head.content == b"" and head["X-Cache"] == "HIT"
    # Browsers are told to ask again every time; only the edge keeps the page.
    assert page["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert page.get("Surrogate-Control") is None and page.get("Surrogate-Key") is None


def test_a_change_naming_thousands_of_pages_is_purged_whole(edge, public_brief):
    """More keys than Varnish takes in one header go in several requests."""
    kept(edge, "/")
    many = [f"brief-{number}" for number in range(1, 3000)]
    Varnish([edge.base_url + "/"]).purge([*many, "lists"])
    assert edge.get("/")["X-Cache"] == "MISS"


def test_only_loopback_may_purge(edge):
    answer = edge.request("/", method="PURGE", headers={"xkey-purge": "site"})
    assert answer.status == 200, "the test itself purges from loopback"
    assert edge.request("/", method="PURGE").status == 400
