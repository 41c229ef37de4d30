"""The publication rule: a brief's states, and when a brief is public.

Here rather than in briefs.models so that experts (a lower layer than briefs) can count what
is public through its own joins without importing briefs.
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone


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
