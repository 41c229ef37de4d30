"""The brief form's autosave: unsaved text kept apart from revisions, offered back on reopening,
gone once the form is saved; and the presence it reports."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from briefs.models import Brief, EditingSession, UnsavedEdit
from tests.briefs.test_admin import ADD_URL, change_url, new_brief_fields, submit
from tests.factories import BriefFactory, UserFactory
from tests.pages import form_fields, visible_text

pytestmark = pytest.mark.django_db

OPENED = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
OFFER = "You have changes to this brief that were never saved"


@pytest.fixture
def brief(time_machine):
    time_machine.move_to(OPENED, tick=False)
    return BriefFactory(status=Brief.Status.DRAFT, publish_at=None, summary="As saved.")


def autosave_url(brief):
    return f"/admin/briefs/brief/{brief.pk}/autosave/"


def autosave(client, url, **changes):
    """Send the form as the page's script does, with some fields typed into."""
    data = form_fields(client.get(url), "brief_form")
    data.update({name: [value] for name, value in changes.items()})
    target = url.replace("change/", "autosave/") if "change" in url else ADD_URL + "autosave/"
    return client.post(target, data)


def test_unsaved_text_is_kept_apart_from_revisions_and_offered_back(
    brief, analyst_client, time_machine
):
    time_machine.move_to(OPENED + timedelta(minutes=1), tick=False)
    response = autosave(analyst_client, change_url(brief), summary="Typed, never saved.")
    assert response.status_code == 204
    brief.refresh_from_db()
    assert brief.summary == "As saved." and brief.revisions.count() == 1

    time_machine.move_to(OPENED + timedelta(minutes=5), tick=False)
    page = analyst_client.get(change_url(brief))
    text = visible_text(page)
    assert OFFER in text and "Thu, Dec 3, 10:01 a.m. EST" in text
    assert "Put them back in the form" in text and "Discard them" in text
    assert '"Typed, never saved."' in page.content.decode()


def test_saving_the_form_removes_the_unsaved_edit(brief, analyst_client):
    autosave(analyst_client, change_url(brief), summary="Typed.")
    submit(analyst_client, change_url(brief), _move="save", summary="Typed.")
    assert not UnsavedEdit.objects.exists()
    assert OFFER not in visible_text(analyst_client.get(change_url(brief)))


def test_an_unsaved_edit_older_than_the_last_save_is_not_offered(
    brief, analyst_client, editor, time_machine
):
    autosave(analyst_client, change_url(brief), summary="Typed.")
    time_machine.move_to(OPENED + timedelta(minutes=1), tick=False)
    other = Client()
    other.force_login(editor)
    submit(other, change_url(brief), _move="save", summary="Someone's later save.")
    assert OFFER not in visible_text(analyst_client.get(change_url(brief)))


def test_discarding_forgets_it(brief, analyst_client):
    autosave(analyst_client, change_url(brief), summary="Typed.")
    assert analyst_client.post(autosave_url(brief), {"discard": "1"}).status_code == 204
    assert not UnsavedEdit.objects.exists()


def test_a_new_brief_that_was_never_saved_is_offered_on_the_next_add_form(analyst_client):
    autosave(analyst_client, ADD_URL, title="A brief lost to a crash")
    page = visible_text(analyst_client.get(ADD_URL))
    assert "You have changes to this new brief that were never saved" in page
    submit(
        analyst_client, ADD_URL, _move="save", **new_brief_fields(title="A brief lost to a crash")
    )
    assert Brief.objects.filter(title="A brief lost to a crash").exists()
    assert not UnsavedEdit.objects.exists()


def test_each_person_sees_only_their_own_unsaved_edit(brief, analyst_client, editor):
    autosave(analyst_client, change_url(brief), summary="Mine.")
    other = Client()
    other.force_login(editor)
    assert OFFER not in visible_text(other.get(change_url(brief)))


def test_someone_who_may_not_edit_the_brief_cannot_autosave_it(client):
    public = BriefFactory()
    client.force_login(UserFactory(group="Analysts"))
    assert client.post(autosave_url(public), {"summary": "x"}).status_code == 403
    assert client.get(autosave_url(public)).status_code == 405
    assert not UnsavedEdit.objects.exists()


def test_leaving_the_form_stops_the_banner_naming_you(brief, analyst, editor):
    mine, theirs = Client(), Client()
    mine.force_login(analyst)
    theirs.force_login(editor)
    mine.get(change_url(brief))
    assert "may still be editing it" in visible_text(theirs.get(change_url(brief)))
    assert mine.post(autosave_url(brief), {"closed": "1"}).status_code == 204
    assert "may still be editing it" not in visible_text(theirs.get(change_url(brief)))
    assert mine.post(autosave_url(brief), {"alive": "1"}).status_code == 204
    assert EditingSession.objects.filter(user=analyst).exists()
    assert not UnsavedEdit.objects.exists()
