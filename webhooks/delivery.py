"""Webhooks sent: a delivery per endpoint and event, each attempt held by one worker, retried
with backoff for a day, and endpoints that keep failing turned off.

When a public change is handed over (its event, by the worker), `queue_webhooks` writes a
`WebhookDelivery` for every active endpoint that wants its kind, in the handler's transaction,
and once that commits asks the worker to send each. The sweep (webhooks.tasks, on beat) sends
whatever is due and was not sent: retries, and deliveries whose task was lost.

Holding an attempt: `claim()` is one conditional UPDATE that takes a delivery only if it is
due and held by no one, and marks it held (`held_until`, HOLD ahead), so a second worker finds
it held and leaves it. The HTTP request is then made with no transaction or lock open (it may
take the whole 5 s time-out, and a row lock held that long would stall whoever touches the
row); a worker that dies mid-attempt lets the hold run out, and the sweep makes the attempt
again after it. The hold is far longer than an attempt can take, so two workers never send the
same delivery at once, and "send again" leaves a held delivery alone. An attempt's outcome is
written only if the delivery is still at that attempt: a worker that comes back after its hold
ran out cannot overwrite what the next attempt found.

Failing: anything but a 2xx (another status, a redirect, a time-out, a refused connection, a
host not found or an address refused) is retried 30 s later, doubling, at most an hour apart,
until 24 hours after the first attempt, then given up. An endpoint is turned off when no
attempt to it has succeeded for 24 hours and at least TURN_OFF_FAILURES attempts have failed in
a row since (in practice: the first failing delivery was given up after its day of retries);
the editors are mailed, and its pending deliveries are given up. A success in between starts
the count again, so one event a receiver refuses does not turn off an endpoint that takes
the others.
"""

import http.client
import logging
import ssl
import time
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from briefs.editorial.workflow import editors_to_notify
from common.retries import backoff
from common.site import absolute
from events.handlers import handler

from . import addresses, payloads, transport
from .addresses import AddressRefused
from .models import PING, PUBLIC_KINDS, Endpoint, WebhookDelivery

logger = logging.getLogger(__name__)

Status = WebhookDelivery.Status
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)
# How long an attempt holds its delivery: many times the time-out, for a worker slowed down.
HOLD = timedelta(minutes=2)
TURN_OFF_AFTER = timedelta(hours=24)
TURN_OFF_FAILURES = 10
TURNED_OFF_BY_HAND = "Not sent: the endpoint was turned off."


@handler("webhooks", kinds=PUBLIC_KINDS)
def queue_webhooks(event):
    """A public change: a delivery for each active endpoint that wants its kind."""
    endpoints = [e for e in Endpoint.objects.filter(active=True) if e.wants(event.kind)]
    if not endpoints:
        return
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint=e, event=event, kind=event.kind) for e in endpoints],
        ignore_conflicts=True,
    )
    queued = WebhookDelivery.objects.filter(event=event, status=Status.QUEUED)
    transaction.on_commit(partial(start_sending, list(queued.values_list("pk", flat=True))))


def queue_ping(endpoint):
    """A test ping to `endpoint`, sent once its transaction commits."""
    ping = WebhookDelivery.objects.create(endpoint=endpoint, kind=PING)
    transaction.on_commit(partial(start_sending, [ping.pk]))
    return ping


def send_again(deliveries):
    """Queue these deliveries to be sent now, with a new day of retries; those of endpoints
    turned off, and those being sent at this moment, are left as they are. Returns how many
    were queued."""
    now = timezone.now()
    free = deliveries.filter(endpoint__active=True).exclude(held_until__gt=now)
    ids = list(free.values_list("pk", flat=True))
    WebhookDelivery.objects.filter(pk__in=ids).update(
        status=Status.QUEUED, next_attempt_at=now, first_attempt_at=None
    )
    transaction.on_commit(partial(start_sending, ids))
    return len(ids)


def start_sending(delivery_ids):
    """After commit: a task per delivery. If the queue cannot be reached, the sweep sends them."""
    from .tasks import send_delivery

    for delivery_id in delivery_ids:
        try:
            send_delivery.delay(delivery_id)
        except Exception as error:
            logger.warning(
                "Could not queue webhook deliveries (%r); the sweep will send them", error
            )
            return


