"""The editorial calendar in the admin: a month of scheduled and published briefs by local day,
and editors moving a scheduled brief to another day."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from briefs.models import Brief
from tests.factories import BriefFactory, UserFactory
from tests.pages import elements, form_fields, visible_text

pytestmark = pytest.mark.django_db

CALENDAR_URL = "/admin/briefs/brief/calendar/"
MOVE_URL = "/admin/briefs/brief/calendar/move/"

# Friday, November 20, 2026, 10 a.m. in New York.
CLOCK = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
# Tuesday, December 1, 2026, 9 a.m. EST.
DEC_1_9AM = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(CLOCK, tick=False)
    return time_machine


def change_url(brief):
    return f"/admin/briefs/brief/{brief.pk}/change/"


def day_text(response, day, layout="grid"):
    """What the grid's cell (or the list's section) for `day` ("2026-11-24") says."""
    tag = "td" if layout == "grid" else "section"
    found = re.search(
        rf'<{tag} data-date="{day}"[^>]*>.*?</{tag}>', response.content.decode(), re.DOTALL
    )
    return visible_text(found[0]) if found else None


def link_targets(response):
    return [attrs.get("href") for attrs in elements(response, "a")]


def move_form_ids(response):
    return {attrs["id"] for attrs in elements(response, "form") if "move-" in attrs.get("id", "")}


def move(client, brief, new_date, layout="grid"):
    """Move the brief as the editor would: its form on the calendar, with a new date."""
    month = f"{timezone.localtime(brief.publish_at):%Y-%m}"
    page = client.get(CALENDAR_URL, {"month": month})
    data = form_fields(page, f"move-{brief.pk}-{layout}")
    assert data, "the brief has no move form"
    data["date"] = [new_date]
    return client.post(MOVE_URL, data, follow=True)


def stored(brief):
    brief.refresh_from_db()
    return brief.publish_at


# The month


def test_month_grid_shows_scheduled_and_published_briefs_on_their_local_day(editor_client, clock):
    published = BriefFactory(
        title="Out Already", publish_at=datetime(2026, 11, 3, 14, 0, tzinfo=UTC)
    )
    # 11:30 p.m. on November 24 in New York is already November 25 in UTC.
    late = BriefFactory(
        title="Late Night Brief", publish_at=datetime(2026, 11, 25, 4, 30, tzinfo=UTC)
    )
    expired = BriefFactory(
        title="Short-lived",
        publish_at=datetime(2026, 11, 2, 14, 0, tzinfo=UTC),
        withdraw_at=datetime(2026, 11, 9, 14, 0, tzinfo=UTC),
    )
    BriefFactory(title="Sketch", status=Brief.Status.DRAFT, publish_at=None)
    BriefFactory(
        title="Dated Sketch",
        status=Brief.Status.DRAFT,
        publish_at=datetime(2026, 11, 10, 14, 0, tzinfo=UTC),
    )
    BriefFactory(title="Checking", status=Brief.Status.REVIEW, publish_at=None)
    BriefFactory(
        title="Pulled",
        status=Brief.Status.WITHDRAWN,
        publish_at=datetime(2026, 11, 5, 14, 0, tzinfo=UTC),
    )
    BriefFactory(title="Next Month", publish_at=datetime(2026, 12, 1, 5, 0, tzinfo=UTC))

    page = editor_client.get(CALENDAR_URL, {"month": "2026-11"})

    assert page.status_code == 200
    text = visible_text(page)
    assert "Home › Briefs › Briefs › Calendar" in text
    assert "November 2026" in text
    assert "Times in America/New_York (EST)" in text
    assert "Not scheduled yet: 1 in review, 2 drafts" in text
    assert "9 a.m. Published Out Already" in day_text(page, "2026-11-03")
    assert "11:30 p.m. Scheduled Late Night Brief" in day_text(page, "2026-11-24")
    assert "Late Night Brief" not in day_text(page, "2026-11-25")
    assert "9 a.m. Expired Short-lived" in day_text(page, "2026-11-02")
    for title in ("Sketch", "Checking", "Pulled", "Next Month"):
        assert title not in text
    for brief in (published, late, expired):
        assert change_url(brief) in link_targets(page)
    # November 30 is a Monday: the grid ends on Sunday, December 6, without December's briefs.
    assert day_text(page, "2026-12-06") == "Dec. 6"
    assert "Next Month" not in day_text(page, "2026-12-01")


def test_grid_runs_monday_to_sunday_and_marks_today(editor_client, clock):
    page = editor_client.get(CALENDAR_URL, {"month": "2026-11"})
    headings = re.findall(r'<th scope="col">(\w+)</th>', page.content.decode())
    assert headings == [
        "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday",
    ]  # fmt: skip
    # November 1, 2026 is a Sunday: the first week starts on Monday, October 26.
    days = re.findall(r'<td data-date="([\d-]+)"', page.content.decode())
    assert (days[0], days[6], days[-1], len(days)) == ("2026-10-26", "2026-11-01", "2026-12-06", 42)
    assert day_text(page, "2026-11-20") == "20 Today"


def test_the_current_month_is_the_local_one(editor_client, time_machine):
    # 10 p.m. on November 30 in New York, already December in UTC.
    time_machine.move_to(datetime(2026, 12, 1, 3, 0, tzinfo=UTC), tick=False)
    page = editor_client.get(CALENDAR_URL)
    assert "November 2026" in visible_text(page)
    assert day_text(page, "2026-11-30") == "30 Today"


def test_month_links_go_to_the_months_either_side_and_back(editor_client, clock):
    page = editor_client.get(CALENDAR_URL, {"month": "2027-01"})
    text = visible_text(page)
    assert "January 2027" in text
    assert "Previous month: December 2026" in text
    assert "Next month: February 2027" in text
    targets = link_targets(page)
    assert f"{CALENDAR_URL}?month=2026-12" in targets
    assert f"{CALENDAR_URL}?month=2027-02" in targets
    assert CALENDAR_URL in targets  # This month
    assert f"{CALENDAR_URL}?month=2027-01&view=list" in targets
    assert "/admin/briefs/brief/?state=review" in targets
    assert "/admin/briefs/brief/?state=draft" in targets


def test_list_view_shows_the_days_that_have_briefs(editor_client, clock):
    BriefFactory(title="Early", publish_at=datetime(2026, 11, 3, 12, 0, tzinfo=UTC))
    BriefFactory(title="Later That Day", publish_at=datetime(2026, 11, 3, 21, 15, tzinfo=UTC))
    BriefFactory(title="Coming Up", publish_at=datetime(2026, 11, 24, 14, 0, tzinfo=UTC))

    page = editor_client.get(CALENDAR_URL, {"month": "2026-11", "view": "list"})

    headings = re.findall(r"<h2>([^<]+)", page.content.decode())
    assert headings == ["Tuesday, November 3", "Tuesday, November 24"]
    assert day_text(page, "2026-11-03", "list") == (
        "Tuesday, November 3 7 a.m. Published Early Flash Brief "
        "4:15 p.m. Published Later That Day Flash Brief"
    )
    assert "9 a.m. Scheduled Coming Up" in day_text(page, "2026-11-24", "list")
    assert day_text(page, "2026-11-04", "list") is None
    assert "Month grid" in visible_text(page)
    stylesheets = [attrs["href"] for attrs in elements(page, "link")]
    assert any(href.endswith("briefs/calendar.css") for href in stylesheets)


def test_empty_month_says_so(editor_client, clock):
    page = editor_client.get(CALENDAR_URL, {"month": "2027-05"})
    assert "No briefs are scheduled or published in May 2027." in visible_text(page)


@pytest.mark.parametrize("month", ["2026-13", "abc", "2026-1", "2026-00", "0001-01", "2026-11-01"])
def test_a_month_that_cannot_be_read_shows_this_month_with_a_message(editor_client, clock, month):
    page = editor_client.get(CALENDAR_URL, {"month": month})
    assert page.status_code == 200
    text = visible_text(page)
    assert f"“{month}” is not a month: give it as YYYY-MM, such as 2026-11." in text
    assert "November 2026" in text


def test_the_page_is_for_staff_with_view_permission(client, analyst, clock):
    response = client.get(CALENDAR_URL)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    client.force_login(UserFactory(username="no-permissions"))
    assert client.get(CALENDAR_URL).status_code == 403
    client.force_login(analyst)
    assert client.get(CALENDAR_URL).status_code == 200


def test_the_month_costs_the_same_queries_for_3_or_30_briefs(
    editor_client, clock, django_assert_max_num_queries
):
    def make_briefs(count):
        for number in range(count):
            # Over the month: published before the clock's November 20, scheduled after it.
            day = 2 + number % 28
            when = datetime(2026, 11, day, 14, 0, tzinfo=UTC) + timedelta(minutes=number)
            BriefFactory(title=f"Brief {number}", publish_at=when)

    make_briefs(3)
    with CaptureQueriesContext(connection) as few:
        assert editor_client.get(CALENDAR_URL).status_code == 200
    make_briefs(27)
    with django_assert_max_num_queries(len(few)):
        page = editor_client.get(CALENDAR_URL)
    assert page.content.decode().count('class="calendar-entry ') == 60  # grid and list


# Moving a scheduled brief


def test_editor_moves_a_scheduled_brief_keeping_its_time_of_day(editor_client, editor, clock):
    brief = BriefFactory(title="On the Move", publish_at=DEC_1_9AM)
    version = Brief.objects.get(pk=brief.pk).version

    response = move(editor_client, brief, "2026-12-03")

    assert response.redirect_chain == [(f"{CALENDAR_URL}?month=2026-12", 302)]
    assert "“On the Move” moved to Dec. 3, 2026, 9 a.m. EST." in visible_text(response)
    assert "9 a.m. Scheduled On the Move" in day_text(response, "2026-12-03")
    assert "On the Move" not in day_text(response, "2026-12-01")
    assert stored(brief) == datetime(2026, 12, 3, 14, 0, tzinfo=UTC)

    transition = brief.transitions.get()
    assert (transition.user, transition.comment) == (editor, "Moved in the calendar")
    assert transition.description == "Rescheduled: Scheduled for Dec. 3, 2026, 9 a.m. EST"
    revision = brief.revisions.get()
    assert (revision.user, revision.note) == (editor, "Moved in the calendar")
    assert revision.document["publish_at"] == "2026-12-03T09:00:00-05:00"
    assert brief.version == version + 1


def test_moving_from_the_list_view_returns_to_the_list(editor_client, clock):
    brief = BriefFactory(title="Phone Move", publish_at=DEC_1_9AM)
    page = editor_client.get(CALENDAR_URL, {"month": "2026-12", "view": "list"})
    data = form_fields(page, f"move-{brief.pk}-list")
    data["date"] = ["2027-01-05"]
    response = editor_client.post(MOVE_URL, data)
    assert response["Location"] == f"{CALENDAR_URL}?month=2027-01&view=list"
    assert stored(brief) == datetime(2027, 1, 5, 14, 0, tzinfo=UTC)


def test_a_move_across_the_daylight_saving_change_keeps_the_local_time(
    editor_client, client, time_machine
):
    time_machine.move_to(datetime(2026, 3, 1, 15, 0, tzinfo=UTC), tick=False)
    # 9 a.m. EST on Saturday, March 7; the clocks go forward on Sunday, March 8.
    brief = BriefFactory(title="Spring", publish_at=datetime(2026, 3, 7, 14, 0, tzinfo=UTC))

    page = editor_client.get(CALENDAR_URL, {"month": "2026-03"})
    assert "Times in America/New_York (EST; EDT from March 8)" in visible_text(page)
    response = move(editor_client, brief, "2026-03-09")

    assert "“Spring” moved to March 9, 2026, 9 a.m. EDT." in visible_text(response)
    assert stored(brief) == datetime(2026, 3, 9, 13, 0, tzinfo=UTC)
    time_machine.move_to(datetime(2026, 3, 9, 12, 59, 59, tzinfo=UTC), tick=False)
    assert client.get(brief.get_absolute_url()).status_code == 404
    time_machine.move_to(datetime(2026, 3, 9, 13, 0, tzinfo=UTC), tick=False)
    assert client.get(brief.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    "publish_at, new_date, message",
    [
        # 2:30 a.m. EST on March 1; on March 8 the clocks skip from 2 a.m. to 3 a.m.
        (
            datetime(2026, 3, 1, 7, 30, tzinfo=UTC),
            "2026-03-08",
            "“Edge” was not moved: in America/New_York the clocks skip 2:30 a.m. on "
            "March 8, 2026. Give it a time in the brief's form instead.",
        ),
        # 1:30 a.m. EDT on October 25; on November 1 the clocks go back and 1:30 comes twice.
        (
            datetime(2026, 10, 25, 5, 30, tzinfo=UTC),
            "2026-11-01",
            "“Edge” was not moved: in America/New_York 1:30 a.m. happens twice on "
            "Nov. 1, 2026, as the clocks go back. Give it a time in the brief's form instead.",
        ),
    ],
)
def test_a_time_the_clocks_skip_or_repeat_on_the_new_date_is_refused(
    editor_client, time_machine, publish_at, new_date, message
):
    time_machine.move_to(datetime(2026, 2, 1, 12, 0, tzinfo=UTC), tick=False)
    brief = BriefFactory(title="Edge", publish_at=publish_at)
    response = move(editor_client, brief, new_date)
    assert message in visible_text(response)
    assert stored(brief) == publish_at
    assert not brief.transitions.exists()


@pytest.mark.parametrize("new_date", ["2026-11-19", "2026-11-20"])
def test_moving_to_a_time_that_has_passed_is_refused(editor_client, clock, new_date):
    # The clock says 10 a.m. on November 20: 9 a.m. that day has passed too.
    brief = BriefFactory(title="Not Back in Time", publish_at=DEC_1_9AM)
    response = move(editor_client, brief, new_date)
    assert "has already passed. Pick a later date." in visible_text(response)
    assert stored(brief) == DEC_1_9AM
    assert not brief.transitions.exists() and not brief.revisions.exists()


def test_moving_to_later_today_is_allowed(editor_client, clock):
    # 4 p.m. EST on December 1 moved to November 20, six hours after the clock's 10 a.m.
    brief = BriefFactory(
        title="This Afternoon", publish_at=datetime(2026, 12, 1, 21, 0, tzinfo=UTC)
    )
    response = move(editor_client, brief, "2026-11-20")
    assert "moved to Nov. 20, 2026, 4 p.m. EST." in visible_text(response)
    assert stored(brief) == datetime(2026, 11, 20, 21, 0, tzinfo=UTC)


def test_moving_a_published_brief_is_refused(editor_client, clock):
    published_at = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
    brief = BriefFactory(title="Public Now", publish_at=published_at)
    page = editor_client.get(CALENDAR_URL)
    assert not move_form_ids(page)

    response = editor_client.post(
        MOVE_URL, {"brief": brief.pk, "date": "2026-12-10", "month": "2026-11"}, follow=True
    )
    assert (
        "“Public Now” was not moved: it is already published. Only scheduled briefs can be moved."
        in visible_text(response)
    )
    assert stored(brief) == published_at


def test_moving_to_the_same_day_changes_nothing(editor_client, clock):
    brief = BriefFactory(title="Staying Put", publish_at=DEC_1_9AM)
    response = move(editor_client, brief, "2026-12-01")
    assert "“Staying Put” is already scheduled for Dec. 1, 2026, 9 a.m. EST." in visible_text(
        response
    )
    assert not brief.transitions.exists() and not brief.revisions.exists()


def test_moving_past_the_withdrawal_time_is_refused(editor_client, clock):
    brief = BriefFactory(
        title="Time-limited",
        publish_at=DEC_1_9AM,
        withdraw_at=datetime(2026, 12, 5, 14, 0, tzinfo=UTC),
    )
    response = move(editor_client, brief, "2026-12-08")
    assert (
        "“Time-limited” was not moved: it is to be withdrawn at Dec. 5, 2026, 9 a.m. EST, "
        "before the new time." in visible_text(response)
    )
    assert stored(brief) == DEC_1_9AM


def test_analyst_sees_no_move_form_and_cannot_move(analyst_client, clock):
    brief = BriefFactory(title="Editors Only", publish_at=DEC_1_9AM)
    page = analyst_client.get(CALENDAR_URL, {"month": "2026-12"})
    assert "9 a.m. Scheduled Editors Only" in day_text(page, "2026-12-01")
    assert not move_form_ids(page)
    assert "Move" not in visible_text(page)

    response = analyst_client.post(MOVE_URL, {"brief": brief.pk, "date": "2026-12-03"})
    assert response.status_code == 403
    assert stored(brief) == DEC_1_9AM


def test_editor_sees_move_forms_only_beside_scheduled_briefs(editor_client, clock):
    scheduled = BriefFactory(publish_at=DEC_1_9AM)
    BriefFactory(publish_at=datetime(2026, 11, 2, 14, 0, tzinfo=UTC))
    page = editor_client.get(CALENDAR_URL, {"month": "2026-11"})
    assert not move_form_ids(page)
    page = editor_client.get(CALENDAR_URL, {"month": "2026-12"})
    assert move_form_ids(page) == {f"move-{scheduled.pk}-grid", f"move-{scheduled.pk}-list"}
    fields = form_fields(page, f"move-{scheduled.pk}-grid")
    assert fields["brief"] == [str(scheduled.pk)] and fields["date"] == ["2026-12-01"]
    assert "csrfmiddlewaretoken" in fields


@pytest.mark.parametrize(
    "data, message",
    [
        ({"date": "2026-12-03"}, "The move did not say which brief to move. Nothing was moved."),
        ({"brief": "abc", "date": "2026-12-03"}, "The move named no brief the calendar knows."),
        ({"brief": "-4", "date": "2026-12-03"}, "The move named no brief the calendar knows."),
        ({"brief": "99999", "date": "2026-12-03"}, "That brief no longer exists"),
        ({"brief": "9" * 30, "date": "2026-12-03"}, "The move named no brief the calendar knows."),
        ({"brief": "{pk}"}, "Pick the date to move the brief to. Nothing was moved."),
        ({"brief": "{pk}", "date": "2026-13-01"}, "must be a date written as YYYY-MM-DD"),
        ({"brief": "{pk}", "date": "12/03/2026"}, "must be a date written as YYYY-MM-DD"),
    ],
)
def test_a_move_that_cannot_be_read_gets_a_message_and_changes_nothing(
    editor_client, clock, data, message
):
    brief = BriefFactory(publish_at=DEC_1_9AM)
    data = {key: value.format(pk=brief.pk) for key, value in data.items()}
    response = editor_client.post(MOVE_URL, {**data, "month": "2026-12"}, follow=True)
    assert response.redirect_chain == [(f"{CALENDAR_URL}?month=2026-12", 302)]
    assert message in visible_text(response)
    assert stored(brief) == DEC_1_9AM
    assert not brief.transitions.exists() and not brief.revisions.exists()


def test_the_move_address_takes_only_posts(editor_client, clock):
    assert editor_client.get(MOVE_URL).status_code == 405


def test_the_briefs_list_links_to_the_calendar(analyst_client):
    links = elements(analyst_client.get("/admin/briefs/brief/"), "a")
    assert {"href": "/admin/briefs/brief/calendar/"} in links
