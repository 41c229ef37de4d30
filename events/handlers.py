"""Event handlers: what the system does when public content changes.

A handler is a function of one Event, named and limited to some kinds with @handler, and listed
in settings.EVENT_HANDLERS by dotted path (the activity log, mail, edge-cache purges).
It runs in a transaction of its own, recorded with it (events.dispatch): what it writes to the
database happens exactly once per event. A handler whose effect leaves the database (a mail, a
request) records its own idempotency key there, so that a retry does not repeat the effect.
"""

import functools
from datetime import timedelta

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.formats import date_format
from django.utils.module_loading import import_string
from django.utils.timezone import localtime

from .models import Activity, Kind

# An event due this long after it was written was scheduled, not merely queued.
SCHEDULED_AHEAD = timedelta(seconds=1)


def handler(name, kinds=None, at_commit=False):
    """Name a handler (the name is recorded with each run; keep it stable) and say which
    kinds of event it takes (all of them when None). With `at_commit`, an event due now is
    also given to it right after its change commits, in the process that made the change,
    once and without retries: for an effect that may be repeated (a purge) and is wanted
    sooner than the worker's run, which still follows."""

    def named(func):
        func.handler_name = name
        func.kinds = frozenset(kinds) if kinds is not None else None
        func.at_commit = at_commit
        return func

    return named


@functools.cache
def registered():
    from django.conf import settings

    return tuple(import_string(path) for path in settings.EVENT_HANDLERS)


@receiver(setting_changed)
def _forget_registered(setting, **kwargs):
    if setting == "EVENT_HANDLERS":
        registered.cache_clear()


def handlers_for(kind):
    return [h for h in registered() if h.kinds is None or kind in h.kinds]


def describe(event):
    """The event in words, for the activity log."""
    title = event.payload.get("title") or event.payload.get("name") or event.subject
    text = f"{Kind(event.kind).label}: “{title}”"
    if event.due_at - event.created_at > SCHEDULED_AHEAD:
        text += f", as scheduled for {date_format(localtime(event.due_at), 'N j, Y, P T')}"
    by = event.payload.get("by")
    return f"{text} (by {by})" if by else text


@handler("activity")
def record_activity(event):
    """One line per event in the activity log, listed in the admin."""
    Activity.objects.create(
        event=event, happened_at=event.due_at, description=describe(event)[:500]
    )