def send_due(limit=None, seconds=None):
    """Send due deliveries, oldest first, until none is left, `limit` were attempted or
    `seconds` have passed; returns how many were attempted."""
    started, attempted = time.monotonic(), 0
    due = WebhookDelivery.objects.due().filter(endpoint__active=True).order_by("next_attempt_at")
    for delivery_id in due.values_list("pk", flat=True)[:limit]:
        if seconds is not None and time.monotonic() - started > seconds:
            break
        attempted += send(delivery_id)
    return attempted


def send(delivery_id):
    """Make an attempt at the delivery if it is due and no one else is making one; returns
    whether it did."""
    delivery = claim(delivery_id)
    if delivery is None:
        return False
    attempt(delivery)
    return True


def claim(delivery_id):
    """The delivery, held for an attempt (see the module's docstring), or None if it is not
    due, is held by another worker, or its endpoint is turned off. One UPDATE whose conditions
    are on the delivery's own columns, so that PostgreSQL checks them again on a row another
    worker has just changed, rather than on what it read before (a join would not be)."""
    now = timezone.now()
    held = WebhookDelivery.objects.filter(
        Q(held_until__isnull=True) | Q(held_until__lte=now),
        pk=delivery_id,
        status__in=WebhookDelivery.PENDING,
        next_attempt_at__lte=now,
        endpoint_id__in=Endpoint.objects.filter(active=True).values("pk"),
    ).update(
        attempts=F("attempts") + 1,
        last_attempt_at=now,
        first_attempt_at=Coalesce("first_attempt_at", now),
        held_until=now + HOLD,
    )
    if not held:
        return None
    return WebhookDelivery.objects.select_related("endpoint", "event").get(pk=delivery_id)


def attempt(delivery):
    """Send the held delivery once and record how it went: whatever goes wrong, an outcome is
    recorded, so that every delivery ends sent or given up."""
    timeout = settings.BRIEFS_WEBHOOKS_TIMEOUT
    try:
        answer = post(delivery, timeout)
    except Exception as error:
        if not isinstance(error, (AddressRefused, OSError, http.client.HTTPException)):
            logger.exception("Webhook delivery %s failed unexpectedly", delivery.pk)
        record_failure(delivery, describe(error, timeout))
        return
    if 200 <= answer.status < 300:
        record_success(delivery, answer)
    else:
        record_failure(delivery, describe_answer(answer), answer)


def post(delivery, timeout):
    """The delivery, signed now, POSTed to its endpoint's address, resolved and checked now."""
    endpoint = delivery.endpoint
    body = payloads.body(delivery)
    secrets = endpoint.signing_secrets(timezone.now())
    headers = payloads.headers(delivery, body, secrets, int(time.time()))
    target = addresses.parse(endpoint.url)
    return transport.post(target, addresses.resolve(target), body, headers, timeout)


def describe(error, timeout):
    """A failure to get an answer, in words for the admin."""
    if isinstance(error, AddressRefused):
        return str(error)
    if isinstance(error, TimeoutError):
        return f"No answer within {timeout:g} s."
    if isinstance(error, ConnectionRefusedError):
        return "The connection was refused: nothing listens at that address and port."
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"The server's certificate was not accepted: {error.verify_message}."
    if isinstance(error, ssl.SSLError):
        return f"The secure connection failed: {error.reason or error}."
    if isinstance(error, http.client.HTTPException):
        return f"The answer was not valid HTTP ({type(error).__name__}: {error})."
    if isinstance(error, OSError):
        return f"Could not connect: {error.strerror or error}."
    return f"{type(error).__name__}: {error}"


def describe_answer(answer):
    said = f"The endpoint answered {answer.status} {answer.reason}".rstrip()
    if 300 <= answer.status < 400:
        to = f" to {answer.location}" if answer.location else ""
        return f"{said}, a redirect{to}: redirects are not followed; give the final address."
    return f"{said}."


def outcome_of(delivery):
    """The delivery as its attempt left it: still pending, at that attempt (a later attempt,
    once this one's hold ran out, writes its own outcome)."""
    return WebhookDelivery.objects.filter(
        pk=delivery.pk, attempts=delivery.attempts, status__in=WebhookDelivery.PENDING
    )


