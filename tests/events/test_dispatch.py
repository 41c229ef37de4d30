"""Handing events to their handlers: at their time, once, retried with backoff, in order."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from events import outbox
from events.models import Activity, Event, HandlerRun
from tests.events import handlers

pytestmark = pytest.mark.django_db

FLAKY = ["tests.events.handlers.flaky"]


def dispatch():
    call_command("dispatch_events", stdout=mock.MagicMock())


def activity():
    return list(Activity.objects.order_by("pk").values_list("description", flat=True))


def test_an_event_due_now_is_handled_once_however_often_dispatch_runs():
    outbox.record("brief.published", "brief:1", {"title": "Drones over the Black Sea"})
    dispatch()
    dispatch()
    assert activity() == ["Brief published: “Drones over the Black Sea”"]
    assert Event.objects.get().handled_at is not None


def test_a_scheduled_event_waits_for_its_time(now):
    outbox.record("brief.published", "brief:1", {"title": "Later"}, due_at=now + timedelta(hours=2))
    dispatch()
    assert activity() == []
    with time_machine.travel(now + timedelta(hours=2, seconds=1)):
        dispatch()
    assert len(activity()) == 1
    assert "as scheduled for" in activity()[0]


def test_a_moved_event_is_not_handled_at_its_old_time(now):
    payload = {"title": "Moved"}
    outbox.expect("brief.published", "brief:1", payload, now + timedelta(hours=1))
    outbox.expect("brief.published", "brief:1", payload, now + timedelta(hours=3))
    assert Event.objects.count() == 1
    with time_machine.travel(now + timedelta(hours=2)):
        dispatch()
    assert activity() == []
    with time_machine.travel(now + timedelta(hours=3, seconds=1)):
        dispatch()
    assert len(activity()) == 1


def test_a_cancelled_event_is_never_handled(now):
    outbox.expect("brief.published", "brief:1", {"title": "Never"}, now + timedelta(hours=1))
    assert outbox.cancel("brief:1", ["brief.published"]) == 1
    with time_machine.travel(now + timedelta(days=1)):
        dispatch()
    assert activity() == []


def test_a_worker_that_was_down_catches_up_in_order(now):
    for minutes, title in [(50, "Second"), (60, "First"), (10, "Third")]:
        outbox.record(
            "brief.published", "brief:1", {"title": title}, now - timedelta(minutes=minutes)
        )
    dispatch()
    assert activity() == [
        "Brief published: “First”",
        "Brief published: “Second”",
        "Brief published: “Third”",
    ]


def test_a_failing_handler_is_retried_with_backoff_and_its_effect_happens_once(settings, now):
    settings.EVENT_HANDLERS = FLAKY
    handlers.failures["left"] = 2
    event = outbox.record("brief.published", "brief:1", {"title": "Retried"})
    dispatch()
    run = HandlerRun.objects.get()
    assert (run.outcome, run.attempts) == ("failed", 1)
    assert "mail server is down" in run.last_error
    assert run.next_attempt_at == run.started_at + timedelta(seconds=30)
    dispatch()  # before the backoff: not tried again
    assert HandlerRun.objects.get().attempts == 1
    with time_machine.travel(now + timedelta(seconds=31)):
        dispatch()
    assert HandlerRun.objects.get().attempts == 2  # failed again: the next wait is 60 s
    with time_machine.travel(now + timedelta(seconds=31 + 61)):
        dispatch()
        dispatch()
    run = HandlerRun.objects.get()
    assert (run.outcome, run.attempts, run.last_error) == ("done", 3, "")
    assert activity() == ["flaky did it"]
    event.refresh_from_db()
    assert event.handled_at is not None


def test_a_handler_that_fails_for_a_day_is_given_up_and_shown(settings, now, admin_client):
    settings.EVENT_HANDLERS = FLAKY
    handlers.failures["left"] = 1000
    event = outbox.record("brief.published", "brief:1", {"title": "Hopeless"})
    for hours in range(0, 26):
        with time_machine.travel(now + timedelta(hours=hours, seconds=1)):
            dispatch()
    handlers.failures["left"] = 0
    run = HandlerRun.objects.get()
    assert run.outcome == "gave_up"
    event.refresh_from_db()
    assert event.handled_at is not None
    page = admin_client.get("/admin/events/event/?state=failing").content.decode()
    assert "Hopeless" in page and "Failed, gave up" in page


def test_a_queue_that_cannot_be_reached_does_not_fail_the_change(
    django_capture_on_commit_callbacks,
):
    from events import tasks

    with (
        mock.patch.object(tasks.handle_event, "apply_async", side_effect=OSError("refused")),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        outbox.record("brief.published", "brief:1", {"title": "Queued later"})
    dispatch()
    assert activity() == ["Brief published: “Queued later”"]


def test_events_due_soon_go_to_the_worker_with_their_time(django_capture_on_commit_callbacks, now):
    from events import tasks

    soon, later = now + timedelta(minutes=5), now + timedelta(days=2)
    with (
        mock.patch.object(tasks.handle_event, "apply_async") as sent,
        django_capture_on_commit_callbacks(execute=True),
    ):
        soon_event = outbox.record("brief.published", "brief:1", {"title": "Soon"}, due_at=soon)
        outbox.record("brief.published", "brief:2", {"title": "Later"}, due_at=later)
    sent.assert_called_once_with((soon_event.pk,), eta=soon)


def test_the_activity_log_is_listed_in_the_admin(admin_client):
    outbox.record("brief.withdrawn", "brief:1", {"title": "Gone", "by": "Ada Editor"})
    dispatch()
    page = admin_client.get("/admin/events/activity/").content.decode()
    assert "Brief withdrawn: “Gone” (by Ada Editor)" in page
    assert admin_client.get("/admin/events/activity/add/").status_code == 403


def test_dispatch_events_says_what_it_did():
    outbox.record("brief.published", "brief:1", {"title": "Counted"})
    out = mock.MagicMock()
    call_command("dispatch_events", stdout=out)
    assert "Handed over 1 due events; 1 finished." in out.write.call_args_list[0].args[0]
    assert timezone.now() >= Event.objects.get().handled_at
