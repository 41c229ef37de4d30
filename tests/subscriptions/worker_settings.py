"""Settings of the worker that tests/subscriptions/test_smtp_worker.py starts and kills: mail
goes by SMTP to the test's server on loopback."""

import os

from briefs_site.settings import *  # noqa: F403

EVENT_HANDLERS = ["subscriptions.delivery.queue_brief_mail"]
CELERY_BROKER_URL = os.environ["TEST_BROKER_URL"]
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_BEAT_SCHEDULE_FILENAME = os.environ["TEST_BEAT_SCHEDULE"]
CELERY_BEAT_SCHEDULE = {
    "sweep-due-events": {"task": "events.tasks.sweep", "schedule": 0.5},
    "sweep-mail": {"task": "subscriptions.tasks.sweep", "schedule": 0.5},
}
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = "127.0.0.1"
EMAIL_PORT = int(os.environ["TEST_SMTP_PORT"])
EMAIL_TIMEOUT = 10
SITE_URL = "https://briefs.example.org"
BRIEFS_MAIL_RATE = 0
BRIEFS_MAIL_SENDERS = 1
