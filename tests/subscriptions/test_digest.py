"""The daily digest: once a day at the editors' time in the site's time zone, one mail per
digest subscriber with something new, across restarts and daylight-saving changes (issue 13,
point 5). The clock is moved, never waited for."""

from collections import Counter
from datetime import UTC, datetime, time
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command

from briefs.editorial import changes
from briefs.models import Brief
from subscriptions.delivery import send_queued
from subscriptions.digests import make_due_digest
from subscriptions.models import Digest, MailSettings, Subscriber
from tests.factories import BriefFactory, IssueFactory, SubscriberFactory

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture(autouse=True)
def site_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"


def at(*parts, zone=NEW_YORK):
    return time_machine.travel(datetime(*parts, tzinfo=zone), tick=False)


def publish(editor, title, issues):
    brief = BriefFactory(status=Brief.Status.DRAFT, publish_at=None, title=title, issues=issues)
    changes.publish_now(brief, editor)
    return brief


def digests(mailoutbox):
    return [message for message in mailoutbox if message.to == ["daily@example.org"]]


def daily_subscriber(**fields):
    return SubscriberFactory(
        **{
            "email": "daily@example.org",
            "frequency": Subscriber.Frequency.DAILY,
            "confirmed_at": datetime(2026, 10, 1, tzinfo=UTC),
            **fields,
        }
    )


def test_the_digest_lists_the_days_matching_briefs_once_at_its_time(editor, deliver, mailoutbox):
    followed, other = IssueFactory(name="Energy"), IssueFactory(name="Trade")
    daily_subscriber(everything=False, issues=[followed])
    with at(2026, 12, 2, 12, 0):
        publish(editor, "Pipelines", [followed])
        publish(editor, "Tariffs", [other])
        deliver()
    with at(2026, 12, 3, 6, 59):
        deliver()
    assert digests(mailoutbox) == []

    with at(2026, 12, 3, 7, 0, 5):
        deliver()
        deliver()
    with at(2026, 12, 3, 18, 0):
        deliver()

    (digest,) = digests(mailoutbox)
    assert "Pipelines" in digest.body
    assert "Tariffs" not in digest.body


def test_no_digest_when_there_is_nothing_new(editor, deliver, mailoutbox):
    daily_subscriber(everything=True)
    with at(2026, 12, 2, 12, 0):
        publish(editor, "Tuesday's brief", [])
        deliver()
    with at(2026, 12, 3, 7, 1):
        deliver()
    with at(2026, 12, 4, 7, 1):
        deliver()

    assert len(digests(mailoutbox)) == 1
    assert Digest.objects.filter(date=datetime(2026, 12, 4).date()).exists()


def test_a_brief_public_before_the_subscriber_confirmed_is_not_in_their_digest(
    editor, deliver, mailoutbox
):
    with at(2026, 12, 2, 9, 0):
        publish(editor, "Before", [])
        deliver()
    daily_subscriber(everything=True, confirmed_at=datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    with at(2026, 12, 2, 12, 0):
        publish(editor, "After", [])
        deliver()
    with at(2026, 12, 3, 7, 1):
        deliver()

    (digest,) = digests(mailoutbox)
    assert "After" in digest.body
    assert "Before" not in digest.body


def test_the_digest_waits_for_a_publication_due_before_its_time(editor, mailoutbox):
    daily_subscriber(everything=True)
    brief = BriefFactory(status=Brief.Status.DRAFT, publish_at=None, title="Just in time")
    with at(2026, 12, 2, 12, 0):
        changes.schedule(brief, editor, datetime(2026, 12, 3, 6, 59, 59, tzinfo=NEW_YORK))
    with at(2026, 12, 3, 7, 0, 10):
        assert make_due_digest() is None
        call_command("dispatch_events", stdout=StringIO())
        assert make_due_digest() is not None
        send_queued()

    (digest,) = digests(mailoutbox)
    assert "Just in time" in digest.body


def test_one_digest_on_the_day_clocks_skip_the_editors_time(editor, deliver, mailoutbox):
    MailSettings.objects.update_or_create(pk=1, defaults={"digest_time": time(2, 30)})
    daily_subscriber(everything=True)
    with at(2027, 3, 13, 12, 0):
        publish(editor, "Saturday", [])
        deliver()
    # 02:30 does not exist on March 14 in New York: 02:00 EST is followed by 03:00 EDT.
    with at(2027, 3, 14, 7, 29, zone=UTC):
        deliver()
    assert digests(mailoutbox) == []
    with at(2027, 3, 14, 7, 31, zone=UTC):
        deliver()
    assert len(digests(mailoutbox)) == 1

    with at(2027, 3, 14, 12, 0):
        publish(editor, "Sunday", [])
        deliver()
    with at(2027, 3, 15, 2, 29):
        deliver()
    assert len(digests(mailoutbox)) == 1
    with at(2027, 3, 15, 2, 31):
        deliver()
    assert len(digests(mailoutbox)) == 2
    assert "Sunday" in digests(mailoutbox)[1].body


def test_one_digest_on_the_day_the_editors_time_happens_twice(editor, deliver, mailoutbox):
    MailSettings.objects.update_or_create(pk=1, defaults={"digest_time": time(1, 30)})
    daily_subscriber(everything=True)
    with at(2026, 10, 31, 12, 0):
        publish(editor, "Halloween", [])
        deliver()
    # 01:30 happens twice on November 1 in New York: at 05:30 UTC (EDT), then 06:30 UTC (EST).
    with at(2026, 11, 1, 5, 31, zone=UTC):
        deliver()
    with at(2026, 11, 1, 6, 31, zone=UTC):
        publish(editor, "In the repeated hour", [])
        deliver()
    with at(2026, 11, 1, 20, 0, zone=UTC):
        deliver()

    assert len(digests(mailoutbox)) == 1
    assert Counter(d.date.isoformat() for d in Digest.objects.all())["2026-11-01"] == 1