def answer_fields(answer):
    if answer is None:
        return {"response_status": None, "response_ms": None, "response_excerpt": ""}
    return {
        "response_status": answer.status,
        "response_ms": answer.elapsed_ms,
        "response_excerpt": answer.excerpt,
    }


def record_success(delivery, answer):
    now = timezone.now()
    with transaction.atomic():
        outcome_of(delivery).update(
            status=Status.SENT,
            delivered_at=now,
            next_attempt_at=None,
            held_until=None,
            last_error="",
            **answer_fields(answer),
        )
        Endpoint.objects.filter(pk=delivery.endpoint_id).update(
            last_success_at=now, consecutive_failures=0, failing_since=None
        )


def record_failure(delivery, error, answer=None):
    """A failed attempt: retried after its backoff, or given up (after a day; a ping at once;
    an endpoint turned off meanwhile); the endpoint turned off if it has been failing long
    enough, and the editors told."""
    now = timezone.now()
    with transaction.atomic():
        endpoint = count_failure(delivery.endpoint_id, now)
        turned_off = endpoint.active and is_failing_for_good(endpoint, now)
        if turned_off:
            endpoint.mark_turned_off(turn_off_reason(endpoint, error), now)
            endpoint.save(update_fields=["active", "turned_off_at", "turned_off_reason"])
        retried = (
            endpoint.active
            and delivery.kind != PING
            and now - delivery.first_attempt_at < GIVE_UP_AFTER
        )
        outcome_of(delivery).update(
            status=Status.FAILED if retried else Status.GAVE_UP,
            next_attempt_at=now + retry_delay(delivery.attempts) if retried else None,
            held_until=None,
            last_error=error[:1000],
            **answer_fields(answer),
        )
        if turned_off:
            give_up_pending(endpoint, "Not sent: the endpoint was turned off after failing.")
    logger.warning("Webhook delivery %s failed: %s", delivery.pk, error)
    if turned_off:
        tell_editors(endpoint)


def retry_delay(attempts):
    """30 s after the first failure, doubling, at most an hour apart."""
    return backoff(attempts, FIRST_RETRY, LONGEST_RETRY)


def count_failure(endpoint_id, now):
    """The endpoint, locked, with one more failure counted."""
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint_id)
    endpoint.consecutive_failures += 1
    endpoint.failing_since = endpoint.failing_since or now
    endpoint.last_failure_at = now
    endpoint.save(update_fields=["consecutive_failures", "failing_since", "last_failure_at"])
    return endpoint


def is_failing_for_good(endpoint, now):
    return (
        endpoint.consecutive_failures >= TURN_OFF_FAILURES
        and now - endpoint.failing_since >= TURN_OFF_AFTER
    )


def turn_off_reason(endpoint, error):
    since = date_format(timezone.localtime(endpoint.failing_since), "N j, Y, P T")
    return (
        f"No delivery has succeeded since {since}: {endpoint.consecutive_failures} attempts "
        f"in a row failed. The last: {error}"
    )


def give_up_pending(endpoint, reason):
    """The deliveries still waiting to go to an endpoint that was turned off: not sent. One
    being sent at this moment records its own outcome (given up, if it fails)."""
    return (
        WebhookDelivery.objects.pending()
        .filter(endpoint=endpoint)
        .exclude(held_until__gt=timezone.now())
        .update(status=Status.GAVE_UP, next_attempt_at=None, last_error=reason)
    )


def tell_editors(endpoint):
    """Mail the people who may publish that an endpoint was turned off. The endpoint's page
    says so too, so a mail server that is down loses nothing but the mail."""
    recipients = [user.email for user in editors_to_notify()]
    if not recipients:
        return
    page = absolute(reverse("admin:webhooks_endpoint_change", args=[endpoint.pk]))
    lines = [
        f"The webhook endpoint “{endpoint.name}” ({endpoint.url}) was turned off: nothing more "
        "is sent to it.",
        "",
        endpoint.turned_off_reason,
        "",
        "Once the receiver works again, turn the endpoint back on (tick Active and save); "
        "the deliveries it missed can be sent again from its list of deliveries.",
        "",
        f"The endpoint: {page}",
    ]
    try:
        send_mail(f"Webhook turned off: {endpoint.name}", "\n".join(lines), None, recipients)
    except Exception:
        logger.exception("Could not tell the editors that endpoint %s was turned off", endpoint.pk)
