"""A real worker process for the tests that start one (tests/events/test_worker.py,
tests/subscriptions/test_smtp_worker.py): Celery with Redis as its broker, against the test
database, which must be one another process can open (PostgreSQL; the SQLite test database
lives in the test's memory). Under CI=true a missing Redis fails the test."""

import os
import signal
import subprocess
import time

import pytest
from django.db import connection

from deploy import stack

BROKER_URL = "redis://127.0.0.1:6379/15"


def missing(reason):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the worker test must run here)", pytrace=False)
    pytest.skip(reason)


def redis_broker():
    """The broker's database, emptied; a generator for a fixture."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker needs a database server to share with the test (PostgreSQL)")
    import redis

    client = redis.Redis.from_url(BROKER_URL)
    try:
        client.flushdb()
    except redis.ConnectionError:
        missing("Redis is not running at 127.0.0.1:6379")
    yield BROKER_URL
    client.flushdb()


def database_url():
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def start_worker(broker, tmp_path, **env):
    return subprocess.Popen(
        stack.WORKER_COMMAND,
        cwd=stack.REPO,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.events.worker_settings",
            "DATABASE_URL": database_url(),
            "TEST_BROKER_URL": broker,
            "TEST_BEAT_SCHEDULE": str(tmp_path / "beat-schedule"),
            **env,
        },
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "worker.log", "ab"),  # noqa: SIM115
        start_new_session=True,
    )  # fmt: skip


def stop(worker, sig=signal.SIGTERM):
    os.killpg(worker.pid, sig)
    worker.wait(timeout=30)


def wait_for(condition, what, tmp_path, seconds=60):
    """Poll for something another process does (not for time to pass)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            log = (tmp_path / "worker.log").read_text(errors="replace")[-3000:]
            pytest.fail(f"the worker did not {what} within {seconds} s:\n{log}")
        time.sleep(0.1)
