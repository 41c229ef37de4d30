"""Every public change purges what it affects from the edge, in one request, through the
events; a draft's save purges nothing (briefs.public.edge)."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from briefs.editorial import changes
from briefs.models import Brief, Format, Issue
from briefs.public import views
from common.edge import PurgeFailed
from tests.briefs.test_admin import ADD_URL, change_url, new_brief_fields, submit
from tests.briefs.test_calendar import move
from tests.edge.recording import RecordingEdge
from tests.factories import (
    BriefFactory,
    ExpertFactory,
    ExpertQuoteFactory,
    IssueFactory,
    RelatedLinkFactory,
)

pytestmark = pytest.mark.django_db

EVERY_LIST = ["lists", "feeds", "sitemap"]


def dispatch():
    call_command("dispatch_events", stdout=StringIO())


def public_brief(editor, title="Grid Drill"):
    brief = BriefFactory(title=title, status=Brief.Status.DRAFT, publish_at=None)
    brief.issues.set([IssueFactory(name="Iran")])
    ExpertQuoteFactory(brief=brief, expert=ExpertFactory(name="Jane Example"))
    changes.publish_now(brief, editor)
    return brief


def brief_keys(brief, issues=("iran",), experts=("jane-example",)):
    return [
        f"brief-{brief.pk}",
        *(f"issue-{slug}" for slug in issues),
        *(f"expert-{slug}" for slug in experts),
        *EVERY_LIST,
    ]


def test_publishing_through_the_admin_purges_the_brief_its_issues_experts_and_lists(
    editor_client, purges, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        submit(editor_client, ADD_URL, **new_brief_fields(status="published"))
    brief = Brief.objects.get()
    expected = brief_keys(brief, issues=("iran", "russia"))
    assert purges == [expected], "purged once, as the save committed"
    dispatch()
    assert purges == [expected, expected], "and once more by the worker's handler"


def test_the_worker_purges_when_the_purge_at_commit_failed(
    editor_client, purges, django_capture_on_commit_callbacks, monkeypatch
):
    def unreachable(keys):
        raise PurgeFailed("Varnish is restarting")

    monkeypatch.setattr(RecordingEdge, "purge", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        submit(editor_client, ADD_URL, **new_brief_fields(status="published"))
    monkeypatch.undo()
    assert purges == []
    dispatch()
    assert purges == [brief_keys(Brief.objects.get(), issues=("iran", "russia"))]


def test_an_update_of_a_public_brief_purges_it(editor, editor_client, purges):
    brief = public_brief(editor)
    dispatch()
    purges.clear()
    submit(editor_client, change_url(brief), title="Grid Drill, Revised")
    dispatch()
    assert purges == [brief_keys(brief)]


def test_a_brief_leaving_an_issue_purges_that_issue_too(editor, editor_client, purges):
    brief = public_brief(editor)
    russia = IssueFactory(name="Russia")
    dispatch()
    purges.clear()
    submit(editor_client, change_url(brief), issues=[str(russia.pk)])
    dispatch()
    assert purges == [brief_keys(brief, issues=("iran", "russia"))]


def test_withdrawing_purges_it_and_the_briefs_that_link_to_it(editor, purges):
    brief = public_brief(editor)
    linking = BriefFactory()
    RelatedLinkFactory(brief=linking, target=brief, url="")
    dispatch()
    purges.clear()
    changes.withdraw(brief, editor, comment="Overtaken by events.")
    dispatch()
    assert len(purges) == 1
    assert set(purges[0]) == {*brief_keys(brief), f"brief-{linking.pk}"}


def test_expiry_purges_at_its_time(editor, editor_client, purges, now):
    brief = public_brief(editor)
    local = timezone.localtime(now + timedelta(days=1))
    submit(editor_client, change_url(brief), withdraw_at=f"{local:%Y-%m-%dT%H:%M:%S}")
    dispatch()
    purges.clear()
    with time_machine.travel(now + timedelta(hours=23)):
        dispatch()
    assert purges == []
    with time_machine.travel(now + timedelta(days=1, seconds=1)):
        dispatch()
    assert purges == [brief_keys(brief)]


def test_deleting_a_public_brief_purges_it(editor, purges):
    brief = public_brief(editor)
    dispatch()
    purges.clear()
    keys = brief_keys(brief)
    changes.delete(brief, editor)
    dispatch()
    assert purges == [keys]


def test_scheduling_and_rescheduling_purge_at_once_and_publication_purges_at_its_time(
    editor, editor_client, purges, now
):
    """Pages kept until the old time (or with no time) must not outlive the new one."""
    brief = BriefFactory(status=Brief.Status.DRAFT, publish_at=None, issues=["Iran"])
    changes.schedule(brief, editor, now + timedelta(days=3))
    dispatch()
    assert purges == [brief_keys(brief, experts=())]
    move(editor_client, brief, timezone.localdate(now + timedelta(days=1)).isoformat())
    dispatch()
    assert len(purges) == 2
    with time_machine.travel(now + timedelta(days=2)):
        dispatch()
    assert purges[2:] == [brief_keys(brief, experts=())]


@pytest.mark.parametrize(
    "edit",
    [
        lambda: Issue.objects.filter(slug="iran").get().save(),
        lambda: ExpertFactory._meta.model.objects.get(slug="jane-example").save(),
        lambda: Format.objects.get(briefs__isnull=False).save(),
    ],
    ids=["issue", "expert", "format"],
)
def test_an_edit_to_a_public_issue_expert_or_format_purges_every_page(editor, purges, edit):
    public_brief(editor)
    dispatch()
    purges.clear()
    edit()
    dispatch()
    assert purges == [["site"]]


def test_draft_saves_purge_nothing(analyst_client, purges, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit(analyst_client, ADD_URL, **new_brief_fields(status="draft"))
        brief = Brief.objects.get()
        submit(analyst_client, change_url(brief), title="Still a draft")
    dispatch()
    assert purges == []


def test_an_edge_that_cannot_be_reached_is_purged_when_it_can(editor, settings, purges):
    """The worker's handler fails while Varnish is away, and is retried (events.dispatch)."""
    settings.BRIEFS_EDGE_BACKEND = "common.edge.Varnish"
    settings.BRIEFS_EDGE_PURGE_URLS = ["http://127.0.0.1:9/"]  # discard: nothing listens
    brief = public_brief(editor)
    dispatch()
    settings.BRIEFS_EDGE_BACKEND = "tests.edge.recording.RecordingEdge"
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        dispatch()
    assert purges == [brief_keys(brief)]


