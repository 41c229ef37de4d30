"""The worker's tasks for briefs (Celery): the lead image's renditions, made once the save
that brought the image has committed, the share card, drawn once a save that changed what it
shows has committed (briefs.share_card), and sweeps for those whose message was lost.

They take ids and re-read the database: a duplicate or late message finds the renditions or
the card made, or the brief changed, and does nothing.
"""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import share_card
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


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def make_share_card(brief_id):
    share_card.make_share_card(brief_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def make_missing_share_cards():
    """Ask again for the cards of briefs without a lead image whose card does not show what
    they say: the message was lost, an issue or format was renamed (which saves no brief), or
    the drawing changed (share_card.DESIGN)."""
    for brief_id in briefs_without_current_cards(saved_before=timezone.now() - SWEEP_AFTER):
        make_share_card.delay(brief_id)


def briefs_without_current_cards(saved_before):
    briefs = (
        Brief.objects.filter(lead_image="", updated_at__lt=saved_before)
        .select_related("format")
        .prefetch_related("issues")
        .only("title", "format__name", "publish_at", "share_card", "lead_image", "updated_at")
        .order_by("updated_at")
    )
    stale = []
    # In chunks, each with its issues read in one query: never every brief's issues at once.
    for brief in briefs.iterator(chunk_size=500):
        if brief.share_card.name != share_card.card_name(brief.pk, share_card.card_text(brief)):
            stale.append(brief.pk)
            if len(stale) == SWEEP_BATCH:
                break
    return stale
