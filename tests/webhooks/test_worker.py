"""A real worker (Celery, Redis as its broker, against the PostgreSQL test database) sends a
published brief to a receiver on loopback; killed while the receiver holds its request, it
leaves the delivery held, and once the hold has run out the next worker sends it, once.
Needs PostgreSQL and Redis (tests/workers.py)."""

import signal

import pytest
from django.utils import timezone

from briefs.editorial import changes
from briefs.models import Brief
from tests.factories import BriefFactory
from tests.webhooks.conftest import make_endpoint
from tests.workers import redis_broker, start_worker, stop, wait_for
from webhooks.models import WebhookDelivery

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WORKER_SETTINGS = {"DJANGO_SETTINGS_MODULE": "tests.webhooks.worker_settings"}


@pytest.fixture
def broker():
    yield from redis_broker()


def sent():
    return WebhookDelivery.objects.filter(status=WebhookDelivery.Status.SENT).exists()


def test_a_worker_killed_mid_request_leaves_the_delivery_to_the_next_one(
    broker, receiver, tmp_path, editor
):
    endpoint = make_endpoint(receiver.url)
    receiver.answers = ["hang"]
    changes.publish_now(BriefFactory(status=Brief.Status.DRAFT, publish_at=None), editor)

    worker = start_worker(broker, tmp_path, **WORKER_SETTINGS)
    try:
        wait_for(lambda: receiver.requests, "send the delivery", tmp_path)
    finally:
        stop(worker, signal.SIGKILL)
    receiver.released.set()
    held = WebhookDelivery.objects.get()
    assert (held.status, held.attempts) == (WebhookDelivery.Status.QUEUED, 1)
    assert held.held_until > timezone.now()

    # The two minutes of the hold pass (its end moved to now rather than waited for).
    WebhookDelivery.objects.update(held_until=timezone.now())
    worker = start_worker(broker, tmp_path, **WORKER_SETTINGS)
    try:
        wait_for(sent, "send the delivery again", tmp_path)
    finally:
        stop(worker)

    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert (delivery.status, delivery.attempts) == (WebhookDelivery.Status.SENT, 2)
    assert [request.headers["Briefs-Delivery"] for request in receiver.requests] == [
        str(delivery.pk)
    ] * 2
