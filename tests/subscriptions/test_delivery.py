"""Each brief mailed once, at its time, to the confirmed subscribers who follow it, and to no
one else (issue 13, point 3; the contract in product.md, "Subscriptions").

Mail is sent as the worker sends it: due events handed over (`dispatch_events`), then the
queued deliveries sent; the clock is moved, never waited for.
"""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from briefs.editorial import changes
from briefs.models import Brief
from events.models import Event
from subscriptions import subscribing
from subscriptions.delivery import queue_brief_mail
from subscriptions.models import Delivery, Subscriber
from tests.factories import (
    BriefFactory,
    ExpertFactory,
    ExpertQuoteFactory,
    IssueFactory,
    SubscriberFactory,
)

pytestmark = pytest.mark.django_db


def draft(**fields):
    return BriefFactory(status=Brief.Status.DRAFT, publish_at=None, **fields)


def recipients(mailoutbox):
    return Counter(address for message in mailoutbox for address in message.to)


def hand_over_events():
    """The worker's first half: the mail is queued, not yet sent."""
    call_command("dispatch_events", stdout=StringIO())


def edit(brief, editor, **fields):
    with changes.operation(editor) as change:
        change.watch(brief)
        for name, value in fields.items():
            setattr(brief, name, value)
        brief.save()


def test_a_published_brief_is_mailed_once_to_each_follower(editor, deliver, mailoutbox):
    iran, oil, sanctions, trade = IssueFactory.create_batch(4)
    expert = ExpertFactory()
    brief = draft(title="Tankers go dark", issues=[iran, oil, sanctions])
    ExpertQuoteFactory(brief=brief, expert=expert)
    SubscriberFactory(email="all@example.org")
    SubscriberFactory(email="three@example.org", everything=False, issues=[iran, oil, sanctions])
    SubscriberFactory(email="expert@example.org", everything=False, experts=[expert])
    SubscriberFactory(email="other@example.org", everything=False, issues=[trade])

    changes.publish_now(brief, editor)
    deliver()

    assert recipients(mailoutbox) == {
        "all@example.org": 1,
        "three@example.org": 1,
        "expert@example.org": 1,
    }
    assert {message.subject for message in mailoutbox} == {"Tankers go dark"}


def test_the_mail_carries_one_click_unsubscribe_and_absolute_links(editor, deliver, mailoutbox):
    SubscriberFactory(email="reader@example.org")
    brief = draft(title="Absolute")
    changes.publish_now(brief, editor)
    deliver()

    (message,) = mailoutbox
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://briefs.example.org/subscribe/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html, _ = message.alternatives[0]
    assert unsubscribe[1:-1] in html
    assert "https://briefs.example.org/subscribe/preferences/" in message.body
    assert f"https://briefs.example.org{brief.get_absolute_url()}" in message.body
    assert message.reply_to == ["briefs@localhost"]


def test_a_scheduled_brief_is_mailed_at_its_time_and_not_before(editor, deliver, mailoutbox):
    SubscriberFactory()
    brief = draft()
    publish_at = timezone.now() + timedelta(hours=2)
    changes.schedule(brief, editor, publish_at)

    deliver()
    assert mailoutbox == []

    with time_machine.travel(publish_at + timedelta(seconds=1)):
        deliver()
    assert len(mailoutbox) == 1


def test_nothing_for_drafts_reviews_or_briefs_withdrawn_or_rescheduled_before_their_time(
    editor, analyst, deliver, mailoutbox
):
    SubscriberFactory()
    draft(title="Still a draft")
    changes.submit(draft(title="In review"), analyst)
    withdrawn = draft(title="Withdrawn before its time")
    changes.schedule(withdrawn, editor, timezone.now() + timedelta(hours=1))
    changes.withdraw(Brief.objects.get(pk=withdrawn.pk), editor, "Not yet")
    moved = draft(title="Moved to tomorrow")
    changes.schedule(moved, editor, timezone.now() + timedelta(hours=1))
    changes.schedule(Brief.objects.get(pk=moved.pk), editor, timezone.now() + timedelta(days=1))

    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        deliver()
    assert mailoutbox == []

    with time_machine.travel(timezone.now() + timedelta(days=1, minutes=1)):
        deliver()
    assert [message.subject for message in mailoutbox] == ["Moved to tomorrow"]


def test_later_edits_and_a_republication_mail_no_one_again(editor, deliver, mailoutbox):
    SubscriberFactory()
    brief = draft(title="Once only")
    changes.publish_now(brief, editor)
    deliver()
    assert len(mailoutbox) == 1

    edit(Brief.objects.get(pk=brief.pk), editor, summary="Corrected summary.")
    deliver()
    changes.withdraw(Brief.objects.get(pk=brief.pk), editor, "A mistake")
    deliver()
    changes.publish_now(Brief.objects.get(pk=brief.pk), editor)
    deliver()

    assert len(mailoutbox) == 1


