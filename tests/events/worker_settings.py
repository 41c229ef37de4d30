"""Settings of the worker that tests/events/test_worker.py starts and kills."""

import os

from briefs_site.settings import *  # noqa: F403

EVENT_HANDLERS = ["tests.events.handlers.block_while_told", "events.handlers.record_activity"]
CELERY_BROKER_URL = os.environ["TEST_BROKER_URL"]
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_BEAT_SCHEDULE_FILENAME = os.environ["TEST_BEAT_SCHEDULE"]
EVENTS_SWEEP_SECONDS = 0.5
CELERY_BEAT_SCHEDULE = {
    "sweep-due-events": {"task": "events.tasks.sweep", "schedule": EVENTS_SWEEP_SECONDS}
}
