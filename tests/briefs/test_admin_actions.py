"""The brief form's buttons: a move each, shown by what the person may do, saying what they did."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from briefs.models import Brief
from tests.briefs.test_admin import ADD_URL, change_url, new_brief_fields, submit
from tests.factories import BriefFactory
from tests.pages import elements, form_fields, visible_text

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 16, 3, tzinfo=UTC)  # 11:03 a.m. in New York


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def buttons(response):
    """The moves of the form's first row of buttons (the same row is also at its foot)."""
    moves = [b["value"] for b in elements(response, "button") if b.get("name") == "_move"]
    return moves[: len(moves) // 2]


def labels(response):
    """The first row of move buttons' labels, as a person reads them."""
    html = response.content.decode()
    start = html.index('class="submit-row brief-actions"')
    return visible_text(html[start : html.index("</div>", start)].split(">", 1)[1])


def press(client, url, move, **changes):
    """Press a button of the form, then read the page the browser is sent to."""
    response = submit(client, url, _move=move, **changes)
    if response.status_code != 302:
        return response
    return client.get(response.url)


def test_an_analyst_sees_only_the_moves_an_analyst_may_make(analyst, editor):
    analyst_client, editor_client = Client(), Client()
    analyst_client.force_login(analyst)
    editor_client.force_login(editor)
    draft = BriefFactory(status=Brief.Status.DRAFT, publish_at=None)
    assert buttons(analyst_client.get(ADD_URL)) == ["save", "review"]
    assert labels(analyst_client.get(change_url(draft))) == "Save draft Submit for review Delete"
    assert labels(editor_client.get(change_url(draft))) == (
        "Save draft Submit for review Publish now Schedule Delete"
    )


def test_an_editor_reviewing_a_brief_can_publish_schedule_or_send_it_back(editor_client):
    brief = BriefFactory(status=Brief.Status.REVIEW, publish_at=None)
    page = editor_client.get(change_url(brief))
    assert labels(page).startswith("Save changes Publish now Schedule Send back to draft")
    default = [b for b in elements(page, "button") if "default" in b.get("class", "")]
    assert {b["value"] for b in default} == {"publish"}


def test_a_public_brief_offers_to_unpublish_withdraw_or_take_down_until_later(editor_client):
    brief = BriefFactory(publish_at=NOW - timedelta(days=1))
    assert labels(editor_client.get(change_url(brief))).startswith(
        "Save changes Take down until a later time Unpublish to draft Withdraw"
    )


def test_submitting_for_review_says_so_and_stays_on_the_form(analyst_client):
    response = submit(analyst_client, ADD_URL, _move="review", **new_brief_fields())
    brief = Brief.objects.get()
    assert response.status_code == 302 and response.url == change_url(brief)
    assert brief.status == Brief.Status.REVIEW
    page = visible_text(analyst_client.get(response.url))
    assert "“Drones Over the Black Sea” is submitted for review. The editors are told" in page
    assert "State: In review" in page


def test_scheduling_says_when_in_the_site_time_zone_and_how_long_until_then(editor_client):
    brief = BriefFactory(status=Brief.Status.REVIEW, publish_at=None)
    page = press(editor_client, change_url(brief), "schedule", publish_at="2026-12-03T14:03")
    brief.refresh_from_db()
    assert brief.publish_at == datetime(2026, 12, 3, 19, 3, tzinfo=UTC)
    assert brief.state == "scheduled"
    assert (
        "“" + brief.title + "” is scheduled for Thu, Dec 3, 2026, 2:03 p.m. EST, in 3 hours."
    ) in visible_text(page)


def test_schedule_without_a_time_to_come_is_refused_and_changes_nothing(editor_client):
    brief = BriefFactory(status=Brief.Status.REVIEW, publish_at=None, summary="As it was.")
    for when in ["", "2026-12-03T09:00"]:
        page = press(editor_client, change_url(brief), "schedule", publish_at=when,
                     summary="Edited.")  # fmt: skip
        assert page.status_code == 200
        assert "Choose when to publish the brief: a time after now." in visible_text(page)
        assert form_value(page, "summary") == "Edited."
    brief.refresh_from_db()
    assert (brief.status, brief.publish_at, brief.summary) == ("review", None, "As it was.")


def form_value(response, name):
    return form_fields(response, "brief_form")[name][0]


def test_publish_now_publishes_at_this_moment_whatever_time_the_field_held(editor_client, client):
    brief = BriefFactory(status=Brief.Status.REVIEW, publish_at=None)
    page = press(editor_client, change_url(brief), "publish", publish_at="2027-01-01T09:00")
    brief.refresh_from_db()
    assert brief.publish_at == NOW
    assert f"“{brief.title}” is published: it is on the site now." in visible_text(page)
    assert client.get(brief.get_absolute_url()).status_code == 200


def test_publishing_again_after_a_past_withdrawal_time_asks_for_a_later_one(editor_client):
    brief = BriefFactory(publish_at=NOW - timedelta(days=9), withdraw_at=NOW - timedelta(days=1))
    page = press(editor_client, change_url(brief), "publish")
    assert "This time has passed: clear it, or choose a later one" in visible_text(page)
    page = press(editor_client, change_url(brief), "publish", withdraw_at="")
    brief.refresh_from_db()
    assert brief.state == "published" and brief.publish_at == NOW - timedelta(days=9)


def test_withdrawing_asks_for_the_reason_then_says_it_is_off_the_site(editor_client, client):
    brief = BriefFactory(publish_at=NOW - timedelta(days=1))
    page = press(editor_client, change_url(brief), "withdraw")
    assert "Give the reason for withdrawing the brief" in visible_text(page)
    page = press(editor_client, change_url(brief), "withdraw", workflow_comment="Superseded.")
    assert f"“{brief.title}” is withdrawn: it is no longer on the site." in visible_text(page)
    assert client.get(brief.get_absolute_url()).status_code == 404


def test_unscheduling_takes_the_brief_back_to_draft(editor_client):
    brief = BriefFactory(publish_at=NOW + timedelta(days=2))
    assert "Unschedule" in labels(editor_client.get(change_url(brief)))
    page = press(editor_client, change_url(brief), "draft")
    brief.refresh_from_db()
    assert brief.status == "draft"
    assert f"“{brief.title}” is back in draft. It is not on the site." in visible_text(page)


def test_an_analyst_pressing_publish_in_a_crafted_post_is_refused(analyst_client, client):
    brief = BriefFactory(status=Brief.Status.REVIEW, publish_at=None)
    for move in ["publish", "schedule", "withdraw"]:
        page = press(analyst_client, change_url(brief), move,
                     publish_at="2027-01-01T09:00", workflow_comment="Why not.")  # fmt: skip
        assert page.status_code == 200
        assert "is not one of the available choices" in visible_text(page)
    brief.refresh_from_db()
    assert brief.status == "review" and brief.publish_at is None


def test_a_button_the_form_does_not_have_is_refused_saying_so(editor_client):
    brief = BriefFactory(status=Brief.Status.DRAFT, publish_at=None, summary="As it was.")
    page = press(editor_client, change_url(brief), "launch", summary="Edited.")
    assert "That button is not one of this form’s. Nothing was saved." in visible_text(page)
    brief.refresh_from_db()
    assert brief.summary == "As it was."


def test_times_are_one_field_in_the_site_time_zone_with_no_note_about_the_browser(editor_client):
    brief = BriefFactory(publish_at=datetime(2026, 12, 10, 14, 30, 15, tzinfo=UTC))
    page = editor_client.get(change_url(brief))
    inputs = {i["name"]: i for i in elements(page, "input") if i.get("name", "").endswith("_at")}
    assert inputs["publish_at"]["type"] == "datetime-local"
    assert inputs["publish_at"]["value"] == "2026-12-10T09:30"
    assert inputs["withdraw_at"]["type"] == "datetime-local"
    text = visible_text(page)
    assert "Publish at (America/New_York)" in text
    assert "server time" not in page.content.decode()
    assert "vDateField" not in page.content.decode()


def test_saving_keeps_a_time_shown_to_the_minute_to_its_second(editor_client):
    published = datetime(2026, 12, 1, 14, 30, 15, tzinfo=UTC)
    brief = BriefFactory(publish_at=published)
    press(editor_client, change_url(brief), "save", summary="A new summary.")
    brief.refresh_from_db()
    assert brief.summary == "A new summary." and brief.publish_at == published


def test_view_on_site_opens_the_preview_until_the_brief_is_public(editor_client):
    draft = BriefFactory(status=Brief.Status.DRAFT, publish_at=None)
    public = BriefFactory(publish_at=NOW - timedelta(days=1))
    [view] = [a for a in elements(editor_client.get(change_url(draft)), "a")
              if a.get("class") == "viewsitelink"]  # fmt: skip
    assert view["href"] == f"/admin/briefs/brief/{draft.pk}/preview/"
    assert editor_client.get(view["href"]).status_code == 200
    [view] = [a for a in elements(editor_client.get(change_url(public)), "a")
              if a.get("class") == "viewsitelink"]  # fmt: skip
    assert editor_client.get(view["href"]).url.endswith(public.get_absolute_url())


def test_someone_who_may_only_read_a_brief_is_not_named_as_editing_it(analyst, editor):
    analyst_client, editor_client = Client(), Client()
    analyst_client.force_login(analyst)
    editor_client.force_login(editor)
    brief = BriefFactory(publish_at=NOW - timedelta(days=1))
    assert analyst_client.get(change_url(brief)).status_code == 200  # published: read only
    assert "may still be editing it" not in visible_text(editor_client.get(change_url(brief)))
