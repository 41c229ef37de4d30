"""The one way briefs change.

Every operation that changes a brief or its parts (the admin's form, the workflow's moves, the
calendar, document and text imports, restoring a revision, deleting) runs inside
`operation()`: one transaction that ends by doing, once for everything it changed,

- a Transition for each brief whose state moved (briefs.editorial.workflow),
- a Revision of each brief it changed (briefs.editorial.revisions),
- one update of the search index, for all the briefs it changed,
- one new content version, when what the public may see could have changed, with a new lists
  token only when what lists hold could have (briefs.public.freshness); then the public
  issues' and experts' counts are worked out before it commits (briefs.public.listings),
- the publication events of what changed in public (events.outbox): mail, purges and webhooks
  act on them after commit, through the worker, so none of them can fail the change, and
- a new share card for each brief without a lead image whose card no longer shows what it
  says, drawn by the worker after commit (briefs.share_card).

Rows saved while an operation runs still send Django's signals; briefs.signals hands them to
the operation instead of acting on each row. Rows saved outside one (a factory in a test, the
shell) keep the caches exact row by row.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from common.images import after_commit
from common.ordering import renumber
from common.publication import State
from events import outbox
from events.models import Kind
from experts.models import Expert, ExpertQuote

from .. import share_card, tasks
from ..models import Brief, BriefSection, Format, RelatedLink, Revision, person_name
from ..public import edge, freshness, listings, search
from . import revisions, workflow
from .workflow import ChangeRefused

_current = ContextVar("briefs_operation", default=None)

# States whose briefs the public sees now, or will see without anyone acting.
ON_THE_SITE = {State.PUBLISHED, State.SCHEDULED}


@dataclass(frozen=True)
class Before:
    """A brief as it stood when an operation began."""

    state: str
    publish_at: object
    withdraw_at: object
    issues: frozenset
    experts: frozenset
    # The expert of each quote, with repeats: lists count an expert's quotes.
    quoted: tuple

    def listed_as(self):
        """What lists hold of the brief (listed_as() of the brief as it is now)."""
        return (self.state, self.publish_at, self.withdraw_at, self.issues, self.quoted)


def current():
    """The operation running now, or None."""
    return _current.get()


@contextmanager
def operation(user=None, *, note="", comment=""):
    """Run the changes made inside as one operation (see the module's docstring). `comment`
    goes with any workflow move it records; `note` names the revisions (else the comment, else
    the move). An operation inside another is part of it."""
    running = _current.get()
    if running is not None:
        yield running
        return
    change = Operation(user, note=note, comment=comment)
    token = _current.set(change)
    try:
        with transaction.atomic():
            yield change
            change.finish()
    finally:
        _current.reset(token)


class Operation:
    def __init__(self, user, *, note, comment):
        self.user, self.note, self.comment = user, note, comment.strip()
        self.before = {}
        self.changed = set()
        self.created = set()
        self.gone = {}
        self.other_content_changed = False
        self.revisions = {}
        # The events it raised: the pages they affect are made before it commits.
        self.events = []

    def watch(self, brief):
        """Call before changing `brief`: what it was is read from the database."""
        if brief.pk and brief.pk not in self.before and brief.pk not in self.created:
            self.before[brief.pk] = read_before(brief.pk)

    def saw_brief(self, brief_id, *, created=False):
        self.changed.add(brief_id)
        if created:
            self.created.add(brief_id)

    def saw_other_content(self):
        """An expert, issue or format was saved inside the operation."""
        self.other_content_changed = True

    def finish(self):
        now = timezone.now()
        ids = sorted(self.changed - set(self.gone))
        # With what each brief's share card shows (share_card.needs_drawing) and what lists
        # hold of it (listed_as()), read for all.
        briefs = (
            Brief.objects.select_related("format").prefetch_related("issues", "quotes").in_bulk(ids)
        )
        public_changed = lists_changed = self.other_content_changed or any(
            before.state in ON_THE_SITE for before in self.gone.values()
        )
        for brief_id in ids:
            brief = briefs[brief_id]
            before = watched = self.before.get(brief_id)
            if before is None and brief_id not in self.created:
                # Saved without watch(): no move can be told, so none is recorded.
                before = read_before(brief_id)
            for rows in (brief.quotes.all(), brief.sections.all(), brief.related_links.all()):
                renumber(rows)
            move = workflow.record_transition(
                brief,
                self.user,
                before.state if before else "",
                previous_publish_at=before.publish_at if before else None,
                comment=self.comment,
            )
            note = self.note or self.comment or (move.description if move else "")
            revision = revisions.record_revision(brief, self.user, note=note)
            self.revisions[brief_id] = revision
            if (before and before.state in ON_THE_SITE) or brief.state in ON_THE_SITE:
                public_changed = True
                # Read only now, what a brief saved without watch() was is not known: its
                # lists are worked out again.
                if watched is None or watched.listed_as() != listed_as(brief):
                    lists_changed = True
            self.raise_events(brief, before, revision, now)
            if share_card.needs_drawing(brief):
                # Drawn by the worker once this commits, as the lead image's renditions are.
                after_commit(tasks.make_share_card, brief_id)
        if self.changed:
            search.reindex(sorted(self.changed))
        if public_changed:
            # What cards show of other briefs changes only with a name (an issue's, a format's).
            # A deleted brief is among those changed: its row's deletion was seen too.
            briefs = None if self.other_content_changed else sorted(self.changed)
            new_version(self.events, lists_changed, briefs)

    def raise_events(self, brief, before, revision, now):
        subject = f"brief:{brief.pk}"
        state = brief.state
        was_public = before is not None and before.state == State.PUBLISHED
        payload = brief_payload(brief, before, self.user)
        if state == State.PUBLISHED:
            if not was_public:
                self.events.append(outbox.expect(Kind.BRIEF_PUBLISHED, subject, payload, now))
            elif content_changed(revision):
                self.events.append(outbox.record(Kind.BRIEF_UPDATED, subject, payload))
        else:
            if was_public:
                self.events.append(outbox.record(Kind.BRIEF_WITHDRAWN, subject, payload))
            if state == State.SCHEDULED:
                outbox.expect(Kind.BRIEF_PUBLISHED, subject, payload, brief.publish_at)
                newly_due = before is None or before.state != State.SCHEDULED
                if newly_due or before.publish_at != brief.publish_at:
                    self.events.append(outbox.record(Kind.BRIEF_SCHEDULED, subject, payload))
            else:
                outbox.cancel(subject, [Kind.BRIEF_PUBLISHED])
        if state in ON_THE_SITE and brief.withdraw_at:
            outbox.expect(Kind.BRIEF_WITHDRAWN, subject, payload, brief.withdraw_at)
        else:
            outbox.cancel(subject, [Kind.BRIEF_WITHDRAWN])
        if state == State.REVIEW and (before is None or before.state != State.REVIEW):
            outbox.record(Kind.BRIEF_SUBMITTED, subject, {**payload, "comment": self.comment})


def new_version(events, lists_changed, briefs):
    """Give the content a new version at the end of a change that the public may see, which
    wrote the rows of `briefs` (ids; None if it changed anything else): what lists hold worked
    out first when it changed, and the pages `events` affect made first, under the new version
    before it commits."""
    version = freshness.next_version(lists_changed, briefs)
    with freshness.as_version(version):
        if lists_changed:
            listings.work_out_ahead()
        edge.make_pages_first(events)
    freshness.bump(version=version)


def read_before(brief_id):
    row = Brief.objects.filter(pk=brief_id).only("status", "publish_at", "withdraw_at").first()
    if row is None:
        return None
    quotes = list(
        ExpertQuote.objects.filter(brief=brief_id).values_list("expert_id", "expert__slug")
    )
    return Before(
        state=row.state,
        publish_at=row.publish_at,
        withdraw_at=row.withdraw_at,
        issues=frozenset(row.issues.values_list("slug", flat=True)),
        experts=frozenset(slug for _, slug in quotes),
        quoted=tuple(sorted(expert for expert, _ in quotes)),
    )


def listed_as(brief):
    """What lists hold of `brief` as it is now: whether and when it is public, its issues, and
    whom it quotes (Before.listed_as())."""
    issues = frozenset(issue.slug for issue in brief.issues.all())
    quoted = tuple(sorted(quote.expert_id for quote in brief.quotes.all()))
    return (brief.state, brief.publish_at, brief.withdraw_at, issues, quoted)


def quoted_expert_slugs(brief_id):
    return Expert.objects.filter(quotes__brief=brief_id).values_list("slug", flat=True).distinct()


def brief_payload(brief, before, user):
    """What handlers need to know of the brief, kept with the event: the brief may have
    changed again, or be gone, when the event is handled. `left_issues` and `left_experts`
    are pages the brief was on and is no longer; `linked_from`, the briefs whose related
    links point at it (their pages show its title)."""
    issues = sorted(brief.issues.values_list("slug", flat=True))
    experts = sorted(set(quoted_expert_slugs(brief.pk)))
    linked_from = RelatedLink.objects.filter(target=brief.pk).values_list("brief_id", flat=True)
    return {
        "brief": brief.pk,
        "slug": brief.slug,
        "title": brief.title,
        "url": brief.get_absolute_url(),
        "publish_at": brief.publish_at.isoformat() if brief.publish_at else None,
        "withdraw_at": brief.withdraw_at.isoformat() if brief.withdraw_at else None,
        "issues": issues,
        "experts": experts,
        "left_issues": sorted(before.issues - set(issues)) if before else [],
        "left_experts": sorted(before.experts - set(experts)) if before else [],
        "linked_from": sorted(set(linked_from)),
        "by": person_name(user) if user else "",
        "by_id": user.pk if user else None,
    }


def content_changed(revision):
    """Whether `revision` says something its predecessor did not."""
    previous = (
        Revision.objects.filter(brief=revision.brief_id, number=revision.number - 1)
        .values_list("document", flat=True)
        .first()
    )
    return previous != revision.document


# The operations


def save_form(user, form, formsets=(), *, comment=""):
    """An admin form and its inline formsets, saved as one operation."""
    brief = form.instance
    with operation(user, comment=comment) as change:
        change.watch(brief)
        brief.save()
        form.save_m2m()
        for formset in formsets:
            formset.save()
    return brief


def move(brief, user, status, *, publish_at=None, comment=""):
    """Move `brief` to `status` (publishing at `publish_at`, or now), if `user` may; raises
    ChangeRefused otherwise, having changed nothing."""
    with operation(user, comment=comment) as change:
        brief = Brief.objects.select_for_update().get(pk=brief.pk)
        change.watch(brief)
        source = brief.state
        if status == Brief.Status.PUBLISHED:
            publish_at = publish_at or timezone.now()
        else:
            publish_at = brief.publish_at
        target = Brief(status=status, publish_at=publish_at, withdraw_at=brief.withdraw_at)
        workflow.check_move(
            user, source, target.state, comment, rescheduled=publish_at != brief.publish_at
        )
        brief.status, brief.publish_at = status, publish_at
        brief.save()
    return brief


def submit(brief, user, comment=""):
    return move(brief, user, Brief.Status.REVIEW, comment=comment)


def send_back(brief, user, comment):
    return move(brief, user, Brief.Status.DRAFT, comment=comment)


def publish_now(brief, user, comment=""):
    return move(brief, user, Brief.Status.PUBLISHED, comment=comment)


def schedule(brief, user, publish_at, comment=""):
    """Schedule (or reschedule) `brief` for `publish_at`, which must be to come."""
    if publish_at <= timezone.now():
        raise ChangeRefused("A brief can only be scheduled for a time to come.")
    return move(brief, user, Brief.Status.PUBLISHED, publish_at=publish_at, comment=comment)


def withdraw(brief, user, comment):
    return move(brief, user, Brief.Status.WITHDRAWN, comment=comment)


def restore_revision(revision, user):
    """Bring back what the brief said at `revision`, as its next revision."""
    with operation(user, note=f"Restored revision {revision.number}") as change:
        brief = Brief.objects.select_for_update().get(pk=revision.brief_id)
        change.watch(brief)
        apply_revision(brief, revision.document)
    return change.revisions[brief.pk]


def delete(brief, user):
    """Delete `brief`; if the public could see it, that is an event."""
    with operation(user) as change:
        before = read_before(brief.pk)
        if before is None:
            return
        subject = f"brief:{brief.pk}"
        outbox.cancel(subject, [Kind.BRIEF_PUBLISHED, Kind.BRIEF_WITHDRAWN])
        if before.state == State.PUBLISHED:
            payload = brief_payload(brief, before, user)
            change.events.append(outbox.record(Kind.BRIEF_DELETED, subject, payload))
        change.gone[brief.pk] = before
        brief.delete()


# Writing a brief's parts: only the operations above call these.


def write_document(brief, document):
    """Give `brief` (saved or new) everything a clean brief document says
    (briefs.interchange.documents) but its related links: see write_related_links()."""
    fields = ("title", "format", "status", "publish_at", "withdraw_at", "summary")
    for key in (*fields, "latest_developments"):
        setattr(brief, key, document[key])
    brief.save()
    brief.quotes.all().delete()
    brief.sections.all().delete()
    for position, quote in enumerate(document["quotes"], start=1):
        ExpertQuote(
            brief=brief,
            expert=expert_named(quote["expert"], quote["expert_title"]),
            expert_title=quote["expert_title"],
            text=quote["text"],
            position=position,
        ).save()
    for position, section in enumerate(document["sections"], start=1):
        BriefSection(brief=brief, position=position, **section).save()
    brief.issues.set(document["issues"])
    return brief


def write_related_links(brief, links):
    """Replace the brief's related links; a link's `brief` is the slug of one of ours."""
    brief.related_links.all().delete()
    targets = Brief.objects.in_bulk(
        [link["brief"] for link in links if link.get("brief")], field_name="slug"
    )
    RelatedLink.objects.bulk_create(
        RelatedLink(
            brief=brief,
            position=position,
            title=link["title"],
            byline=link["byline"],
            url=link.get("url", ""),
            target=targets.get(link.get("brief")),
        )
        for position, link in enumerate(links, start=1)
    )


def expert_named(name, title):
    """The expert of that name (in any case), made if there is none."""
    expert = Expert.objects.filter(name__iexact=name).first()
    if expert is None:
        expert = Expert(name=name, title=title)
        expert.save()
    return expert


# Restoring brings back what the brief says, never where it stands in the workflow: the
# address, state and times stay as they are now (revisions.WORKFLOW_KEYS).


def apply_revision(brief, document):
    """Give `brief` what a revision document says."""
    brief.title = document["title"]
    brief.summary = document["summary"]
    brief.latest_developments = document["latest_developments"]
    brief.format = Format.objects.filter(name=document["format"]).first() or brief.format
    image = document.get("lead_image", {})
    if not image.get("file") or default_storage.exists(image["file"]):
        brief.lead_image = image.get("file", "")
    brief.lead_image_alt = image.get("alt", "")
    brief.lead_image_caption = image.get("caption", "")
    brief.lead_image_credit = image.get("credit", "")
    brief.save()
    brief.quotes.all().delete()
    for position, quote in enumerate(document["quotes"], start=1):
        expert = Expert.objects.filter(pk=quote.get("expert_id")).first()
        brief.quotes.create(
            expert=expert or expert_named(quote["expert"], quote["expert_title"]),
            expert_title=quote["expert_title"],
            text=quote["text"],
            position=position,
        )
    brief.sections.all().delete()
    for position, section in enumerate(document["sections"], start=1):
        BriefSection.objects.create(brief=brief, position=position, **section)
    write_related_links(brief, document["related"])
    brief.issues.set(document["issues"])
