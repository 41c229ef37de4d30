"""The worker's tasks for briefs (Celery): the lead image's renditions, made once the save
that brought the image has committed, and a sweep for those whose message was lost.

Both take ids and re-read the database: a duplicate or late message finds the renditions
made, or the image changed, and does nothing.
"""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .models import Brief

# The sweep leaves alone a brief saved this recently: its own message is still on its way.
SWEEP_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 100


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def make_lead_image_renditions(brief_id):
    brief = Brief.objects.filter(pk=brief_id).first()
    if brief is not None:
        brief.make_renditions()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def make_missing_renditions():
    """Ask again for the renditions of briefs that have none of their image: the broker was
    down when the save committed, or the message was lost."""
    for brief_id in briefs_without_renditions(saved_before=timezone.now() - SWEEP_AFTER):
        make_lead_image_renditions.delay(brief_id)


def briefs_without_renditions(saved_before):
    rows = (
        Brief.objects.exclude(lead_image="")
        .filter(updated_at__lt=saved_before)
        .order_by("updated_at")
        .values_list("pk", "lead_image", "lead_image_renditions__source")
    )
    return [pk for pk, image, source in rows.iterator() if source != image][:SWEEP_BATCH]
