"""The publication rule: a brief's states, and when a brief is public.

Here rather than in briefs.models so that experts (a lower layer than briefs) can count what
is public through its own joins without importing briefs.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

# What an editor may do beyond an analyst (briefs.editorial.roles): publish, and change what
# the public already sees. A permission name, so that layers below briefs can ask
# user.has_perm() without importing briefs.
PUBLISH_PERMISSION = "briefs.publish_brief"


class Status(models.TextChoices):
    """A brief's status (Brief.Status)."""

    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    PUBLISHED = "published", "Published (or scheduled)"
    WITHDRAWN = "withdrawn", "Withdrawn"


def published_condition(path=""):
    """The publication rule, as a condition on the brief found at `path` (a lookup path
    ending in "__", or "" for the brief itself): approved for publication, its time has
    come, and its withdrawal time (if it has one) has not. "Now" is the application's clock,
    not the database's, so tests can move it.

    Queries that count across many briefs (issues, experts) use it on a join, which is far
    cheaper than `__in=Brief.objects.published()`; everything else uses published().
    """
    now = timezone.now()
    return Q(**{f"{path}status": Status.PUBLISHED, f"{path}publish_at__lte": now}) & (
        Q(**{f"{path}withdraw_at__isnull": True}) | Q(**{f"{path}withdraw_at__gt": now})
    )


def settled_condition(path=""):
    """Approved for publication with no withdrawal set: public from its publication time on,
    for as long as it stands. What the database counts ahead (briefs.models.IssueQuoteCount,
    whose triggers in migration 0015 state the same condition)."""
    return Q(**{f"{path}status": Status.PUBLISHED, f"{path}withdraw_at__isnull": True})


class State(models.TextChoices):
    """Where a brief stands, as editors name it: its status, read against the clock. An
    approved brief is scheduled until its time comes, then published, then expired once its
    withdrawal time has passed."""

    DRAFT = "draft", "Draft"
    REVIEW = "review", "In review"
    SCHEDULED = "scheduled", "Scheduled"
    PUBLISHED = "published", "Published"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


def state_of(status, publish_at, withdraw_at):
    """The State of a brief with these fields, now: the same rule as published_condition()."""
    if status != Status.PUBLISHED:
        return State(status)
    now = timezone.now()
    if withdraw_at is not None and withdraw_at <= now:
        return State.EXPIRED
    if publish_at is None or publish_at > now:
        return State.SCHEDULED
    return State.PUBLISHED


class PublicNeedsAnEditor:
    """For the ModelAdmin of something the public sees once a public brief refers to it (an
    expert, an issue): whoever may write makes and edits it while it is not public, but once
    it is, only people who may publish change or delete it, since the change goes out with no
    review. Everyone who may view it still sees it. The model's manager has `public()`."""

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_alter(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_alter(request, obj)

    def _may_alter(self, request, obj):
        if obj is None or request.user.has_perm(PUBLISH_PERMISSION):
            return True
        return not self.model.objects.public().filter(pk=obj.pk).exists()
