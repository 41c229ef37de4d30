from io import StringIO

import pytest
from django.core.management import call_command

from subscriptions.delivery import send_queued
from subscriptions.digests import make_due_digest


@pytest.fixture(autouse=True)
def mail_settings(settings):
    """Subscription mail as production sends it: links from an https address, which is one
    of the hosts the site answers (public pages take it as the request's host); no pacing."""
    settings.SITE_URL = "https://briefs.example.org"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "briefs.example.org"]
    settings.BRIEFS_MAIL_RATE = 0


@pytest.fixture
def deliver(db):
    """What the worker does when its time has come: hand over due events, make the day's
    digest if due, send due mail. Returns the number of deliveries handled."""

    def run():
        call_command("dispatch_events", stdout=StringIO())
        make_due_digest()
        return send_queued()

    return run
