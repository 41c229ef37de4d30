"""The outbox: what happened to public content, written in the transaction that made it happen,
and what each handler did about it.

An `Event` is due at a time (now, or a scheduled brief's `publish_at`); a pending one can still
be moved or cancelled until then. A `HandlerRun` is one handler's work on one event: unique per
pair, so a handler's effect is recorded once however often the event is handed over.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Kind(models.TextChoices):
    BRIEF_PUBLISHED = "brief.published", "Brief published"
    BRIEF_UPDATED = "brief.updated", "Public brief updated"
    BRIEF_WITHDRAWN = "brief.withdrawn", "Brief withdrawn"
    BRIEF_DELETED = "brief.deleted", "Public brief deleted"
    BRIEF_SUBMITTED = "brief.submitted", "Brief submitted for review"
    # A brief's time to appear was set or moved: pages kept until the old time must go.
    BRIEF_SCHEDULED = "brief.scheduled", "Brief scheduled"
    EXPERT_CHANGED = "expert.changed", "Public expert changed"
    ISSUE_CHANGED = "issue.changed", "Public issue changed"
    FORMAT_CHANGED = "format.changed", "Public format changed"
    # Written by the commands that change content in bulk (a restore, a generated archive).
    SITE_CHANGED = "site.changed", "Site content replaced"


class EventQuerySet(models.QuerySet):
    def unhandled(self):
        """Events, due or still to come, that some handler has still to finish."""
        return self.filter(cancelled_at__isnull=True, handled_at__isnull=True)

    def due(self):
        """Unhandled events whose time has come, oldest first: the order they happened in."""
        return self.unhandled().filter(due_at__lte=timezone.now()).order_by("due_at", "pk")

    def pending(self):
        """Events still to come: these may be moved or cancelled."""
        return self.filter(due_at__gt=timezone.now(), cancelled_at__isnull=True)


class Event(models.Model):
    kind = models.CharField(max_length=40, choices=Kind)
    # What the event is about, as "<model>:<id>" ("brief:12"): rows may be gone by the time the
    # event is handled (a deleted brief), so the event keeps its own copy of what handlers need.
    subject = models.CharField(max_length=60)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # When every handler had done its part.
    handled_at = models.DateTimeField(null=True, blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-due_at", "-pk"]
        indexes = [
            models.Index(
                fields=["due_at", "id"],
                name="event_unhandled_due",
                condition=Q(handled_at__isnull=True, cancelled_at__isnull=True),
            ),
            models.Index(fields=["subject", "kind"], name="event_subject"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.payload.get('title', self.subject)}"


class HandlerRun(models.Model):
    """One handler's work on one event: done once, or failed and retried with backoff."""

    class Outcome(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed, will retry"
        GAVE_UP = "gave_up", "Failed, gave up"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="runs")
    handler = models.CharField(max_length=100)
    outcome = models.CharField(max_length=20, choices=Outcome, default=Outcome.RUNNING)
    attempts = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["event", "handler"]
        constraints = [
            models.UniqueConstraint(fields=["event", "handler"], name="one_run_per_handler")
        ]

    def __str__(self):
        return f"{self.handler} on event {self.event_id}: {self.get_outcome_display()}"


class Activity(models.Model):
    """The activity log: one line per handled event, as the first handler records it."""

    event = models.OneToOneField(Event, on_delete=models.CASCADE, related_name="activity")
    recorded_at = models.DateTimeField(default=timezone.now)
    happened_at = models.DateTimeField()
    description = models.CharField(max_length=500)

    class Meta:
        ordering = ["-happened_at", "-pk"]
        verbose_name_plural = "activity"

    def __str__(self):
        return self.description
