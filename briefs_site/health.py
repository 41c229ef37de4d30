"""What a load balancer asks each app server (deploy/varnish, docs/deploy.md): can it serve?

The database is what pages are made from: without it this server answers 503 and the balancer
sends readers to another. The cache and the queue are reported but do not fail the check:
without Redis pages are made from the database (common.cache), and without the queue saves
still commit and the worker's sweep takes their events later, so taking every server out of
the balancer for them would turn a slower site into no site.
"""

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from kombu.exceptions import KombuError

from .celery import app as worker_app

OK, DOWN = "ok", "down"
# The load balancer probes every second or so: a part that hangs must not hold the answer.
PROBE_SECONDS = 1


def database_state():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return DOWN
    return OK


def cache_state():
    return OK if getattr(cache, "reachable", lambda: True)() else DOWN


def queue_state():
    try:
        with worker_app.connection_for_write() as broker:
            broker.ensure_connection(max_retries=0, timeout=PROBE_SECONDS)
    except (KombuError, OSError):
        return DOWN
    return OK


@never_cache
def health(request):
    parts = {"database": database_state(), "cache": cache_state(), "queue": queue_state()}
    return JsonResponse(parts, status=200 if parts["database"] == OK else 503)
