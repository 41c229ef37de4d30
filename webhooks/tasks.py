"""The worker's webhook tasks (Celery): send one delivery, and the sweep that sends whatever is
due and was not sent (a retry whose time has come, a task that was lost, a worker that died
mid-attempt). Both take ids and re-read the database: a duplicate or late message does no harm,
since an attempt is made only on a delivery that is due and held by nobody else."""

from celery import shared_task

from . import delivery

# Deliveries a sweep attempts, and how long it goes on taking more: a sweep that meets
# endpoints timing out leaves the rest to the next one rather than hold the worker for minutes.
SWEEP_BATCH = 100
SWEEP_SECONDS = 30


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_delivery(delivery_id):
    delivery.send(delivery_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def sweep():
    delivery.send_due(limit=SWEEP_BATCH, seconds=SWEEP_SECONDS)
