"""The daily digest: once a day, at the time editors set (MailSettings, in the site's time
zone), one mail per digest subscriber listing the briefs that became public for them since
the last digest; none to those with nothing new.

A digest is one row per date (unique), made in the transaction that queues its mail: however
often the sweep runs, whatever restarts, one a day. The date and the time are read in the site's
time zone, so the digest keeps its local time across daylight-saving changes: a time that does
not exist that day (02:30 when clocks jump from 02:00 to 03:00) goes at the same instant an
hour later by the clock, and a time that happens twice goes the first time.
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from briefs.models import Brief
from events.models import Event, Kind

from .delivery import QUEUE_BATCH, issue_and_expert_ids, start_senders
from .models import Delivery, Digest, Mailing, MailSettings, Subscriber


def digest_time_on(day):
    """The instant of `day`'s digest."""
    return timezone.make_aware(datetime.combine(day, MailSettings.current().digest_time))


def make_due_digest(now=None):
    """Today's digest, if its time has come and it is not made yet; returns it or None."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    cutoff = digest_time_on(today)
    if now < cutoff or Digest.objects.filter(date=today).exists():
        return None
    # A brief that became public just before the digest's time must be in it: wait until the
    # worker has handled every publication due by then.
    if Event.objects.due().filter(kind=Kind.BRIEF_PUBLISHED, due_at__lte=cutoff).exists():
        return None
    previous = Digest.objects.order_by("-cutoff_at").first()
    starts_at = previous.cutoff_at if previous else cutoff - timedelta(days=1)
    try:
        with transaction.atomic():
            digest = Digest.objects.create(date=today, starts_at=starts_at, cutoff_at=cutoff)
            queue_digest(digest)
    except IntegrityError:
        return None
    transaction.on_commit(start_senders)
    return digest


def queue_digest(digest):
    """A delivery per digest subscriber with something new, listing those briefs."""
    mailings = (
        Mailing.objects.filter(
            decision=Mailing.Decision.SEND,
            became_public_at__gt=digest.starts_at,
            became_public_at__lte=digest.cutoff_at,
            brief__in=Brief.objects.published(),
        )
        .select_related("brief")
        .order_by("-became_public_at")
    )
    briefs_for = defaultdict(list)
    for mailing in mailings:
        issues, experts = issue_and_expert_ids(mailing.brief)
        subscribers = (
            Subscriber.objects.receiving(Subscriber.Frequency.DAILY)
            .following(issues, experts)
            .confirmed_by(mailing.became_public_at)
            .values_list("pk", flat=True)
        )
        for subscriber_id in subscribers.iterator(chunk_size=QUEUE_BATCH):
            briefs_for[subscriber_id].append(mailing.brief_id)
    deliveries = [
        Delivery(
            subscriber_id=subscriber_id,
            kind=Delivery.Kind.DIGEST,
            digest=digest,
            payload={"briefs": brief_ids},
        )
        for subscriber_id, brief_ids in sorted(briefs_for.items())
    ]
    Delivery.objects.bulk_create(deliveries, batch_size=QUEUE_BATCH, ignore_conflicts=True)
