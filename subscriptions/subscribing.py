"""Subscribing, confirming, changing one's choices and leaving: the rules, whatever the page.

Asking to subscribe has the same outcome for the asker whatever the address (the page never
tells who subscribes): a confirmation mail at most once an hour per address, and nothing else
until its link is followed. Choices asked for travel in the signed link and apply when it is.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from briefs.models import Issue
from experts.models import Expert

from . import links
from .models import Delivery, Subscriber

CONFIRMATION_INTERVAL = timedelta(hours=1)


@dataclass(frozen=True)
class Choices:
    """What a subscriber follows and how often."""

    everything: bool = False
    issues: tuple = field(default_factory=tuple)
    experts: tuple = field(default_factory=tuple)
    frequency: str = Subscriber.Frequency.INSTANT

    def as_data(self):
        return {
            "all": self.everything,
            "issues": sorted(self.issues),
            "experts": sorted(self.experts),
            "frequency": self.frequency,
        }

    @classmethod
    def from_data(cls, data):
        return cls(
            everything=bool(data.get("all")),
            issues=tuple(data.get("issues", ())),
            experts=tuple(data.get("experts", ())),
            frequency=data.get("frequency", Subscriber.Frequency.INSTANT),
        )

    def apply_to(self, subscriber):
        subscriber.everything = self.everything
        subscriber.frequency = self.frequency
        subscriber.save(update_fields=["everything", "frequency"])
        # Ids carried by a link: an issue or expert deleted since is left out.
        subscriber.issues.set(Issue.objects.filter(pk__in=self.issues))
        subscriber.experts.set(Expert.objects.filter(pk__in=self.experts))


def request_subscription(email, choices):
    """Queue a confirmation mail for `email` asking for `choices`, unless one went to it in
    the last hour or the address bounced. Returns nothing: callers answer the same anyway."""
    from .delivery import start_senders

    now = timezone.now()
    with transaction.atomic():
        subscriber, _ = Subscriber.objects.get_or_create(email=email.strip().lower())
        subscriber = Subscriber.objects.select_for_update().get(pk=subscriber.pk)
        if subscriber.status == Subscriber.Status.BOUNCED:
            return
        sent = subscriber.confirmation_sent_at
        if sent and now - sent < CONFIRMATION_INTERVAL:
            return
        subscriber.confirmation_sent_at = now
        subscriber.save(update_fields=["confirmation_sent_at"])
        Delivery.objects.create(
            subscriber=subscriber,
            kind=Delivery.Kind.CONFIRMATION,
            payload={"confirm_url": links.confirmation_url(subscriber, choices)},
        )
        transaction.on_commit(start_senders)


def confirm(token):
    """Follow a confirmation link: the subscriber takes the choices it carries and, unless
    already subscribed, starts receiving from now. Raises links.LinkInvalid (or LinkExpired)."""
    with transaction.atomic():
        subscriber, data = links.read_confirmation(token)
        Choices.from_data(data).apply_to(subscriber)
        if subscriber.status != Subscriber.Status.ACTIVE:
            subscriber.status = Subscriber.Status.ACTIVE
            subscriber.confirmed_at = timezone.now()
            subscriber.left_at, subscriber.bounce_reason = None, ""
            subscriber.save(update_fields=["status", "confirmed_at", "left_at", "bounce_reason"])
    return subscriber


def change_preferences(subscriber, choices, *, paused):
    """From the preferences page: new choices, and paused or not."""
    with transaction.atomic():
        choices.apply_to(subscriber)
        if subscriber.status in (Subscriber.Status.ACTIVE, Subscriber.Status.PAUSED):
            subscriber.status = Subscriber.Status.PAUSED if paused else Subscriber.Status.ACTIVE
            subscriber.save(update_fields=["status"])
            if paused:
                _cancel_queued(subscriber)


def leave(subscriber):
    """Unsubscribe at once: nothing more is sent, queued mail included. A bounced address
    stays bounced, so that asking to subscribe it again mails it nothing (an editor clears a
    bounce first)."""
    with transaction.atomic():
        Subscriber.objects.filter(pk=subscriber.pk).exclude(
            status=Subscriber.Status.BOUNCED
        ).update(status=Subscriber.Status.UNSUBSCRIBED, left_at=timezone.now())
        _cancel_queued(subscriber)
    subscriber.refresh_from_db()


def bounce(subscriber_id, reason):
    """A permanent delivery failure: the address is never mailed again."""
    Subscriber.objects.filter(pk=subscriber_id).update(
        status=Subscriber.Status.BOUNCED, left_at=timezone.now(), bounce_reason=reason[:500]
    )
    _cancel_queued(Subscriber(pk=subscriber_id))


def _cancel_queued(subscriber):
    Delivery.objects.filter(subscriber=subscriber, status=Delivery.Status.QUEUED).update(
        status=Delivery.Status.CANCELLED, last_error="The subscriber left or paused."
    )