def test_the_pages_a_publication_affects_are_made_before_it_commits(
    editor, client, purges, django_assert_max_num_queries
):
    """So the first readers after the purge do not queue at the edge behind pages being made
    again: each is a page kept by the site (one query, the content version's)."""
    brief = public_brief(editor)
    pages = {"/": "Grid Drill", f"/briefs/{brief.slug}/": "Grid Drill",
             "/issues/iran/": "Grid Drill", "/feeds/briefs/": "Grid Drill",
             "/briefs/": "Grid Drill", "/issues/": "Iran",
             "/experts/jane-example/": "Grid Drill"}  # fmt: skip
    for address, shown in pages.items():
        with django_assert_max_num_queries(1):
            response = client.get(address)
        assert response.status_code == 200 and shown in response.content.decode(), address


def test_without_an_edge_nothing_is_made_ahead(editor, client):
    brief = public_brief(editor)
    with CaptureQueriesContext(connection) as queries:
        client.get(f"/briefs/{brief.slug}/")
    assert len(queries) > 1, "made by the reader's request"


def test_a_page_that_cannot_be_made_ahead_does_not_stop_the_change(editor, purges, monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("canceling statement due to statement timeout")

    monkeypatch.setattr(views, "public_issues", broken)
    brief = public_brief(editor)
    brief.refresh_from_db()
    assert brief.state == "published"
    dispatch()
    assert purges[-1] == brief_keys(brief)
