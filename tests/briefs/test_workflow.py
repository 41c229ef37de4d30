"""The editorial workflow through the admin: every move recorded, shown, and mailed where due."""

from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from briefs.models import Brief
from tests.briefs.test_admin import change_url, new_brief_fields, submit
from tests.factories import BriefFactory, UserFactory
from tests.pages import visible_text

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/briefs/brief/add/"


def history_panel(client, brief):
    """The "Workflow history" part of the brief's admin page, as text."""
    text = visible_text(client.get(change_url(brief)))
    return text[text.index("Workflow history") :]


@pytest.fixture
def editors_with_mail(editor):
    editor.email = "editor@example.org"
    editor.save()
    # People who may not publish are not asked to review.
    UserFactory(username="other-analyst", email="analyst2@example.org", group="Analysts")
    return [editor.email]


def test_analyst_submission_is_recorded_and_mailed_to_the_editors(
    analyst_client, analyst, editors_with_mail, settings
):
    settings.SITE_URL = "https://briefs.example.org"
    analyst.first_name, analyst.last_name = "Ana", "Lyst"
    analyst.save()
    response = submit(
        analyst_client,
        ADD_URL,
        **new_brief_fields(status="review", workflow_comment="Ready for a first read."),
    )
    assert response.status_code == 302
    brief = Brief.objects.get()
    assert mail.outbox == []  # the worker sends it
    call_command("dispatch_events", stdout=StringIO())

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == editors_with_mail
    assert message.subject == "For review: Drones Over the Black Sea"
    assert "Ana Lyst submitted “Drones Over the Black Sea” for review." in message.body
    assert "Ready for a first read." in message.body
    assert f"https://briefs.example.org/admin/briefs/brief/{brief.pk}/change/" in message.body

    panel = history_panel(analyst_client, brief)
    assert "Created: In review" in panel and "Ana Lyst" in panel
    assert "Ready for a first read." in panel


def test_saving_a_draft_mails_no_one(analyst_client, editors_with_mail):
    submit(analyst_client, ADD_URL, **new_brief_fields(status="draft"))
    call_command("dispatch_events", stdout=StringIO())
    assert mail.outbox == []


def test_editor_sends_a_brief_back_with_a_comment(editor_client):
    brief = BriefFactory(status=Brief.Status.REVIEW, publish_at=None)

    refused = submit(editor_client, change_url(brief), status="draft")
    assert refused.status_code == 200
    assert "Say what should change before the brief comes back for review." in visible_text(refused)
    brief.refresh_from_db()
    assert brief.status == "review"

    response = submit(
        editor_client,
        change_url(brief),
        status="draft",
        workflow_comment="The second quote needs its source.",
    )
    assert response.status_code == 302
    panel = history_panel(editor_client, brief)
    assert "In review → Draft" in panel
    assert "The second quote needs its source." in panel
    assert "editor" in panel


def test_withdrawing_needs_a_reason_which_the_history_keeps(editor_client):
    brief = BriefFactory()
    refused = submit(editor_client, change_url(brief), status="withdrawn")
    assert "Give the reason for withdrawing the brief" in visible_text(refused)
    brief.refresh_from_db()
    assert brief.status == "published"

    submit(editor_client, change_url(brief), status="withdrawn", workflow_comment="Superseded.")
    panel = history_panel(editor_client, brief)
    assert "Published → Withdrawn" in panel and "Superseded." in panel


