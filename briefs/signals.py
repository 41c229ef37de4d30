"""Keep what is derived from the content current: any change to what a brief says re-indexes
the brief, and any change to what the public may see gives the content a new version, under
which cached pages and lists are kept (briefs.public.freshness)."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from experts.models import Expert, ExpertQuote

from .models import Brief, BriefSection, Format, Issue, RelatedLink, TaggedBrief
from .public import freshness, search

# Everything a public page, feed or sitemap shows comes from these.
PUBLIC_CONTENT = [Brief, BriefSection, RelatedLink, ExpertQuote, Expert, Issue, Format, TaggedBrief]


def content_changed(sender, **kwargs):
    # Only a brief's own row holds the times at which the public content changes by itself.
    freshness.bump(schedule_changed=sender is Brief)


def brief_changed(sender, instance, **kwargs):
    search.reindex([instance.pk])


def part_changed(sender, instance, **kwargs):
    search.reindex([instance.brief_id])


def issues_changed(sender, instance, action, **kwargs):
    if action in {"post_add", "post_remove", "post_clear"}:
        search.reindex([instance.pk])
        freshness.bump(schedule_changed=False)


def name_changed(sender, instance, created, **kwargs):
    """An expert or issue renamed: the briefs that carry the name are found by it."""
    if created:
        return
    if isinstance(instance, Expert):
        briefs = ExpertQuote.objects.filter(expert=instance).values_list("brief_id", flat=True)
    else:
        briefs = TaggedBrief.objects.filter(tag=instance).values_list(
            "content_object_id", flat=True
        )
    search.reindex(list(set(briefs)))


def connect():
    for model in PUBLIC_CONTENT:
        post_save.connect(content_changed, sender=model)
        post_delete.connect(content_changed, sender=model)
    post_save.connect(brief_changed, sender=Brief)
    post_delete.connect(brief_changed, sender=Brief)
    for part in (BriefSection, RelatedLink, ExpertQuote):
        post_save.connect(part_changed, sender=part)
        post_delete.connect(part_changed, sender=part)
    m2m_changed.connect(issues_changed, sender=TaggedBrief)
    post_save.connect(name_changed, sender=Expert)
    post_save.connect(name_changed, sender=Issue)
