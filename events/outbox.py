"""Writing events: called inside the transaction that changes public content, so an event
exists exactly when its change committed.

After commit the event is sent to the worker (with an ETA when it is due soon); if the queue
cannot be reached, nothing fails: the sweep hands the event over when it is due. Visibility
never waits for any of this: pages apply the publication rule at query time.
"""

import logging
from datetime import timedelta
from functools import partial

from django.db import transaction
from django.utils import timezone

from .handlers import handlers_for
from .models import Event

logger = logging.getLogger(__name__)

# Events due within this long go to the broker with an ETA at commit; later ones are left to
# the sweep, so that the broker never holds far-future messages.
ETA_HORIZON = timedelta(hours=1)


def record(kind, subject, payload, due_at=None):
    """An event that happens now (or at `due_at`)."""
    event = Event.objects.create(
        kind=kind, subject=subject, payload=payload, due_at=due_at or timezone.now()
    )
    transaction.on_commit(partial(hand_over, event))
    return event


def expect(kind, subject, payload, due_at):
    """The one pending event of `kind` for `subject`, due at `due_at`: made, or moved (with
    what the subject now says) if one is already waiting."""
    pending = list(Event.objects.pending().filter(subject=subject, kind=kind).order_by("pk"))
    if not pending:
        return record(kind, subject, payload, due_at)
    event, *extra = pending
    if extra:
        Event.objects.filter(pk__in=[e.pk for e in extra]).update(cancelled_at=timezone.now())
    moved = event.due_at != due_at
    event.due_at, event.payload = due_at, payload
    event.save(update_fields=["due_at", "payload"])
    if moved:
        transaction.on_commit(partial(hand_over, event))
    return event


def cancel(subject, kinds):
    """Cancel the pending events of these kinds for `subject`; returns how many."""
    pending = Event.objects.pending().filter(subject=subject, kind__in=kinds)
    return pending.update(cancelled_at=timezone.now())


def hand_over(event):
    """Once the change has committed: the handlers that want an event due now at once
    (events.handlers.handler's `at_commit`), then the worker."""
    if event.due_at <= timezone.now():
        for run_at_commit in (h for h in handlers_for(event.kind) if h.at_commit):
            try:
                run_at_commit(event)
            except Exception as error:
                # Committed all the same; the worker's run of the handler retries.
                logger.warning("%s at commit failed for event %s (%r)",
                               run_at_commit.handler_name, event.pk, error)  # fmt: skip
    send_to_worker(event.pk, event.due_at)


def send_to_worker(event_id, due_at):
    from .tasks import handle_event

    now = timezone.now()
    if due_at - now > ETA_HORIZON:
        return
    try:
        handle_event.apply_async((event_id,), eta=due_at if due_at > now else None)
    except Exception as error:
        # The save has committed; the sweep will hand the event over.
        logger.warning("Could not queue event %s (%r); the sweep will take it", event_id, error)
