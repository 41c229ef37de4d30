"""Rows kept in the order their author gave them (quotes, sections, related links)."""

from django.db import models
from django.db.models import F


class AuthorOrdered(models.Model):
    """Rows kept in the order the author gave them; new rows without a position go last."""

    position = models.PositiveIntegerField("order", null=True, blank=True)

    class Meta:
        abstract = True
        ordering = [F("position").asc(nulls_last=True), "pk"]


def renumber(rows):
    """Give author-ordered rows the positions 1, 2, 3... in their current order."""
    changed = []
    for position, row in enumerate(rows, start=1):
        if row.position != position:
            row.position = position
            changed.append(row)
    if changed:
        type(changed[0]).objects.bulk_update(changed, ["position"])
