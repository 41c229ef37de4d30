"""Handing due events to their handlers: each handler's effect once per event.

Each (event, handler) pair has one HandlerRun row, created and locked in the transaction the
handler runs in. A second worker handed the same event waits on the lock, then finds the run
done; a worker killed mid-run rolls back its transaction, so the effect and its record vanish
together and the next hand-over (a redelivered task or the sweep) does the work once. A
handler that fails is retried with backoff, for a day, then given up and shown as such.
"""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from common.retries import backoff

from .handlers import handlers_for
from .models import Event, HandlerRun

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)
FINISHED = {HandlerRun.Outcome.DONE, HandlerRun.Outcome.GAVE_UP}


def retry_delay(attempts):
    """30 s after the first failure, doubling, at most an hour apart."""
    return backoff(attempts, FIRST_RETRY, LONGEST_RETRY)


def run_handler(event, handler):
    """Run `handler` on `event` unless it has done its part or must wait to retry."""
    with transaction.atomic():
        HandlerRun.objects.get_or_create(event=event, handler=handler.handler_name)
        run = HandlerRun.objects.select_for_update().get(event=event, handler=handler.handler_name)
        now = timezone.now()
        if run.outcome in FINISHED or (run.next_attempt_at and run.next_attempt_at > now):
            return run
        run.attempts += 1
        run.started_at = now
        try:
            with transaction.atomic():
                handler(event)
        except Exception as error:
            logger.warning(
                "Handler %s failed on event %s (attempt %s): %r",
                handler.handler_name, event.pk, run.attempts, error,
            )  # fmt: skip
            run.last_error = f"{type(error).__name__}: {error}"[:2000]
            if now - event.due_at >= GIVE_UP_AFTER:
                run.outcome, run.finished_at, run.next_attempt_at = run.Outcome.GAVE_UP, now, None
            else:
                run.outcome = run.Outcome.FAILED
                run.next_attempt_at = now + retry_delay(run.attempts)
        else:
            run.outcome, run.finished_at = run.Outcome.DONE, timezone.now()
            run.next_attempt_at, run.last_error = None, ""
        run.save()
        return run


def handle(event):
    """Hand a due event to each of its handlers; marked handled once all have finished."""
    if event.cancelled_at or event.handled_at or event.due_at > timezone.now():
        return False
    runs = [run_handler(event, handler) for handler in handlers_for(event.kind)]
    if all(run.outcome in FINISHED for run in runs):
        Event.objects.filter(pk=event.pk, handled_at__isnull=True).update(handled_at=timezone.now())
        return True
    return False


def handle_due(limit=None):
    """Everything due now, oldest first; returns (events handed over, events finished)."""
    due = Event.objects.due()
    events = list(due[:limit] if limit else due)
    finished = sum(handle(event) for event in events)
    return len(events), finished
