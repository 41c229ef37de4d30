"""A real worker sending to a real SMTP server on loopback (aiosmtpd): killed in the middle of
a message and started again, it sends the rest and nobody gets a brief twice (issue 13,
point 3). Needs PostgreSQL (a database the worker can share) and Redis (tests/workers.py)."""

import asyncio
import signal
import threading
from collections import Counter

import pytest
from aiosmtpd.controller import Controller

from briefs.editorial import changes
from briefs.models import Brief
from deploy.stack import free_port
from subscriptions.models import Delivery
from tests.factories import BriefFactory, SubscriberFactory
from tests.workers import redis_broker, start_worker, stop, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

READERS = 20
HELD = 5


class CountingServer:
    """Counts the messages it takes, per address. The HELD-th message it never takes: it
    holds it without answering until the test lets go, then refuses it, as a server does
    whose client went away before the end of the message."""

    def __init__(self):
        self.taken = Counter()
        self.messages = 0
        self.holding = threading.Event()
        self.let_go = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages += 1
        if self.messages == HELD:
            self.holding.set()
            while not self.let_go.is_set():
                await asyncio.sleep(0.01)
            return "451 4.3.0 Not taken"
        for address in envelope.rcpt_tos:
            self.taken[address] += 1
        return "250 2.0.0 Taken"


@pytest.fixture
def broker():
    yield from redis_broker()


@pytest.fixture
def smtp_server():
    handler = CountingServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    handler.let_go.set()
    controller.stop()


def test_a_worker_killed_mid_send_sends_the_rest_and_no_duplicates(
    broker, smtp_server, tmp_path, editor
):
    server, port = smtp_server
    readers = [SubscriberFactory(email=f"reader{n}@example.org") for n in range(READERS)]
    brief = BriefFactory(status=Brief.Status.DRAFT, publish_at=None, title="Sent once")
    changes.publish_now(brief, editor)
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.subscriptions.worker_settings",
        "TEST_SMTP_PORT": str(port),
    }

    worker = start_worker(broker, tmp_path, **env)
    try:
        wait_for(server.holding.is_set, "reach the held message", tmp_path)
    finally:
        stop(worker, signal.SIGKILL)
    server.let_go.set()
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == HELD - 1

    worker = start_worker(broker, tmp_path, **env)
    sent = Delivery.objects.filter(status=Delivery.Status.SENT)
    try:
        wait_for(lambda: sent.count() == READERS, "send the rest", tmp_path)
    finally:
        stop(worker)

    assert server.taken == {reader.email: 1 for reader in readers}
