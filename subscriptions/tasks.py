"""The worker's mail tasks (Celery): senders, and the sweep that starts one for mail whose
sender never came (a lost message, a worker that was down, retries now due) and makes the
daily digest when its time has come. Both re-read the database: a duplicate does no harm."""

from celery import shared_task
from django.core.cache import cache

from . import delivery, digests
from .models import Delivery

# The sweep starts at most one sender this often; senders end when the queue is empty.
SWEEP_SENDER_SECONDS = 60


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_queued():
    delivery.send_queued()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sweep():
    digests.make_due_digest()
    if Delivery.objects.due().exists() and cache.add(
        "subscriptions:sweep-started-sender", True, SWEEP_SENDER_SECONDS
    ):
        send_queued.delay()
