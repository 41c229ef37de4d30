"""The dashboard on the admin's home page (/admin/): what needs the signed-in person's attention.

Five modules, each of at most LIMIT rows with a link to the whole list (the brief changelist
filtered by state, or the failing events):

- My drafts: drafts the person wrote or saved last (BriefQuerySet.authored_by), newest change
  first.
- Waiting for review: briefs in review, oldest first, waiting since the move into review
  (the latest Transition to it) and submitted by whoever made that move.
- Scheduled in the next 7 days: soonest first, at their time in the site's time zone.
- Recently published: public briefs, newest first.
- Delivery problems: event handlers' runs (mail to subscribers, purges, webhooks...) that
  failed, to be retried or given up, in the last 7 days; for people who may publish only.

Shown to people who may view briefs. A fixed number of queries whatever the number of briefs:
a module is one query for its rows and at most one for the people it names
(templates/admin/index.html shows it through briefs.templatetags.briefs_dashboard).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timesince, timeuntil

from common.publication import State
from events.models import HandlerRun

from ..editorial.roles import can_publish
from ..models import Brief, Revision, Transition, person_name
from .actions import local_time

# Rows a module lists; the rest are a click away.
LIMIT = 10
# How far ahead "Scheduled" looks, and how far back "Delivery problems" does.
SCHEDULED_AHEAD = timedelta(days=7)
PROBLEMS_SINCE = timedelta(days=7)

PROBLEM_OUTCOMES = [HandlerRun.Outcome.FAILED, HandlerRun.Outcome.GAVE_UP]


@dataclass
class Module:
    key: str
    title: str
    empty: str
    rows: list
    see_all_url: str = ""
    see_all_label: str = ""


@dataclass
class BriefRow:
    brief: Brief
    change_url: str
    # What the row says of the brief besides its title, as short phrases.
    details: list = field(default_factory=list)
    public_url: str = ""


@dataclass
class ProblemRow:
    handler: str
    outcome: str
    gave_up: bool
    event: str
    event_url: str
    attempts: int
    last_attempt: str
    next_attempt: str
    error: str


def dashboard_for(user):
    """The modules `user` sees, in order; none for someone who may not view briefs."""
    if not user.has_perm("briefs.view_brief"):
        return []
    modules = [my_drafts(user), waiting_for_review(), scheduled_soon(), recently_published()]
    if can_publish(user):
        modules.append(delivery_problems(user))
    return modules


def my_drafts(user):
    latest_revision = Revision.objects.filter(brief=OuterRef("pk"), number=OuterRef("version"))
    briefs = list(
        Brief.objects.filter(status=Brief.Status.DRAFT)
        # "Mine": the person wrote the brief (the first revision a person saved is theirs) or
        # saved it last (the latest revision is theirs). Revisions, not transitions: a draft
        # is saved many times and moves rarely.
        .authored_by(user)
        .annotate(last_saved_by=Subquery(latest_revision.values("user")[:1]))
        .only("pk", "title", "updated_at", "version")
        .order_by("-updated_at", "-pk")[:LIMIT]
    )
    people = _people(brief.last_saved_by for brief in briefs)
    rows = []
    for brief in briefs:
        saved = f"Saved {ago(brief.updated_at)}"
        if brief.last_saved_by == user.pk:
            saved += " by you"
        elif brief.last_saved_by in people:
            saved += f" by {person_name(people[brief.last_saved_by])}"
        rows.append(_brief_row(brief, [saved]))
    return Module(
        "drafts",
        "My drafts",
        "You have no drafts.",
        rows,
        _changelist_url(State.DRAFT),
        "All drafts",
    )


def waiting_for_review():
    moved_in = Transition.objects.filter(brief=OuterRef("pk"), to_state=State.REVIEW).order_by(
        "-at", "-pk"
    )
    briefs = list(
        Brief.objects.filter(status=Brief.Status.REVIEW)
        .annotate(
            # A brief put in review without the write path (a restored backup) has no
            # transition: it has waited since it was last saved, submitted by no one known.
            waiting_since=Coalesce(Subquery(moved_in.values("at")[:1]), F("updated_at")),
            submitted_by=Subquery(moved_in.values("user")[:1]),
        )
        .only("pk", "title", "updated_at")
        .order_by("waiting_since", "pk")[:LIMIT]
    )
    people = _people(brief.submitted_by for brief in briefs)
    rows = []
    for brief in briefs:
        details = [f"Waiting {waited(brief.waiting_since)}"]
        if brief.submitted_by in people:
            details.append(f"submitted by {person_name(people[brief.submitted_by])}")
        rows.append(_brief_row(brief, details))
    return Module(
        "review",
        "Waiting for review",
        "Nothing is waiting for review.",
        rows,
        _changelist_url(State.REVIEW),
        "All briefs in review",
    )


def scheduled_soon():
    briefs = (
        Brief.objects.scheduled()
        .filter(publish_at__lte=timezone.now() + SCHEDULED_AHEAD)
        .only("pk", "title", "status", "publish_at", "withdraw_at")
        .order_by("publish_at", "pk")[:LIMIT]
    )
    rows = [
        _brief_row(brief, [local_time(brief.publish_at), until(brief.publish_at)])
        for brief in briefs
    ]
    return Module(
        "scheduled",
        "Scheduled in the next 7 days",
        "Nothing is scheduled for the next 7 days.",
        rows,
        _changelist_url(State.SCHEDULED),
        "All scheduled briefs",
    )


def recently_published():
    briefs = (
        Brief.objects.published()
        .newest_first()
        .only("pk", "title", "slug", "status", "publish_at", "withdraw_at")[:LIMIT]
    )
    rows = [
        _brief_row(
            brief,
            [f"Published {ago(brief.publish_at)}"],
            public_url=brief.get_absolute_url(),
        )
        for brief in briefs
    ]
    return Module(
        "published",
        "Recently published",
        "Nothing has been published yet.",
        rows,
        _changelist_url(State.PUBLISHED),
        "All published briefs",
    )


def delivery_problems(user):
    runs = (
        HandlerRun.objects.filter(
            outcome__in=PROBLEM_OUTCOMES, started_at__gte=timezone.now() - PROBLEMS_SINCE
        )
        .select_related("event")
        .order_by("-started_at", "-pk")[:LIMIT]
    )
    may_see_events = user.has_perm("events.view_event")
    rows = []
    for run in runs:
        event = run.event
        about = event.payload.get("title") or event.payload.get("name")
        rows.append(
            ProblemRow(
                handler=run.handler,
                outcome=run.get_outcome_display(),
                gave_up=run.outcome == HandlerRun.Outcome.GAVE_UP,
                event=f"{event.get_kind_display()}: {about}" if about else event.get_kind_display(),
                event_url=(
                    reverse("admin:events_event_change", args=[event.pk]) if may_see_events else ""
                ),
                attempts=run.attempts,
                last_attempt=ago(run.started_at),
                next_attempt=(
                    until(run.next_attempt_at)
                    if run.outcome == HandlerRun.Outcome.FAILED and run.next_attempt_at
                    else ""
                ),
                error=run.last_error,
            )
        )
    return Module(
        "problems",
        "Delivery problems",
        "No delivery problems in the last 7 days.",
        rows,
        f"{reverse('admin:events_event_changelist')}?state=failing" if may_see_events else "",
        "All failing events",
    )


# Times, as the dashboard says them


def ago(moment):
    """ "5 minutes ago", "3 days ago" (the largest unit only); "just now" within the minute."""
    if timezone.now() - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, depth=1)} ago"


def waited(moment):
    """How long since `moment`: "3 days", "5 hours" (the largest unit only); "under a
    minute"."""
    if timezone.now() - moment < timedelta(minutes=1):
        return "under a minute"
    return timesince(moment, depth=1)


def until(moment):
    """ "in 3 hours", "in 2 days, 1 hour" (two units: a countdown); "in under a minute"; "now"
    once the time has come."""
    left = moment - timezone.now()
    if left <= timedelta(0):
        return "now"
    if left < timedelta(minutes=1):
        return "in under a minute"
    return f"in {timeuntil(moment)}"


# Helpers


def _brief_row(brief, details, public_url=""):
    return BriefRow(
        brief=brief,
        change_url=reverse("admin:briefs_brief_change", args=[brief.pk]),
        details=details,
        public_url=public_url,
    )


def _changelist_url(state):
    return f"{reverse('admin:briefs_brief_changelist')}?state={state}"


def _people(ids):
    """The people with these ids (None for no one), by id: one query for a module."""
    wanted = {pk for pk in ids if pk is not None}
    if not wanted:
        return {}
    return (
        get_user_model().objects.only("pk", "username", "first_name", "last_name").in_bulk(wanted)
    )
