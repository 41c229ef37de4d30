"""The real worker: Celery with Redis as its broker, against the test database. Killed in the
middle of a handler, it loses nothing and duplicates nothing once started again.

It needs a database another process can open (PostgreSQL; the SQLite test database lives in
this process's memory) and Redis; under CI=true a missing Redis fails the test.
"""

import signal

import pytest

from events.models import Activity, Event, HandlerRun
from tests.workers import redis_broker, start_worker, stop, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broker():
    yield from redis_broker()


def test_a_worker_killed_mid_handler_loses_nothing_and_duplicates_nothing(broker, tmp_path):
    block, started = tmp_path / "block", tmp_path / "started"
    block.touch()
    event = Event.objects.create(
        kind="brief.published", subject="brief:1", payload={"title": "Once"}
    )
    worker = start_worker(broker, tmp_path, BLOCK_FILE=str(block), STARTED_FILE=str(started))
    try:
        wait_for(started.exists, "start the handler", tmp_path)
    finally:
        stop(worker, signal.SIGKILL)
    assert not HandlerRun.objects.exists()
    assert not Activity.objects.exists()

    block.unlink()
    worker = start_worker(broker, tmp_path, BLOCK_FILE=str(block), STARTED_FILE=str(started))
    try:
        wait_for(
            lambda: Event.objects.filter(pk=event.pk, handled_at__isnull=False).exists(),
            "hand the event over again",
            tmp_path,
        )
    finally:
        stop(worker)
    assert list(Activity.objects.values_list("description", flat=True)) == [
        "Brief published: “Once”"
    ]
    assert sorted(HandlerRun.objects.values_list("handler", "outcome", "attempts")) == [
        ("activity", "done", 1),
        ("blocking", "done", 1),
    ]
