"""Settings of the worker that tests/webhooks/test_worker.py starts and kills: the webhooks'
handler alone, both sweeps often, and receivers on loopback allowed."""

import os

from briefs_site.settings import *  # noqa: F403

EVENT_HANDLERS = ["webhooks.delivery.queue_webhooks"]
BRIEFS_WEBHOOKS_ALLOW_LOOPBACK = True
CELERY_BROKER_URL = os.environ["TEST_BROKER_URL"]
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_BEAT_SCHEDULE_FILENAME = os.environ["TEST_BEAT_SCHEDULE"]
CELERY_BEAT_SCHEDULE = {
    "sweep-due-events": {"task": "events.tasks.sweep", "schedule": 0.5},
    "sweep-webhooks": {"task": "webhooks.tasks.sweep", "schedule": 0.5},
}
