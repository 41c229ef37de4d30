"""The worker (Celery): `celery -A briefs_site worker -B` hands publication events to their
handlers (events.tasks). Its settings are the CELERY_* ones in briefs_site.settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "briefs_site.settings")

app = Celery("briefs_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
