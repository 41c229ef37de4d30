"""The worker's tasks for experts (Celery): the photo's thumbnail, made once the save that
brought the photo has committed, and a sweep for those whose message was lost.

Both take ids and re-read the database: a duplicate or late message finds the thumbnail
made, or the photo changed, and does nothing.
"""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from .models import Expert

# The sweep leaves alone an expert saved this recently: its own message is still on its way.
SWEEP_AFTER = timedelta(minutes=5)
SWEEP_BATCH = 100


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def make_photo_thumbnail(expert_id):
    expert = Expert.objects.filter(pk=expert_id).first()
    if expert is not None:
        expert.make_thumbnail()


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def make_missing_thumbnails():
    """Ask again for the thumbnails of experts that have none of their photo: the broker
    was down when the save committed, or the message was lost."""
    saved_before = timezone.now() - SWEEP_AFTER
    experts = (
        Expert.objects.exclude(photo="").filter(updated_at__lt=saved_before).order_by("updated_at")
    )
    experts = experts.only("photo", "photo_thumbnail").iterator()
    missing = [expert.pk for expert in experts if not expert.has_thumbnail()]
    for expert_id in missing[:SWEEP_BATCH]:
        make_photo_thumbnail.delay(expert_id)
