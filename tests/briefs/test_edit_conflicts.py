"""No lost edits: a save over someone else's newer save is refused with their changes shown
and the refused person's text kept; and the form says who else has the brief open."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from briefs.models import Brief
from tests.briefs.test_admin import change_url
from tests.factories import BriefFactory, ExpertQuoteFactory, UserFactory
from tests.pages import form_fields, visible_text

pytestmark = pytest.mark.django_db


def client_for(username, full_name=""):
    first, _, last = full_name.partition(" ")
    user = UserFactory(username=username, first_name=first, last_name=last, group="Editors")
    client = Client()
    client.force_login(user)
    return client


def open_form(client, brief):
    page = client.get(change_url(brief))
    assert page.status_code == 200
    return page, form_fields(page, "brief_form")


def post(client, brief, fields, **changes):
    data = {**fields, **{name: [value] for name, value in changes.items()}}
    return client.post(change_url(brief), data)


@pytest.fixture
def brief():
    brief = BriefFactory(
        title="Grain Corridor Reopens",
        summary="Ships sail again.",
        status=Brief.Status.REVIEW,
        publish_at=None,
    )
    ExpertQuoteFactory(brief=brief, expert__name="Mira Sol", text="A fragile opening.")
    return brief


def test_the_second_save_is_refused_showing_the_first_and_keeping_the_second(brief):
    alice, bob = client_for("alice", "Alice Ames"), client_for("bob", "Bob Birch")
    _, alice_fields = open_form(alice, brief)
    _, bob_fields = open_form(bob, brief)

    first = post(alice, brief, alice_fields, title="Grain Corridor Reopens Under Escort")
    assert first.status_code == 302

    bob_summary = "Ships sail again, under naval escort, for the first time since May."
    second = post(bob, brief, bob_fields, summary=bob_summary, **{"quotes-0-text": "Bob's edit."})
    assert second.status_code == 200
    page = visible_text(second)
    assert "Someone else saved this brief while you were editing" in page
    assert "Alice Ames" in page
    assert "Title Grain Corridor Reopens Under Escort" in page
    assert "Your changes are not saved yet" in page
    # Bob's typing is still in the form.
    kept = form_fields(second, "brief_form")
    assert kept["summary"] == [bob_summary]
    assert kept["quotes-0-text"] == ["Bob's edit."]
    # Alice's save stands.
    brief.refresh_from_db()
    assert (brief.title, brief.summary) == (
        "Grain Corridor Reopens Under Escort",
        "Ships sail again.",
    )

    # Having seen Alice's change, Bob saves again on purpose: his version is kept.
    kept["title"] = ["Grain Corridor Reopens Under Escort"]
    again = bob.post(change_url(brief), kept)
    assert again.status_code == 302
    brief.refresh_from_db()
    assert (brief.title, brief.summary) == ("Grain Corridor Reopens Under Escort", bob_summary)
    assert [quote.text for quote in brief.quotes.all()] == ["Bob's edit."]
    # The brief as found when first opened, Alice's save, Bob's save.
    assert brief.revisions.count() == 3


def test_a_form_opened_before_a_restore_is_refused_too(brief, editor_client):
    alice = client_for("alice")
    _, fields = open_form(alice, brief)
    post(alice, brief, fields, summary="First.")
    _, stale = open_form(editor_client, brief)
    _, fresh = open_form(alice, brief)
    post(alice, brief, fresh, summary="Second.")
    # Revision 1 is the brief as first found; 2 is "First.", 3 "Second.".
    editor_client.post(f"/admin/briefs/brief/{brief.pk}/revisions/2/restore/")
    refused = post(alice, brief, fresh, summary="Third.")
    assert refused.status_code == 200
    assert "Restored revision 2" in visible_text(refused)
    assert post(editor_client, brief, stale, summary="Late.").status_code == 200
    brief.refresh_from_db()
    assert brief.summary == "First."


def test_a_form_without_its_revision_marker_is_refused(brief, editor_client):
    _, fields = open_form(editor_client, brief)
    del fields["edit_base_version"]
    assert post(editor_client, brief, fields, summary="Sneaky.").status_code == 200
    brief.refresh_from_db()
    assert brief.summary == "Ships sail again."


def test_opening_a_brief_says_who_else_had_it_open_lately(brief, time_machine):
    time_machine.move_to(datetime(2026, 11, 20, 15, 0, tzinfo=UTC), tick=False)
    alice, bob = client_for("alice", "Alice Ames"), client_for("bob", "Bob Birch")
    first, _ = open_form(alice, brief)
    assert "may still be editing it" not in visible_text(first)

    time_machine.move_to(datetime(2026, 11, 20, 15, 3, tzinfo=UTC), tick=False)
    page, _ = open_form(bob, brief)
    text = visible_text(page)
    assert (
        "Alice Ames opened this brief 3 minutes ago (10 a.m. EST) and may still be editing it"
        in (text)
    )

    time_machine.move_to(datetime(2026, 11, 20, 15, 3, tzinfo=UTC) + timedelta(minutes=11))
    later, _ = open_form(bob, brief)
    assert "Alice Ames" not in visible_text(later)
    # Alice now sees that Bob had it open.
    assert "Bob Birch opened this brief" in visible_text(open_form(alice, brief)[0])