def test_briefs_public_before_the_subscriber_confirmed_are_not_mailed_to_them(
    editor, deliver, mailoutbox
):
    brief = draft()
    publish_at = timezone.now() + timedelta(hours=1)
    changes.schedule(brief, editor, publish_at)
    SubscriberFactory(email="early@example.org")
    SubscriberFactory(email="late@example.org", confirmed_at=publish_at + timedelta(seconds=30))

    with time_machine.travel(publish_at + timedelta(minutes=1)):
        deliver()

    assert recipients(mailoutbox) == {"early@example.org": 1}


def test_an_imported_archive_and_briefs_not_for_email_are_mailed_to_no_one(
    editor, deliver, mailoutbox
):
    SubscriberFactory()
    archived = draft(title="From the archive")
    changes.move(
        archived, editor, Brief.Status.PUBLISHED, publish_at=timezone.now() - timedelta(days=2)
    )
    quiet = draft(title="Quiet", mail_to_subscribers=False)
    changes.publish_now(quiet, editor)
    recent = draft(title="This morning")
    changes.move(
        recent, editor, Brief.Status.PUBLISHED, publish_at=timezone.now() - timedelta(hours=3)
    )
    deliver()

    assert [message.subject for message in mailoutbox] == ["This morning"]


def test_only_confirmed_subscribers_who_still_take_mail_get_it(editor, deliver, mailoutbox):
    SubscriberFactory(email="active@example.org")
    SubscriberFactory(email="pending@example.org", status=Subscriber.Status.PENDING)
    SubscriberFactory(email="paused@example.org", status=Subscriber.Status.PAUSED)
    SubscriberFactory(email="left@example.org", status=Subscriber.Status.UNSUBSCRIBED)
    SubscriberFactory(email="bounced@example.org", status=Subscriber.Status.BOUNCED)
    changes.publish_now(draft(), editor)
    deliver()

    assert recipients(mailoutbox) == {"active@example.org": 1}


def test_a_subscriber_who_leaves_while_mail_is_queued_gets_none(editor, deliver, mailoutbox):
    leaving = SubscriberFactory(email="leaving@example.org")
    SubscriberFactory(email="staying@example.org")
    changes.publish_now(draft(), editor)
    hand_over_events()
    subscribing.leave(leaving)
    deliver()

    assert recipients(mailoutbox) == {"staying@example.org": 1}


def test_handing_the_event_over_twice_queues_no_one_twice(editor, deliver, mailoutbox):
    SubscriberFactory.create_batch(3)
    changes.publish_now(draft(), editor)
    deliver()
    event = Event.objects.get(kind="brief.published")
    queue_brief_mail(event)
    deliver()

    assert len(mailoutbox) == 3
    assert Delivery.objects.filter(kind=Delivery.Kind.BRIEF).count() == 3


def test_a_brief_withdrawn_while_its_mail_is_queued_sends_no_more(editor, deliver, mailoutbox):
    SubscriberFactory.create_batch(3)
    brief = draft()
    changes.publish_now(brief, editor)
    hand_over_events()
    changes.withdraw(Brief.objects.get(pk=brief.pk), editor, "Pulled")
    deliver()

    assert mailoutbox == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"cancelled"}


def test_a_temporary_refusal_is_retried_and_a_permanent_one_bounces_the_address(
    settings, editor, deliver, mailoutbox
):
    settings.EMAIL_BACKEND = "tests.subscriptions.mail_backends.RefusingBackend"
    SubscriberFactory(email="busy@example.org")
    gone = SubscriberFactory(email="gone@example.org")
    SubscriberFactory(email="fine@example.org")
    changes.publish_now(draft(title="First"), editor)
    deliver()

    assert recipients(mailoutbox) == {"fine@example.org": 1}
    gone.refresh_from_db()
    assert gone.status == Subscriber.Status.BOUNCED
    assert "No such mailbox" in gone.bounce_reason
    busy = Delivery.objects.get(subscriber__email="busy@example.org")
    assert busy.status == Delivery.Status.QUEUED
    assert busy.next_attempt_at - timezone.now() > timedelta(seconds=50)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        deliver()
        changes.publish_now(draft(title="Second"), editor)
        deliver()

    assert recipients(mailoutbox) == {"fine@example.org": 2, "busy@example.org": 2}


def test_a_delivery_that_keeps_failing_is_given_up_after_a_day(settings, editor, deliver):
    settings.EMAIL_BACKEND = "tests.subscriptions.mail_backends.RefusingBackend"
    SubscriberFactory(email="busy@example.org")
    changes.publish_now(draft(), editor)
    deliver()
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        deliver()

    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 2


def test_a_mail_server_that_is_down_stops_the_sender_and_loses_nothing(
    settings, editor, deliver, mailoutbox
):
    settings.EMAIL_BACKEND = "tests.subscriptions.mail_backends.UnreachableBackend"
    SubscriberFactory.create_batch(5)
    changes.publish_now(draft(), editor)

    assert deliver() == 1
    assert Delivery.objects.filter(status=Delivery.Status.QUEUED).count() == 5

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        deliver()
    assert len(mailoutbox) == 5