def test_the_whole_way_round_is_recorded_in_order(editor, analyst, time_machine):
    time_machine.move_to(datetime(2026, 11, 20, 15, 0, tzinfo=UTC), tick=False)
    analyst_client, editor_client = Client(), Client()
    analyst_client.force_login(analyst)
    editor_client.force_login(editor)
    submit(analyst_client, ADD_URL, **new_brief_fields(status="draft"))
    brief = Brief.objects.get()
    submit(analyst_client, change_url(brief), status="review")
    submit(
        editor_client,
        change_url(brief),
        status="published",
        publish_at="2026-12-01T09:00",
    )
    submit(editor_client, change_url(brief), publish_at="2026-12-02T10:30")
    time_machine.move_to(datetime(2026, 12, 3, 15, 0, tzinfo=UTC), tick=False)
    submit(editor_client, change_url(brief), status="withdrawn", workflow_comment="Outdated.")
    submit(editor_client, change_url(brief), status="draft")

    moves = [move.description for move in reversed(brief.transitions.all())]
    assert moves == [
        "Created: Draft",
        "Draft → In review",
        "In review → Scheduled for Dec. 1, 2026, 9 a.m. EST",
        "Rescheduled: Scheduled for Dec. 2, 2026, 10:30 a.m. EST",
        "Published → Withdrawn",
        "Withdrawn → Draft",
    ]
    # Back in draft after having been public: its address stays fixed.
    page = editor_client.get(change_url(brief)).content.decode()
    assert 'name="slug"' not in page


def test_scheduling_across_the_spring_daylight_saving_change(editor_client, client, time_machine):
    """9 a.m. on 2026-03-08 in New York is EDT (UTC-4), though the day began in EST (UTC-5)."""
    time_machine.move_to(datetime(2026, 3, 7, 15, 0, tzinfo=UTC), tick=False)
    brief = BriefFactory(status=Brief.Status.REVIEW, publish_at=None)

    response = submit(
        editor_client,
        change_url(brief),
        status="published",
        publish_at="2026-03-08T09:00",
    )
    assert response.status_code == 302
    brief.refresh_from_db()
    assert brief.publish_at == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)
    assert "Scheduled for March 8, 2026, 9 a.m. EDT" in history_panel(editor_client, brief)

    time_machine.move_to(datetime(2026, 3, 8, 12, 59, 59, tzinfo=UTC), tick=False)
    assert client.get(brief.get_absolute_url()).status_code == 404
    time_machine.move_to(datetime(2026, 3, 8, 13, 0, tzinfo=UTC), tick=False)
    assert client.get(brief.get_absolute_url()).status_code == 200


def test_a_time_that_does_not_exist_in_the_site_time_zone_is_refused(editor_client, time_machine):
    time_machine.move_to(datetime(2026, 3, 1, 15, 0, tzinfo=UTC), tick=False)
    brief = BriefFactory(status=Brief.Status.REVIEW, publish_at=None)
    # Clocks in New York jump from 2:00 to 3:00 a.m. that night.
    response = submit(
        editor_client,
        change_url(brief),
        status="published",
        publish_at="2026-03-08T02:30",
    )
    assert response.status_code == 200
    assert "couldn’t be interpreted in time zone America/New_York" in visible_text(response)
    brief.refresh_from_db()
    assert brief.status == "review" and brief.publish_at is None


def test_admin_times_are_labelled_with_the_site_time_zone(editor_client, time_machine):
    time_machine.move_to(datetime(2026, 11, 20, 15, 0, tzinfo=UTC), tick=False)
    brief = BriefFactory(status=Brief.Status.REVIEW, publish_at=None)
    submit(editor_client, change_url(brief), status="published")
    change_page = visible_text(editor_client.get(change_url(brief)))
    assert "Publish at (America/New_York)" in change_page
    assert "Withdraw at (America/New_York)" in change_page
    assert "When (America/New_York)" in change_page
    assert "Publish at (America/New_York)" in visible_text(
        editor_client.get("/admin/briefs/brief/")
    )
    revisions = visible_text(editor_client.get(f"/admin/briefs/brief/{brief.pk}/revisions/"))
    assert "Times are in America/New_York" in revisions
    history = visible_text(editor_client.get(f"/admin/briefs/brief/{brief.pk}/history/"))
    assert "Nov. 20, 2026, 10 a.m. EST editor" in history
