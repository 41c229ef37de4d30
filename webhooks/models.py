"""Webhooks: other systems told of public changes as they happen.

An `Endpoint` is an address an editor registered, with the secret that signs what is sent to
it and the kinds of event it wants. A `WebhookDelivery` is one event (or a test ping) sent to
one endpoint: unique per endpoint and event, so that however often an event is handed over, an
endpoint is sent it once (retries are attempts of the same delivery, under the same id).
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

from events.models import Event, Kind

from .addresses import validate_endpoint_url

# What other systems may be told of: what the public already sees. Never brief.submitted or
# brief.scheduled, which would tell of briefs before they are public.
PUBLIC_KINDS = [
    Kind.BRIEF_PUBLISHED,
    Kind.BRIEF_UPDATED,
    Kind.BRIEF_WITHDRAWN,
    Kind.BRIEF_DELETED,
    Kind.EXPERT_CHANGED,
    Kind.ISSUE_CHANGED,
]
PING = "ping"
# How long a replaced secret still signs deliveries, beside the new one: receivers switch to
# the new secret within it without refusing a delivery.
OLD_SECRET_KEPT = timedelta(hours=24)


def new_secret():
    return secrets.token_urlsafe(32)


def validate_kinds(kinds):
    if not isinstance(kinds, list) or not kinds:
        raise ValidationError("Choose at least one kind of event.")
    unknown = sorted(set(kinds) - set(PUBLIC_KINDS))
    if unknown:
        raise ValidationError(
            "These kinds of event cannot be sent to other systems: %(kinds)s.",
            params={"kinds": ", ".join(unknown)},
        )


class EndpointQuerySet(models.QuerySet):
    def with_delivery_counts(self):
        """With their deliveries counted: sent, and failing (to be retried, or given up)."""
        return self.annotate(
            sent_count=Count(
                "deliveries", filter=Q(deliveries__status=WebhookDelivery.Status.SENT)
            ),
            failing_count=Count(
                "deliveries", filter=Q(deliveries__status__in=WebhookDelivery.FAILING)
            ),
        )


class Endpoint(models.Model):
    name = models.CharField(
        max_length=100, help_text="Who receives it and what for, e.g. “Partner site: new briefs”."
    )
    url = models.URLField(
        "address",
        max_length=500,
        validators=[validate_endpoint_url],
        help_text="An http(s) address on the public internet; https is best.",
    )
    secret = models.CharField(
        max_length=100,
        blank=True,
        help_text="Signs each delivery. Leave blank to have one made.",
    )
    # The secret it replaced, still signing deliveries beside it until `previous_secret_until`.
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    kinds = models.JSONField(
        "events", default=list, validators=[validate_kinds], help_text="What it is sent."
    )
    active = models.BooleanField(
        default=True,
        help_text="Nothing is sent to it while it is off.",
    )
    turned_off_at = models.DateTimeField(null=True, blank=True, editable=False)
    turned_off_reason = models.CharField(max_length=1000, blank=True, editable=False)
    # Its health: attempts that failed since the last one that succeeded, and since when.
    consecutive_failures = models.PositiveIntegerField(default=0, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_failure_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.secret:
            self.secret = new_secret()
        super().save(*args, **kwargs)

    def wants(self, kind):
        return kind in self.kinds

    def signing_secrets(self, now):
        """The secrets that sign a delivery now: the current one, and the one it replaced
        while that is still kept."""
        kept = self.previous_secret_until is not None and self.previous_secret_until > now
        return [self.secret, self.previous_secret] if kept else [self.secret]

    def replace_secret(self, now):
        self.previous_secret, self.previous_secret_until = self.secret, now + OLD_SECRET_KEPT
        self.secret = new_secret()

    def clear_failures(self):
        self.consecutive_failures, self.failing_since = 0, None

    def mark_turned_on(self):
        """Active again, with a clean slate: its failures before were why it was off."""
        self.active = True
        self.turned_off_at, self.turned_off_reason = None, ""
        self.clear_failures()

    def mark_turned_off(self, reason, now):
        self.active = False
        self.turned_off_at, self.turned_off_reason = now, reason[:1000]


class DeliveryQuerySet(models.QuerySet):
    def pending(self):
        """Still to be sent: waiting for a first attempt or a retry."""
        return self.filter(status__in=WebhookDelivery.PENDING)

    def due(self):
        """Pending, its time come, and held by no worker."""
        now = timezone.now()
        return self.pending().filter(next_attempt_at__lte=now).exclude(held_until__gt=now)


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed, will retry"
        GAVE_UP = "gave_up", "Failed, gave up"

    PENDING = [Status.QUEUED, Status.FAILED]
    FAILING = [Status.FAILED, Status.GAVE_UP]

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    # None for a test ping, which carries no event.
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    kind = models.CharField(
        max_length=40,
        choices=[*((kind.value, kind.label) for kind in PUBLIC_KINDS), (PING, "Test ping")],
    )
    status = models.CharField(max_length=20, choices=Status, default=Status.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # Retries stop 24 hours after the first attempt (webhooks.delivery).
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    # While a worker makes an attempt, until when it holds the delivery (webhooks.delivery).
    held_until = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    response_status = models.PositiveSmallIntegerField("response code", null=True, blank=True)
    response_ms = models.PositiveIntegerField("response time (ms)", null=True, blank=True)
    # The start of the last answer's body, for whoever looks into a failure.
    response_excerpt = models.TextField(blank=True)
    last_error = models.CharField(max_length=1000, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "webhook delivery"
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"],
                condition=Q(event__isnull=False),
                name="one_webhook_per_endpoint_and_event",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="webhook_delivery_pending",
                condition=Q(status__in=["queued", "failed"]),
            ),
            models.Index(fields=["endpoint", "status"], name="webhook_delivery_endpoint"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.endpoint_id}: {self.get_status_display()}"

    @property
    def about(self):
        """What it tells of, in words (needs its event selected)."""
        if self.event_id is None:
            return "Test ping"
        payload = self.event.payload
        return payload.get("title") or payload.get("name") or self.event.subject
