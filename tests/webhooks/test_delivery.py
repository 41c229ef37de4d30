"""Webhooks sent as the worker sends them (issue 17, part 3): a signed POST per endpoint that
wants the event, at the event's time, retried with backoff, given up after a day, and the
endpoint turned off with the editors told. The receiver is a real HTTP server on 127.0.0.1;
events are handed over with `dispatch_events`, and the clock is moved, never waited for.
"""

import hashlib
import hmac
import threading
import time
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from briefs.editorial import changes
from briefs.models import Brief
from events.models import Kind
from tests.factories import (
    BriefFactory,
    ExpertFactory,
    ExpertQuoteFactory,
    IssueFactory,
    UserFactory,
)
from tests.pages import form_fields, visible_text
from tests.webhooks.conftest import Receiver, make_endpoint
from webhooks import delivery as webhooks
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db

Status = WebhookDelivery.Status

# The verification code of docs/webhooks.md ("Checking the signature"), as it is there.
TOLERANCE_SECONDS = 5 * 60


def verify_briefs_signature(secret, header, body, tolerance=TOLERANCE_SECONDS):
    """Whether `body` (the request's raw bytes) was signed with `secret` less than
    `tolerance` seconds ago. `header` is the Briefs-Signature header's value."""
    timestamp, signatures = None, []
    for item in header.split(","):
        key, _, value = item.strip().partition("=")
        if key == "t":
            timestamp = value
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not timestamp.isdigit() or not signatures:
        return False
    if abs(time.time() - int(timestamp)) > tolerance:
        return False
    signed = timestamp.encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, signature) for signature in signatures)


def hand_over_events():
    """The worker's first half: the deliveries are queued, not yet sent."""
    call_command("dispatch_events", stdout=StringIO())


def draft(**fields):
    return BriefFactory(status=Brief.Status.DRAFT, publish_at=None, **fields)


def only(receiver):
    (request,) = receiver.requests
    return request


@pytest.fixture
def editors_with_mail(editor):
    editor.email = "editor@example.org"
    editor.save()
    UserFactory(username="chief", email="chief@example.org", group="Editors")
    UserFactory(username="writer", email="writer@example.org", group="Analysts")
    return {"editor@example.org", "chief@example.org"}


def test_a_published_brief_is_sent_signed_to_each_endpoint_that_wants_it(receiver, deliver, editor):
    iran, oil = IssueFactory(name="Iran"), IssueFactory(name="Oil")
    brief = draft(title="Tankers go dark", issues=[iran, oil])
    ExpertQuoteFactory(brief=brief, expert=ExpertFactory(name="Ada Analyst"))
    partner = make_endpoint(receiver.url, kinds=[Kind.BRIEF_PUBLISHED], name="Partner")
    archive = make_endpoint(f"{receiver.url}?to=archive", name="Archive")
    make_endpoint(f"{receiver.url}?to=withdrawals", kinds=[Kind.BRIEF_WITHDRAWN])

    changes.publish_now(brief, editor)
    deliver()

    assert sorted(request.path for request in receiver.requests) == [
        "/hook",
        "/hook?to=archive",
    ]
    for request, endpoint in zip(
        sorted(receiver.requests, key=lambda r: r.path), [partner, archive], strict=True
    ):
        assert request.headers["Content-Type"] == "application/json"
        assert request.headers["User-Agent"] == "Briefs-Webhooks/1"
        assert request.headers["Briefs-Event"] == "brief.published"
        assert verify_briefs_signature(
            endpoint.secret, request.headers["Briefs-Signature"], request.body
        )
        sent = WebhookDelivery.objects.get(endpoint=endpoint)
        assert request.headers["Briefs-Delivery"] == str(sent.pk)
        assert request.document["id"] == sent.pk
        assert (sent.status, sent.attempts, sent.response_status) == (Status.SENT, 1, 200)
    brief.refresh_from_db()
    assert only_document(receiver, "/hook") == {
        "id": WebhookDelivery.objects.get(endpoint=partner).pk,
        "kind": "brief.published",
        "occurred_at": sent.event.due_at.isoformat(),
        "data": {
            "slug": brief.slug,
            "title": "Tankers go dark",
            "url": f"http://testserver/briefs/{brief.slug}/",
            "api_url": f"http://testserver/api/v1/briefs/{brief.slug}/",
            "publish_at": brief.publish_at.isoformat(),
            "issues": ["iran", "oil"],
            "experts": ["ada-analyst"],
        },
    }


