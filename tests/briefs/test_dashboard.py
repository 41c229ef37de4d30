"""The dashboard on the admin's home page (briefs/admin/dashboard.py): my drafts, what waits
for review, what is scheduled soon, what was published last, and, for people who may publish,
the handler runs that failed. Read as the signed-in person sees the page."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from briefs.admin.dashboard import dashboard_for
from briefs.editorial import changes
from briefs.editorial.revisions import keep_baseline
from briefs.models import Brief
from events.models import Event, HandlerRun, Kind
from tests.factories import BriefFactory, UserFactory
from tests.pages import elements, visible_text

pytestmark = pytest.mark.django_db

ADMIN_URL = "/admin/"

# Thursday, December 3, 2026, 2:03 p.m. in New York (EST).
CLOCK = datetime(2026, 12, 3, 19, 3, tzinfo=UTC)


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(CLOCK, tick=False)
    return time_machine


@pytest.fixture
def ana(analyst):
    analyst.first_name, analyst.last_name = "Ana", "Lyst"
    analyst.save()
    return analyst


@pytest.fixture
def otto():
    return UserFactory(username="otto", first_name="Otto", last_name="Other", group="Analysts")


def change_url(brief):
    return f"/admin/briefs/brief/{brief.pk}/change/"


def module_text(response, key):
    """What one module of the dashboard says ("drafts", "review", "scheduled", "published",
    "problems"), or None when the page has no such module."""
    found = re.search(
        rf'<section [^>]*id="dashboard-{key}"[^>]*>.*?</section>', response.content.decode(), re.S
    )
    return visible_text(found[0]) if found else None


def module_links(response, key):
    found = re.search(
        rf'<section [^>]*id="dashboard-{key}"[^>]*>.*?</section>', response.content.decode(), re.S
    )
    return [attrs["href"] for attrs in elements(found[0], "a")]


def module_rows(response, key):
    found = re.search(
        rf'<section [^>]*id="dashboard-{key}"[^>]*>.*?</section>', response.content.decode(), re.S
    )
    return elements(found[0], "li")


def in_order(text, *parts):
    """Whether each of `parts` is in `text`, in this order."""
    positions = [text.find(part) for part in parts]
    return -1 not in positions and positions == sorted(positions)


def write_draft(user, title, at, clock):
    clock.move_to(at, tick=False)
    with changes.operation(user):
        brief = BriefFactory(title=title, status=Brief.Status.DRAFT, publish_at=None)
    clock.move_to(CLOCK, tick=False)
    return brief


def save_as(user, brief, at, clock):
    """`user` saves `brief` (its summary changed) at `at`, through the write path."""
    clock.move_to(at, tick=False)
    brief = Brief.objects.get(pk=brief.pk)
    with changes.operation(user) as change:
        change.watch(brief)
        brief.summary = f"Saved by {user.username} at {at:%H:%M}."
        brief.save()
    clock.move_to(CLOCK, tick=False)


def submit_at(user, brief, at, clock):
    clock.move_to(at, tick=False)
    changes.submit(brief, user)
    clock.move_to(CLOCK, tick=False)


def failed_run(
    title, handler, *, at, outcome=HandlerRun.Outcome.FAILED, attempts=3, error="", **fields
):
    event = Event.objects.create(
        kind=Kind.BRIEF_PUBLISHED, subject="brief:1", payload={"title": title}, due_at=at
    )
    return HandlerRun.objects.create(
        event=event,
        handler=handler,
        outcome=outcome,
        attempts=attempts,
        started_at=at,
        last_error=error,
        **fields,
    )


# My drafts


def test_my_drafts_are_those_i_wrote_or_saved_last_newest_change_first(client, clock, ana, otto):
    written = write_draft(ana, "Written By Ana", CLOCK - timedelta(days=2), clock)
    saved_last = write_draft(otto, "Otto's, Saved By Ana", CLOCK - timedelta(days=3), clock)
    save_as(ana, saved_last, CLOCK - timedelta(hours=5), clock)
    taken_over = write_draft(ana, "Ana's, Saved Since By Otto", CLOCK - timedelta(days=4), clock)
    save_as(otto, taken_over, CLOCK - timedelta(minutes=20), clock)
    write_draft(otto, "Otto's Own Draft", CLOCK - timedelta(hours=1), clock)
    submitted = write_draft(ana, "Ana's, Now In Review", CLOCK - timedelta(hours=2), clock)
    submit_at(ana, submitted, CLOCK - timedelta(hours=1), clock)
    # Made outside the admin and the imports: no revision says who wrote it...
    BriefFactory(title="Imported Draft", status=Brief.Status.DRAFT, publish_at=None)
    # ...until a person saves it, after its baseline revision: Ana, then Otto.
    clock.move_to(CLOCK - timedelta(days=6), tick=False)
    taken_up = BriefFactory(title="Taken Up By Ana", status=Brief.Status.DRAFT, publish_at=None)
    keep_baseline(taken_up)
    save_as(ana, taken_up, CLOCK - timedelta(days=6), clock)
    save_as(otto, taken_up, CLOCK - timedelta(days=5), clock)

    client.force_login(ana)
    response = client.get(ADMIN_URL)

    drafts = module_text(response, "drafts")
    assert in_order(
        drafts,
        "My drafts",
        "Ana's, Saved Since By Otto Saved 20 minutes ago by Otto Other",
        "Otto's, Saved By Ana Saved 5 hours ago by you",
        "Written By Ana Saved 2 days ago by you",
        "Taken Up By Ana Saved 5 days ago by Otto Other",
        "All drafts",
    )
    for absent in ["Otto's Own Draft", "Now In Review", "Imported Draft"]:
        assert absent not in drafts
    links = module_links(response, "drafts")
    assert links == [
        change_url(taken_over),
        change_url(saved_last),
        change_url(written),
        change_url(taken_up),
        "/admin/briefs/brief/?state=draft",
    ]


def test_my_drafts_list_at_most_ten(client, clock, ana):
    for number in range(12):
        write_draft(ana, f"Draft {number:02}", CLOCK - timedelta(hours=12 - number), clock)

    client.force_login(ana)
    drafts = module_text(client.get(ADMIN_URL), "drafts")

    assert in_order(drafts, "Draft 11", "Draft 10", "Draft 02")
    assert "Draft 01" not in drafts
    assert "Draft 00" not in drafts


# Waiting for review


def test_waiting_for_review_is_oldest_first_with_the_wait_and_who_submitted(
    editor_client, clock, ana, otto
):
    newest = write_draft(otto, "Submitted Five Hours Ago", CLOCK - timedelta(days=1), clock)
    submit_at(otto, newest, CLOCK - timedelta(hours=5), clock)
    oldest = write_draft(ana, "Submitted Three Days Ago", CLOCK - timedelta(days=4), clock)
    submit_at(ana, oldest, CLOCK - timedelta(days=3, hours=4), clock)
    # Submitted long ago, sent back, submitted again yesterday: it has waited since then.
    again = write_draft(ana, "Resubmitted Yesterday", CLOCK - timedelta(days=12), clock)
    submit_at(ana, again, CLOCK - timedelta(days=10), clock)
    clock.move_to(CLOCK - timedelta(days=9), tick=False)
    changes.send_back(Brief.objects.get(pk=again.pk), otto, "Take it back, please.")
    submit_at(otto, Brief.objects.get(pk=again.pk), CLOCK - timedelta(days=1), clock)
    write_draft(ana, "Still A Draft", CLOCK - timedelta(days=20), clock)

    response = editor_client.get(ADMIN_URL)

    review = module_text(response, "review")
    assert in_order(
        review,
        "Waiting for review",
        "Submitted Three Days Ago Waiting 3 days · submitted by Ana Lyst",
        "Resubmitted Yesterday Waiting 1 day · submitted by Otto Other",
        "Submitted Five Hours Ago Waiting 5 hours · submitted by Otto Other",
        "All briefs in review",
    )
    assert "Still A Draft" not in review
    assert module_links(response, "review") == [
        change_url(oldest),
        change_url(again),
        change_url(newest),
        "/admin/briefs/brief/?state=review",
    ]


def test_a_brief_in_review_with_no_recorded_submission_waits_since_its_last_save(
    editor_client, clock
):
    clock.move_to(CLOCK - timedelta(hours=2), tick=False)
    BriefFactory(title="Restored In Review", status=Brief.Status.REVIEW, publish_at=None)
    clock.move_to(CLOCK, tick=False)

    review = module_text(editor_client.get(ADMIN_URL), "review")

    assert "Restored In Review Waiting 2 hours All briefs in review" in review


# Scheduled in the next 7 days


def test_scheduled_briefs_of_the_next_seven_days_soonest_first_in_the_site_time_zone(
    editor_client, clock
):
    later = BriefFactory(title="In Two Days", publish_at=CLOCK + timedelta(days=2, hours=1))
    soon = BriefFactory(title="In Three Hours", publish_at=CLOCK + timedelta(hours=3))
    BriefFactory(title="Next Month", publish_at=CLOCK + timedelta(days=8))
    BriefFactory(title="Out Already", publish_at=CLOCK - timedelta(hours=1))
    BriefFactory(title="A Draft", status=Brief.Status.DRAFT, publish_at=None)

    response = editor_client.get(ADMIN_URL)

    scheduled = module_text(response, "scheduled")
    assert in_order(
        scheduled,
        "Scheduled in the next 7 days",
        "In Three Hours Thu, Dec 3, 2026, 5:03 p.m. EST · in 3 hours",
        "In Two Days Sat, Dec 5, 2026, 3:03 p.m. EST · in 2 days, 1 hour",
        "All scheduled briefs",
    )
    for absent in ["Next Month", "Out Already", "A Draft"]:
        assert absent not in scheduled
    assert module_links(response, "scheduled") == [
        change_url(soon),
        change_url(later),
        "/admin/briefs/brief/?state=scheduled",
    ]


def test_scheduled_times_follow_the_site_time_zone_setting(editor_client, clock, settings):
    settings.TIME_ZONE = "Europe/Paris"
    BriefFactory(title="Paris Morning", publish_at=datetime(2026, 12, 4, 8, 30, tzinfo=UTC))

    scheduled = module_text(editor_client.get(ADMIN_URL), "scheduled")

    assert "Paris Morning Fri, Dec 4, 2026, 9:30 a.m. CET · in 13 hours, 27 minutes" in scheduled


# Recently published


def test_recently_published_lists_the_last_ten_public_briefs_newest_first(editor_client, clock):
    for hours in range(1, 13):
        BriefFactory(
            title=f"Published {hours:02} Hours Ago", publish_at=CLOCK - timedelta(hours=hours)
        )
    BriefFactory(title="Scheduled One", publish_at=CLOCK + timedelta(hours=1))
    BriefFactory(title="Withdrawn One", status=Brief.Status.WITHDRAWN)
    BriefFactory(
        title="Expired One",
        publish_at=CLOCK - timedelta(minutes=30),
        withdraw_at=CLOCK - timedelta(minutes=10),
    )

    response = editor_client.get(ADMIN_URL)

    published = module_text(response, "published")
    assert in_order(
        published,
        "Recently published",
        "Published 01 Hours Ago Published 1 hour ago · View on site",
        "Published 02 Hours Ago",
        "Published 10 Hours Ago",
        "All published briefs",
    )
    for absent in ["11 Hours Ago", "12 Hours Ago", "Scheduled One", "Withdrawn One", "Expired"]:
        assert absent not in published
    newest = Brief.objects.get(title="Published 01 Hours Ago")
    links = module_links(response, "published")
    assert links[:2] == [change_url(newest), "/briefs/published-01-hours-ago/"]
    assert links[-1] == "/admin/briefs/brief/?state=published"


# Empty states


def test_each_module_says_when_it_has_nothing_to_show(editor_client, clock):
    text = visible_text(editor_client.get(ADMIN_URL))

    assert in_order(
        text,
        "My drafts You have no drafts. All drafts",
        "Waiting for review Nothing is waiting for review. All briefs in review",
        "Scheduled in the next 7 days Nothing is scheduled for the next 7 days.",
        "Recently published Nothing has been published yet. All published briefs",
        "Delivery problems No delivery problems in the last 7 days. All failing events",
        # Django's own home page follows: the apps, and the recent actions.
        "Publication events",
        "Recent actions",
    )


def test_the_dashboard_is_on_the_home_page_only_not_on_an_apps_page(editor_client, clock):
    BriefFactory(title="A Public Brief")
    stylesheet = "/static/briefs/dashboard.css"

    home = editor_client.get(ADMIN_URL)
    app_page = editor_client.get("/admin/briefs/")

    assert "A Public Brief" in module_text(home, "published")
    assert stylesheet in [attrs.get("href") for attrs in elements(home, "link")]
    assert app_page.status_code == 200
    assert "Recently published" not in visible_text(app_page)
    assert stylesheet not in [attrs.get("href") for attrs in elements(app_page, "link")]


# Delivery problems


def test_failed_handler_runs_show_their_error_newest_first(editor_client, clock):
    failed_run(
        "Drones Over the Black Sea",
        "subscriptions",
        at=CLOCK - timedelta(minutes=10),
        next_attempt_at=CLOCK + timedelta(minutes=2),
        error="SMTPServerDisconnected: Connection unexpectedly closed",
    )
    failed_run(
        "Sanctions Tracker",
        "webhooks",
        at=CLOCK - timedelta(days=2),
        outcome=HandlerRun.Outcome.GAVE_UP,
        attempts=1,
        error="ConnectionError: https://hooks.example.org/ refused the connection",
    )
    failed_run("Last Week's Failure", "edge", at=CLOCK - timedelta(days=8), error="Old")
    failed_run("Went Well", "edge", at=CLOCK - timedelta(hours=1), outcome=HandlerRun.Outcome.DONE)

    response = editor_client.get(ADMIN_URL)

    problems = module_text(response, "problems")
    assert in_order(
        problems,
        "Delivery problems",
        "subscriptions on Brief published: Drones Over the Black Sea "
        "Failed, will retry · 3 attempts, last tried 10 minutes ago · next try in 2 minutes "
        "SMTPServerDisconnected: Connection unexpectedly closed",
        "webhooks on Brief published: Sanctions Tracker "
        "Failed, gave up · 1 attempt, last tried 2 days ago "
        "ConnectionError: https://hooks.example.org/ refused the connection",
        "All failing events",
    )
    assert "Last Week's Failure" not in problems
    assert "Went Well" not in problems
    links = module_links(response, "problems")
    assert links[-1] == "/admin/events/event/?state=failing"
    assert len(links) == 3 and all(link.startswith("/admin/events/event/") for link in links)


@pytest.mark.parametrize(
    "role, sees_problems",
    [("Analysts", False), ("Editors", True), ("superuser", True)],
)
def test_only_people_who_may_publish_see_delivery_problems(client, clock, role, sees_problems):
    failed_run("Drones Over the Black Sea", "edge", at=CLOCK - timedelta(hours=1), error="Boom")
    person = UserFactory(is_superuser=True) if role == "superuser" else UserFactory(group=role)
    client.force_login(person)

    response = client.get(ADMIN_URL)

    text = visible_text(response)
    assert "My drafts" in text
    assert ("Delivery problems" in text) is sees_problems
    assert ("Drones Over the Black Sea" in text) is sees_problems


def test_staff_who_may_not_view_briefs_see_no_dashboard(client, clock):
    BriefFactory(title="A Public Brief")
    client.force_login(UserFactory())

    text = visible_text(client.get(ADMIN_URL))

    assert "Recently published" not in text
    assert "A Public Brief" not in text


# Cost


def make_briefs(count, writer, others, clock):
    """`count` briefs of each kind the dashboard lists, and as many failed runs: drafts that
    `writer` wrote or saved last, and briefs that `others` submitted."""
    for number in range(count):
        at = CLOCK - timedelta(days=1, minutes=number)
        other = others[number % len(others)]
        draft = write_draft(other if number % 2 else writer, f"Draft {number}", at, clock)
        if number % 2:
            save_as(writer, draft, at + timedelta(seconds=30), clock)
        write_draft(other, f"Someone else's draft {number}", at, clock)
        submit_at(other, write_draft(other, f"Review {number}", at, clock), at, clock)
        BriefFactory(title=f"Scheduled {number}", publish_at=CLOCK + timedelta(hours=number + 1))
        BriefFactory(title=f"Published {number}", publish_at=CLOCK - timedelta(hours=number + 1))
        failed_run(f"Failing {number}", "edge", at=CLOCK - timedelta(minutes=number), error="No")


def test_the_dashboard_takes_as_many_queries_however_many_briefs_there_are(
    client, clock, ana, otto, django_assert_max_num_queries
):
    editor = UserFactory(group="Editors")
    client.force_login(editor)
    make_briefs(2, editor, [ana, otto], clock)
    client.get(ADMIN_URL)  # the session's first request
    with CaptureQueriesContext(connection) as few:
        assert client.get(ADMIN_URL).status_code == 200

    make_briefs(25, editor, [ana, otto], clock)

    with django_assert_max_num_queries(len(few)):
        response = client.get(ADMIN_URL)
    for key in ["drafts", "review", "scheduled", "published", "problems"]:
        assert len(module_rows(response, key)) == 10
    # Of which the dashboard: a query for each module's rows, one for the people named in
    # the drafts and one for those in review, and two for the person's permissions.
    editor = type(editor).objects.get(pk=editor.pk)
    with django_assert_max_num_queries(9):
        dashboard_for(editor)
