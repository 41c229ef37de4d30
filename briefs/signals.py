"""Keep what is derived from the content current when a row is saved.

Inside an operation of the write path (briefs.editorial.changes), every saved row is handed to
the operation, which updates the search index and the content version once, at its end.
Outside one (an expert, issue or format edited in the admin; a factory in a test; the shell)
each row does it itself: a change to what a brief says re-indexes the brief, a change to what
the public may see gives the content a new version (briefs.public.freshness), and a change to
an expert or issue the public sees is a publication event.
"""

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from common import images
from events import outbox
from events.models import Kind
from experts.models import Expert, ExpertQuote

from .editorial import changes
from .models import Brief, BriefSection, Format, Issue, RelatedLink, TaggedBrief
from .public import freshness, search


def brief_changed(sender, instance, created=False, **kwargs):
    change = changes.current()
    if change is not None:
        change.saw_brief(instance.pk, created=created)
        return
    search.reindex([instance.pk])
    # Only a brief's own row holds the times at which the public content changes by itself.
    freshness.bump(schedule_changed=True, briefs=[instance.pk])


def part_changed(brief_id):
    change = changes.current()
    if change is not None:
        change.saw_brief(brief_id)
        return
    search.reindex([brief_id])
    freshness.bump(schedule_changed=False, briefs=[brief_id])


def part_saved(sender, instance, **kwargs):
    part_changed(instance.content_object_id if sender is TaggedBrief else instance.brief_id)


def issues_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    brief_ids = (pk_set or ()) if reverse else [instance.pk]
    for brief_id in brief_ids:
        part_changed(brief_id)


def name_saved(sender, instance, created, **kwargs):
    """An expert, issue or format saved. A new one shows nowhere until a public brief carries
    it; a changed one may show on public pages, and briefs are found by its name."""
    if created:
        return
    change = changes.current()
    if change is not None:
        change.saw_other_content()
        return
    # Search finds briefs by their experts' and issues' names; a format's name is not indexed.
    if sender is Expert:
        briefs = ExpertQuote.objects.filter(expert=instance).values_list("brief_id", flat=True)
        search.reindex(sorted(set(briefs)))
    elif sender is Issue:
        tagged = TaggedBrief.objects.filter(tag=instance)
        search.reindex(sorted(set(tagged.values_list("content_object_id", flat=True))))
    freshness.bump(schedule_changed=False)
    publicly_changed(sender, instance)


def issue_deleting(sender, instance, **kwargs):
    publicly_changed(sender, instance)


def name_deleted(sender, instance, **kwargs):
    if changes.current() is None:
        freshness.bump(schedule_changed=False)


def images_written(sender, instance, **kwargs):
    """The worker wrote a brief's renditions or an expert's thumbnail after its save: pages
    the public sees it on were kept without them, here and at the edge."""
    if sender is Brief:
        if Brief.objects.published().filter(pk=instance.pk).exists():
            # Its pictures show on its card and page; no list holds other briefs for them.
            freshness.bump(schedule_changed=False, lists_changed=False, briefs=[instance.pk])
            payload = changes.brief_payload(instance, None, None)
            outbox.record(Kind.BRIEF_UPDATED, f"brief:{instance.pk}", payload)
    elif publicly_changed(sender, instance):
        freshness.bump(schedule_changed=False)


def publicly_changed(sender, instance):
    """An expert, issue or format the public sees: an event, in the change's transaction.
    Returns whether there was one."""
    if sender is Expert and Expert.objects.public().filter(pk=instance.pk).exists():
        kind, name = Kind.EXPERT_CHANGED, "expert"
    elif sender is Issue and Issue.objects.public().filter(pk=instance.pk).exists():
        kind, name = Kind.ISSUE_CHANGED, "issue"
    elif sender is Format and Brief.objects.published().filter(format=instance).exists():
        kind, name = Kind.FORMAT_CHANGED, "format"
    else:
        return False
    payload = {name: instance.pk, "name": instance.name}
    if sender is not Format:
        payload.update(slug=instance.slug, url=instance.get_absolute_url())
    outbox.record(kind, f"{name}:{instance.pk}", payload)
    return True


def connect():
    post_save.connect(brief_changed, sender=Brief)
    post_delete.connect(brief_changed, sender=Brief)
    for part in (BriefSection, RelatedLink, ExpertQuote, TaggedBrief):
        post_save.connect(part_saved, sender=part)
        post_delete.connect(part_saved, sender=part)
    m2m_changed.connect(issues_changed, sender=TaggedBrief)
    for named in (Expert, Issue, Format):
        post_save.connect(name_saved, sender=named)
        post_delete.connect(name_deleted, sender=named)
    pre_delete.connect(issue_deleting, sender=Issue)
    for pictured in (Brief, Expert):
        images.images_made.connect(images_written, sender=pictured)
