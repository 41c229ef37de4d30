"""The worker's two tasks (Celery): hand one event over when it is due, and the sweep that
hands over whatever is due and unhandled (a lost message, a worker that was down, a retry).

Both take ids and re-read the database, so a duplicate or late message does no harm.
"""

from celery import shared_task

from . import dispatch
from .models import Event

# Events handed over per sweep; the next sweep takes the rest, in order.
SWEEP_BATCH = 500


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def handle_event(event_id):
    event = Event.objects.filter(pk=event_id).first()
    if event is not None:
        dispatch.handle(event)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sweep():
    dispatch.handle_due(limit=SWEEP_BATCH)