def only_document(receiver, path):
    (request,) = [request for request in receiver.requests if request.path == path]
    return request.document


def test_what_is_sent_never_names_staff(receiver, deliver, editor):
    editor.first_name, editor.last_name = "Edith", "Torr"
    editor.save()
    make_endpoint(receiver.url)
    brief = draft(title="Quiet")

    changes.publish_now(brief, editor)
    changes.withdraw(Brief.objects.get(pk=brief.pk), editor, "Out of date")
    deliver()

    assert [request.document["kind"] for request in receiver.requests] == [
        "brief.published",
        "brief.withdrawn",
    ]
    for request in receiver.requests:
        assert b"Edith" not in request.body and b"editor" not in request.body
        assert "by" not in request.document["data"] and "by_id" not in request.document["data"]


def test_the_signature_is_refused_for_another_body_secret_or_an_old_time(receiver, deliver, editor):
    endpoint = make_endpoint(receiver.url)
    changes.publish_now(draft(), editor)
    deliver()
    request = only(receiver)
    header = request.headers["Briefs-Signature"]

    assert verify_briefs_signature(endpoint.secret, header, request.body)
    assert not verify_briefs_signature(endpoint.secret, header, request.body + b" ")
    assert not verify_briefs_signature("another secret", header, request.body)
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        assert not verify_briefs_signature(endpoint.secret, header, request.body)


def test_a_scheduled_brief_is_sent_at_its_time_and_not_before(receiver, deliver, editor):
    make_endpoint(receiver.url)
    publish_at = timezone.now() + timedelta(hours=2)
    changes.schedule(draft(title="Later"), editor, publish_at)

    deliver()
    assert receiver.requests == []

    with time_machine.travel(publish_at + timedelta(seconds=1)):
        deliver()
        request = only(receiver)
        assert request.document["kind"] == "brief.published"
        assert request.document["occurred_at"] == publish_at.isoformat()
        # Signed when it is sent, not when it was scheduled.
        assert verify_briefs_signature(
            WebhookDelivery.objects.get().endpoint.secret,
            request.headers["Briefs-Signature"],
            request.body,
        )


def test_drafts_submissions_and_schedules_send_nothing(receiver, deliver, editor, analyst):
    make_endpoint(receiver.url)
    brief = draft(title="Work in progress")
    with changes.operation(analyst) as change:
        change.watch(brief)
        brief.title = "Still in progress"
        brief.save()
    changes.submit(Brief.objects.get(pk=brief.pk), analyst)
    changes.schedule(draft(title="Not yet"), editor, timezone.now() + timedelta(days=2))
    ExpertFactory(name="Not quoted anywhere").save()

    deliver()

    assert receiver.requests == []
    assert not WebhookDelivery.objects.exists()


def test_withdrawn_deleted_and_named_changes_say_only_what_identifies_them(
    receiver, deliver, editor
):
    make_endpoint(receiver.url)
    withdrawn, deleted = draft(title="Withdrawn one"), draft(title="Deleted one")
    expert = ExpertFactory(name="Sam Source")
    ExpertQuoteFactory(brief=BriefFactory(), expert=expert)
    changes.publish_now(withdrawn, editor)
    changes.publish_now(deleted, editor)
    deliver()
    receiver.requests.clear()

    changes.withdraw(Brief.objects.get(pk=withdrawn.pk), editor, "Superseded")
    changes.delete(Brief.objects.get(pk=deleted.pk), editor)
    expert.title = "Director"
    expert.save()
    deliver()

    sent = {request.document["kind"]: request.document["data"] for request in receiver.requests}
    assert sent == {
        "brief.withdrawn": {
            "slug": withdrawn.slug,
            "title": "Withdrawn one",
            "url": f"http://testserver/briefs/{withdrawn.slug}/",
        },
        "brief.deleted": {
            "slug": deleted.slug,
            "title": "Deleted one",
            "url": f"http://testserver/briefs/{deleted.slug}/",
        },
        "expert.changed": {
            "slug": "sam-source",
            "name": "Sam Source",
            "url": "http://testserver/experts/sam-source/",
        },
    }


