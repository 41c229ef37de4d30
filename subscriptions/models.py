"""Readers who follow briefs by email, and every mail sent to them.

A `Subscriber` is an address and what it follows (everything, or some issues and experts), how
often (each brief, or a daily digest), and where it stands (waiting for confirmation,
subscribed, paused, left, bounced). A `Mailing` is a brief's one email edition, decided when the
brief first becomes public; a `Digest` is one day's digest. A `Delivery` is one mail to one
address: unique per subscriber and mailing (or digest), so that however often the work is
handed over, nobody gets a brief twice (subscriptions.delivery).
"""

from datetime import time

from django.db import models
from django.db.models import Count, Exists, Max, Min, OuterRef, Q
from django.utils import timezone

from briefs.models import Brief, Issue
from experts.models import Expert


class SubscriberQuerySet(models.QuerySet):
    def receiving(self, frequency):
        """Confirmed subscribers who take mail at `frequency` now."""
        return self.filter(status=Subscriber.Status.ACTIVE, frequency=frequency)

    def following(self, issue_ids, expert_ids):
        """Subscribers who follow everything, any of these issues or any of these experts:
        once each, however many of their choices match."""
        follows_issue = Subscriber.issues.through.objects.filter(
            subscriber=OuterRef("pk"), issue__in=issue_ids
        )
        follows_expert = Subscriber.experts.through.objects.filter(
            subscriber=OuterRef("pk"), expert__in=expert_ids
        )
        return self.filter(Q(everything=True) | Exists(follows_issue) | Exists(follows_expert))

    def confirmed_by(self, moment):
        """Subscribers who had confirmed by `moment`: a brief public before they confirmed is
        never mailed to them."""
        return self.filter(confirmed_at__lte=moment)


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        ACTIVE = "active", "Subscribed"
        PAUSED = "paused", "Paused"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
        BOUNCED = "bounced", "Bounced"

    class Frequency(models.TextChoices):
        INSTANT = "instant", "Each brief as it is published"
        DAILY = "daily", "A daily digest"

    # Kept in lower case: one subscriber per mailbox however its address is typed.
    email = models.EmailField(max_length=254, unique=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.PENDING)
    frequency = models.CharField(max_length=10, choices=Frequency, default=Frequency.INSTANT)
    everything = models.BooleanField("follows everything", default=False)
    issues = models.ManyToManyField(Issue, blank=True, related_name="+")
    experts = models.ManyToManyField(Expert, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # Briefs that were public before this moment are never mailed to the subscriber.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(
        null=True, blank=True, help_text="When the subscriber unsubscribed or bounced."
    )
    bounce_reason = models.CharField(max_length=500, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["email"]
        indexes = [models.Index(fields=["status", "frequency"], name="subscriber_receiving")]

    def __str__(self):
        return self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class MailingQuerySet(models.QuerySet):
    def with_delivery_counts(self):
        """With their deliveries counted by status (`<status>_count`) and their first and last
        sending times: one query, whatever the number of deliveries."""
        return self.annotate(
            **{
                f"{status.value}_count": Count("deliveries", filter=Q(deliveries__status=status))
                for status in Delivery.Status
            },
            first_sent_at=Min("deliveries__sent_at"),
            last_sent_at=Max("deliveries__sent_at"),
        )


class Mailing(models.Model):
    """A brief's one email edition: whether it is mailed is decided once, when the brief
    first becomes public, and never again (a republished brief is not mailed twice)."""

    class Decision(models.TextChoices):
        SEND = "send", "Mailed to subscribers"
        NOT_FOR_EMAIL = "not_for_email", "Not for email (editors' choice)"
        ARCHIVE = "archive", "Not mailed: published with a date more than a day past"
        WAS_PUBLIC = "was_public", "Not mailed: it had been public before"

    brief = models.OneToOneField(Brief, on_delete=models.CASCADE, related_name="mailing")
    became_public_at = models.DateTimeField()
    decision = models.CharField(max_length=20, choices=Decision)
    created_at = models.DateTimeField(default=timezone.now)

    objects = MailingQuerySet.as_manager()

    class Meta:
        ordering = ["-became_public_at"]

    def __str__(self):
        return f"{self.brief}: {self.get_decision_display()}"


class Digest(models.Model):
    """One day's digest (a date in the site's time zone): made once, whatever restarts."""

    date = models.DateField(unique=True)
    # It lists the briefs that became public after `starts_at`, up to `cutoff_at`.
    starts_at = models.DateTimeField()
    cutoff_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date"]

    def __str__(self):
        return f"Digest of {self.date:%b %-d, %Y}"


class DeliveryQuerySet(models.QuerySet):
    def due(self):
        return self.filter(status=Delivery.Status.QUEUED, next_attempt_at__lte=timezone.now())


class Delivery(models.Model):
    """One mail to one address."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", "Confirmation"
        BRIEF = "brief", "Brief"
        DIGEST = "digest", "Daily digest"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        BOUNCED = "bounced", "Bounced"
        CANCELLED = "cancelled", "Not sent"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(max_length=20, choices=Kind)
    mailing = models.ForeignKey(
        Mailing, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    digest = models.ForeignKey(
        Digest, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    # What the mail needs beyond its mailing: the confirmation link, or a digest's brief ids.
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status, default=Status.QUEUED)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "mailing"],
                condition=Q(mailing__isnull=False),
                name="one_mail_per_brief",
            ),
            models.UniqueConstraint(
                fields=["subscriber", "digest"],
                condition=Q(digest__isnull=False),
                name="one_mail_per_digest",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="delivery_queued",
                condition=Q(status="queued"),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.subscriber_id}: {self.get_status_display()}"


class MailSettings(models.Model):
    """What editors set for subscriptions: one row."""

    digest_time = models.TimeField(
        default=time(7, 0),
        help_text="When the daily digest goes out, in the site's time zone.",
    )

    class Meta:
        verbose_name = verbose_name_plural = "mail settings"

    def __str__(self):
        return "Mail settings"

    @classmethod
    def current(cls):
        return cls.objects.get_or_create(pk=1)[0]