def test_each_event_is_sent_once_per_endpoint_however_often_it_is_handed_over(
    receiver, deliver, editor
):
    make_endpoint(receiver.url)
    changes.publish_now(draft(), editor)
    deliver()
    event = WebhookDelivery.objects.get().event
    webhooks.queue_webhooks(event)
    deliver()

    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.count() == 1


def test_the_handler_asks_the_worker_to_send_each_delivery_once_committed(
    receiver, editor, django_capture_on_commit_callbacks
):
    first, second = make_endpoint(receiver.url), make_endpoint(f"{receiver.url}?2")
    changes.publish_now(draft(), editor)

    with (
        mock.patch("webhooks.tasks.send_delivery.delay") as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        hand_over_events()

    queued = WebhookDelivery.objects.filter(endpoint__in=[first, second])
    assert sorted(call.args[0] for call in send.call_args_list) == sorted(
        queued.values_list("pk", flat=True)
    )


def test_a_receiver_failing_then_answering_gets_retries_with_backoff(receiver, deliver, editor):
    make_endpoint(receiver.url)
    receiver.answers = [500, 503]
    now = timezone.now()

    with time_machine.travel(now, tick=False):
        changes.publish_now(draft(), editor)
        deliver()
        deliver()  # before its time: not tried again
    assert len(receiver.requests) == 1
    sent = WebhookDelivery.objects.get()
    assert (sent.status, sent.attempts, sent.response_status) == (Status.FAILED, 1, 500)
    assert sent.last_error == "The endpoint answered 500 Internal Server Error."
    assert sent.response_excerpt == "something went wrong here"
    assert sent.next_attempt_at == now + timedelta(seconds=30)

    with time_machine.travel(now + timedelta(seconds=30), tick=False):
        deliver()
    sent.refresh_from_db()
    assert (sent.status, sent.attempts, sent.response_status) == (Status.FAILED, 2, 503)
    assert sent.next_attempt_at == now + timedelta(seconds=30 + 60)

    with time_machine.travel(now + timedelta(seconds=30 + 60), tick=False):
        deliver()
    sent.refresh_from_db()
    assert (sent.status, sent.attempts, sent.response_status, sent.last_error) == (
        Status.SENT,
        3,
        200,
        "",
    )
    assert sent.delivered_at == now + timedelta(seconds=90)
    assert sent.response_ms is not None
    # The same delivery each time: one id, one body, signed afresh.
    assert {request.headers["Briefs-Delivery"] for request in receiver.requests} == {str(sent.pk)}
    assert len({request.body for request in receiver.requests}) == 1
    assert len({request.headers["Briefs-Signature"] for request in receiver.requests}) == 3
    assert sent.endpoint.consecutive_failures == 0 and sent.endpoint.active


def test_a_day_of_failures_gives_up_turns_the_endpoint_off_and_tells_the_editors(
    receiver, another_receiver, deliver, editor, editors_with_mail, mailoutbox
):
    failing = make_endpoint(receiver.url, name="Broken partner")
    working = make_endpoint(another_receiver.url, name="Working partner")
    receiver.answers = [500] * 100
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        changes.publish_now(draft(title="First"), editor)

    for hours in range(24):
        with time_machine.travel(now + timedelta(hours=hours), tick=False):
            deliver()
    failing.refresh_from_db()
    assert failing.active and failing.consecutive_failures >= 10
    assert WebhookDelivery.objects.get(endpoint=failing).status == Status.FAILED
    assert mailoutbox == []

    with time_machine.travel(now + timedelta(hours=24), tick=False):
        deliver()
    failing.refresh_from_db()
    given_up = WebhookDelivery.objects.get(endpoint=failing)
    assert given_up.status == Status.GAVE_UP
    assert given_up.last_error == "The endpoint answered 500 Internal Server Error."
    assert not failing.active and failing.turned_off_at is not None
    assert "No delivery has succeeded since" in failing.turned_off_reason
    assert "answered 500" in failing.turned_off_reason

    (message,) = mailoutbox
    assert set(message.to) == editors_with_mail
    assert message.subject == "Webhook turned off: Broken partner"
    assert f"http://testserver/admin/webhooks/endpoint/{failing.pk}/change/" in message.body
    assert failing.turned_off_reason in message.body

    # Nothing more is sent to it; the endpoint that worked goes on.
    failed_requests = len(receiver.requests)
    with time_machine.travel(now + timedelta(hours=25)):
        changes.publish_now(draft(title="Second"), editor)
        deliver()
    assert len(receiver.requests) == failed_requests
    assert WebhookDelivery.objects.filter(endpoint=failing).count() == 1
    assert [request.document["data"]["title"] for request in another_receiver.requests] == [
        "First",
        "Second",
    ]
    assert working.deliveries.filter(status=Status.SENT).count() == 2


def test_a_turned_off_endpoint_is_shown_and_turned_back_on_with_a_clean_slate(
    receiver, deliver, editor, editor_client
):
    endpoint = make_endpoint(receiver.url, name="Broken partner")
    receiver.answers = [500] * 100
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        changes.publish_now(draft(), editor)
    for hours in range(25):
        with time_machine.travel(now + timedelta(hours=hours), tick=False):
            deliver()
    change_page = f"/admin/webhooks/endpoint/{endpoint.pk}/change/"

    listed = visible_text(editor_client.get("/admin/webhooks/endpoint/?status=off"))
    assert "Broken partner" in listed and "Turned off" in listed
    page = editor_client.get(change_page)
    assert "Turned off on" in visible_text(page)
    assert "No delivery has succeeded since" in visible_text(page)

    fields = form_fields(page, "endpoint_form")
    fields["active"] = ["on"]
    response = editor_client.post(change_page, fields)
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.active and endpoint.turned_off_at is None
    assert (endpoint.consecutive_failures, endpoint.failing_since) == (0, None)
    assert "Turned off on" not in visible_text(editor_client.get(change_page))


def test_an_endpoint_turned_off_by_hand_is_sent_nothing(receiver, deliver, editor, editor_client):
    endpoint = make_endpoint(receiver.url)
    receiver.answers = [500]
    changes.publish_now(draft(), editor)
    deliver()
    change_page = f"/admin/webhooks/endpoint/{endpoint.pk}/change/"
    fields = form_fields(editor_client.get(change_page), "endpoint_form")
    fields.pop("active")
    editor_client.post(change_page, fields)

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        changes.publish_now(draft(), editor)
        deliver()

    assert len(receiver.requests) == 1
    (waiting,) = WebhookDelivery.objects.all()
    assert (waiting.status, waiting.last_error) == (
        Status.GAVE_UP,
        "Not sent: the endpoint was turned off.",
    )
    endpoint.refresh_from_db()
    assert endpoint.turned_off_reason == "Turned off by editor."


def test_a_redirect_is_a_failure_and_is_not_followed(receiver, deliver, editor):
    make_endpoint(receiver.url)
    elsewhere = f"http://127.0.0.1:{receiver.port}/elsewhere"
    receiver.answers = [(301, {"Location": elsewhere})]
    changes.publish_now(draft(), editor)

    deliver()

    assert [request.path for request in receiver.requests] == ["/hook"]
    sent = WebhookDelivery.objects.get()
    assert (sent.status, sent.response_status) == (Status.FAILED, 301)
    assert sent.last_error == (
        f"The endpoint answered 301 Moved Permanently, a redirect to {elsewhere}: redirects "
        "are not followed; give the final address."
    )


def test_the_time_out_is_five_seconds():
    from briefs_site import settings as project_settings

    assert project_settings.BRIEFS_WEBHOOKS_TIMEOUT == 5


@pytest.mark.parametrize("how", ["hang", "trickle"])
def test_a_receiver_that_does_not_answer_in_time_is_a_failure(
    receiver, deliver, editor, settings, how
):
    """A server that says nothing, and one that trickles its answer out a byte at a time (each
    read is quick, the whole is not): both end at the time-out."""
    settings.BRIEFS_WEBHOOKS_TIMEOUT = 0.5
    make_endpoint(receiver.url)
    receiver.answers = [how]
    changes.publish_now(draft(), editor)

    started = time.monotonic()
    deliver()

    assert time.monotonic() - started < 2.5
    sent = WebhookDelivery.objects.get()
    assert (sent.status, sent.last_error) == (Status.FAILED, "No answer within 0.5 s.")
    assert sent.response_status is None


def test_a_refused_connection_is_a_failure(loopback_allowed, deliver, editor):
    closed = Receiver()
    closed.server.server_close()  # the port was free, and now nothing listens on it
    make_endpoint(closed.url)
    changes.publish_now(draft(), editor)

    deliver()

    sent = WebhookDelivery.objects.get()
    assert sent.status == Status.FAILED
    assert (
        sent.last_error == "The connection was refused: nothing listens at that address and port."
    )


def test_a_name_that_now_resolves_to_an_internal_address_is_not_connected_to(
    receiver, deliver, editor, dns, settings
):
    """Public when it was registered; by the time of sending, its DNS points inside (here at
    a real listener on loopback, which must get nothing)."""
    settings.BRIEFS_WEBHOOKS_ALLOW_LOOPBACK = False
    dns["hooks.example.org"] = ["93.184.215.14"]
    endpoint = make_endpoint(f"http://hooks.example.org:{receiver.port}/hook")
    endpoint.full_clean()
    dns["hooks.example.org"] = ["127.0.0.1"]
    changes.publish_now(draft(), editor)

    deliver()

    assert receiver.requests == []
    sent = WebhookDelivery.objects.get()
    assert sent.status == Status.FAILED
    assert sent.last_error == (
        "hooks.example.org points to 127.0.0.1, a loopback address (this server): webhooks go "
        "only to addresses on the public internet."
    )


@pytest.mark.parametrize(
    "internal, named",
    [
        ("10.0.0.7", "10.0.0.7, a private network address"),
        ("169.254.169.254", "169.254.169.254, a cloud metadata address"),
        ("::ffff:192.168.1.1", "::ffff:192.168.1.1, a private network address"),
    ],
)
def test_any_internal_address_among_those_a_name_resolves_to_refuses_the_send(
    receiver, deliver, editor, dns, internal, named
):
    dns["hooks.example.org"] = ["127.0.0.1", internal]
    make_endpoint(f"http://hooks.example.org:{receiver.port}/hook")
    changes.publish_now(draft(), editor)

    deliver()

    assert receiver.requests == []
    assert f"hooks.example.org points to {named}" in WebhookDelivery.objects.get().last_error


def test_the_request_goes_to_the_address_checked_and_names_the_host(receiver, deliver, editor, dns):
    """The name is looked up once per attempt, and the connection made to the address that
    was checked; the Host header still names the host, as the receiver expects."""
    dns["receiver.example.test"] = ["127.0.0.1"]
    make_endpoint(f"http://receiver.example.test:{receiver.port}/hook")
    changes.publish_now(draft(), editor)
    dns.asked.clear()

    deliver()

    assert dns.asked == ["receiver.example.test"]
    assert only(receiver).headers["Host"] == f"receiver.example.test:{receiver.port}"
    assert WebhookDelivery.objects.get().status == Status.SENT


def test_a_delivery_held_by_one_worker_is_not_sent_by_another(receiver, editor):
    make_endpoint(receiver.url)
    changes.publish_now(draft(), editor)
    hand_over_events()
    pending = WebhookDelivery.objects.get()

    held = webhooks.claim(pending.pk)

    assert held is not None and held.attempts == 1
    assert webhooks.claim(pending.pk) is None
    assert webhooks.send_due() == 0
    assert receiver.requests == []


@pytest.mark.django_db(transaction=True)
def test_workers_racing_for_the_same_delivery_hold_it_once():
    """Eight workers at once, each on its own connection, twenty times over: one attempt each
    time. On PostgreSQL, whose row locks and re-checked conditions this relies on; SQLite runs
    one writer at a time anyway."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: PostgreSQL")
    endpoint = make_endpoint("https://hooks.example.org/")
    for _ in range(20):
        ping = WebhookDelivery.objects.create(endpoint=endpoint, kind="ping")
        start, held = threading.Barrier(8), []

        def race(delivery_id=ping.pk, start=start, held=held):
            start.wait()
            try:
                held.append(webhooks.claim(delivery_id))
            finally:
                connection.close()

        workers = [threading.Thread(target=race) for _ in range(8)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert len([delivery for delivery in held if delivery is not None]) == 1
        assert WebhookDelivery.objects.get(pk=ping.pk).attempts == 1


def test_an_attempt_whose_worker_died_is_made_again_once_its_hold_runs_out(receiver, editor):
    make_endpoint(receiver.url)
    changes.publish_now(draft(), editor)
    hand_over_events()
    pending = WebhookDelivery.objects.get()
    held = webhooks.claim(pending.pk)  # and the worker is killed before it sends anything
    assert held.held_until == held.last_attempt_at + timedelta(minutes=2)

    with time_machine.travel(held.held_until - timedelta(seconds=1)):
        assert webhooks.send_due() == 0
    with time_machine.travel(held.held_until):
        assert webhooks.send_due() == 1

    sent = WebhookDelivery.objects.get()
    assert (sent.status, sent.attempts) == (Status.SENT, 2)
    assert len(receiver.requests) == 1


def test_a_worker_back_after_its_hold_ran_out_does_not_overwrite_the_next_attempt(receiver, editor):
    make_endpoint(receiver.url)
    changes.publish_now(draft(), editor)
    hand_over_events()
    slow = webhooks.claim(WebhookDelivery.objects.get().pk)  # a worker that stalls

    with time_machine.travel(slow.held_until):
        assert webhooks.send_due() == 1  # another worker sends it
        webhooks.record_failure(slow, "No answer within 5 s.")  # the first one, late

    sent = WebhookDelivery.objects.get()
    assert (sent.status, sent.attempts, sent.last_error) == (Status.SENT, 2, "")


def test_send_again_leaves_a_delivery_being_sent_alone(receiver, editor):
    make_endpoint(receiver.url)
    changes.publish_now(draft(), editor)
    hand_over_events()
    held = webhooks.claim(WebhookDelivery.objects.get().pk)

    assert webhooks.send_again(WebhookDelivery.objects.all()) == 0
    assert webhooks.claim(held.pk) is None


def test_a_test_ping_is_sent_once_and_signed(receiver, editor):
    endpoint = make_endpoint(receiver.url, name="Partner")
    ping = webhooks.queue_ping(endpoint)
    webhooks.send_due()

    request = only(receiver)
    assert request.headers["Briefs-Event"] == "ping"
    assert request.document["kind"] == "ping"
    assert request.document["id"] == ping.pk
    assert request.document["data"]["endpoint"] == "Partner"
    assert verify_briefs_signature(
        endpoint.secret, request.headers["Briefs-Signature"], request.body
    )


def test_a_failed_ping_is_not_retried(receiver):
    receiver.answers = [404]
    webhooks.queue_ping(make_endpoint(receiver.url))
    webhooks.send_due()

    ping = WebhookDelivery.objects.get()
    assert (ping.status, ping.last_error) == (
        Status.GAVE_UP,
        "The endpoint answered 404 Not Found.",
    )
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        webhooks.send_due()
    assert len(receiver.requests) == 1


def test_a_new_secret_and_the_old_one_both_sign_for_a_day(receiver, editor):
    endpoint = make_endpoint(receiver.url)
    old = endpoint.secret
    endpoint.replace_secret(timezone.now())
    endpoint.save()
    webhooks.queue_ping(endpoint)
    webhooks.send_due()

    header = only(receiver).headers["Briefs-Signature"]
    body = only(receiver).body
    assert verify_briefs_signature(endpoint.secret, header, body)
    assert verify_briefs_signature(old, header, body)

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        webhooks.queue_ping(endpoint)
        webhooks.send_due()
        header, body = receiver.requests[-1].headers["Briefs-Signature"], receiver.requests[-1].body
        assert verify_briefs_signature(endpoint.secret, header, body)
        assert not verify_briefs_signature(old, header, body)


def test_a_brief_published_through_the_admin_is_sent(receiver, deliver, editor_client):
    """The whole way an editor goes: the brief's admin form, then the worker."""
    make_endpoint(receiver.url, kinds=[Kind.BRIEF_PUBLISHED])
    brief = draft(title="Through the admin")
    page = editor_client.get(f"/admin/briefs/brief/{brief.pk}/change/")
    fields = form_fields(page, "brief_form")
    fields["status"] = ["published"]
    assert editor_client.post(f"/admin/briefs/brief/{brief.pk}/change/", fields).status_code == 302

    deliver()

    assert only(receiver).document["data"]["title"] == "Through the admin"
