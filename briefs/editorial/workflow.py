"""The editorial workflow: draft → in review → published (now or scheduled) → withdrawn, and
back to draft. See docs/workflow.md for the diagram; its table of moves is MOVES, below.

MOVES is the one list of what may happen to a brief: the write path checks every change
against it (check_move), the admin offers only what it allows, and the documentation's table
is made from it (moves_table; a test keeps the two the same). Every move is recorded as a
Transition (who, when, from, to, comment), whichever screen made it; a submission for review
is mailed to the editors by the worker (mail_editors_of_submission).
"""

import enum
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.db.models import Q
from django.urls import reverse

from common.publication import State
from common.site import absolute
from events.handlers import handler
from events.models import Kind

from ..models import Transition
from .roles import PUBLISH_PERMISSION, can_publish

# The source of a brief's first move, when it is created.
NEW = ""


class Comment(enum.Enum):
    NOT_NEEDED = "no"
    REQUIRED = "required"
    FROM_EDITORS = "required from an editor"


@dataclass(frozen=True)
class Move:
    source: str
    target: str
    name: str
    editors_only: bool
    comment: Comment = Comment.NOT_NEEDED
    # What to write, when a comment is required.
    asks: str = ""


WITHDRAW_REASON = "Give the reason for withdrawing the brief; it is kept in the brief's history."
SEND_BACK_REASON = "Say what should change before the brief comes back for review."

_DRAFT, _REVIEW, _SCHEDULED = State.DRAFT, State.REVIEW, State.SCHEDULED
_PUBLISHED, _EXPIRED, _WITHDRAWN = State.PUBLISHED, State.EXPIRED, State.WITHDRAWN

MOVES = [
    Move(NEW, _DRAFT, "Save a new draft", False),
    Move(NEW, _REVIEW, "Submit a new brief for review", False),
    Move(NEW, _SCHEDULED, "Schedule a new brief", True),
    Move(NEW, _PUBLISHED, "Publish a new brief", True),
    Move(_DRAFT, _REVIEW, "Submit for review", False),
    Move(_DRAFT, _SCHEDULED, "Schedule", True),
    Move(_DRAFT, _PUBLISHED, "Publish now", True),
    Move(_REVIEW, _DRAFT, "Send back (an analyst: take back)", False, Comment.FROM_EDITORS,
         SEND_BACK_REASON),
    Move(_REVIEW, _SCHEDULED, "Schedule", True),
    Move(_REVIEW, _PUBLISHED, "Publish now", True),
    Move(_SCHEDULED, _SCHEDULED, "Reschedule", True),
    Move(_SCHEDULED, _PUBLISHED, "Publish now", True),
    Move(_SCHEDULED, _DRAFT, "Unschedule", True),
    Move(_SCHEDULED, _WITHDRAWN, "Withdraw", True, Comment.REQUIRED, WITHDRAW_REASON),
    Move(_PUBLISHED, _SCHEDULED, "Take down until a later time", True),
    Move(_PUBLISHED, _DRAFT, "Unpublish to draft", True),
    Move(_PUBLISHED, _WITHDRAWN, "Withdraw", True, Comment.REQUIRED, WITHDRAW_REASON),
    Move(_EXPIRED, _PUBLISHED, "Republish (a later withdrawal time)", True),
    Move(_EXPIRED, _SCHEDULED, "Schedule again", True),
    Move(_EXPIRED, _DRAFT, "Back to draft", True),
    Move(_EXPIRED, _WITHDRAWN, "Withdraw", True, Comment.REQUIRED, WITHDRAW_REASON),
    Move(_WITHDRAWN, _DRAFT, "Reopen as a draft", True),
    Move(_WITHDRAWN, _PUBLISHED, "Republish", True),
    Move(_WITHDRAWN, _SCHEDULED, "Schedule again", True),
]  # fmt: skip
_BY_STATES = {(move.source, move.target): move for move in MOVES}


class ChangeRefused(Exception):
    """A change the workflow does not allow; nothing was changed. `field` names the form
    field the refusal is about, when it is one."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message, self.field = message, field


def move_between(source, target):
    """The Move from state `source` to state `target`, or None if there is none."""
    return _BY_STATES.get((source, target))


def is_move(source, target, *, rescheduled=False):
    """Whether going from `source` to `target` moves the brief at all: editing a brief that
    stays where it is does not, nor does a scheduled brief keeping its time."""
    return source != target or (target == State.SCHEDULED and rescheduled)


def check_move(user, source, target, comment="", *, rescheduled=False):
    """Raise ChangeRefused unless `user` may take a brief from `source` to `target`."""
    if not is_move(source, target, rescheduled=rescheduled):
        return
    move = move_between(source, target)
    if move is None:
        source_label = State(source).label if source else "New"
        raise ChangeRefused(
            f"A brief cannot go from {source_label} to {State(target).label}.", field="status"
        )
    editor = can_publish(user)
    if move.editors_only and not editor:
        raise ChangeRefused(
            "Only an editor may publish, schedule, unpublish or withdraw a brief.", field="status"
        )
    needed = move.comment == Comment.REQUIRED or (move.comment == Comment.FROM_EDITORS and editor)
    if needed and not comment.strip():
        raise ChangeRefused(move.asks, field="workflow_comment")


def statuses_for(user, source):
    """The statuses `user` may give a brief now in `source` (its own included)."""
    editor = can_publish(user)
    reachable = {source} | {
        move.target for move in MOVES if move.source == source and (editor or not move.editors_only)
    }
    statuses = {State.PUBLISHED if s in (State.SCHEDULED, State.EXPIRED) else s for s in reachable}
    return [status for status in State if status in statuses]


def moves_table():
    """MOVES as the Markdown table in docs/workflow.md."""
    rows = ["| from | to | move | who | comment |", "| --- | --- | --- | --- | --- |"]
    for move in MOVES:
        source = State(move.source).label if move.source else "(new)"
        who = "editor" if move.editors_only else "analyst or editor"
        cells = [source, State(move.target).label, move.name, who, move.comment.value]
        rows.append(f"| {' | '.join(cells)} |")
    return "\n".join(rows)


def record_transition(brief, user, from_state, *, previous_publish_at=None, comment=""):
    """Record the brief's move from `from_state` to its current state, if it moved (a new
    time for a scheduled brief counts as a move). Returns the Transition or None."""
    to_state = brief.state
    if not is_move(from_state, to_state, rescheduled=brief.publish_at != previous_publish_at):
        return None
    return Transition.objects.create(
        brief=brief,
        user=user,
        from_state=from_state,
        to_state=to_state,
        publish_at=brief.publish_at,
        comment=comment.strip(),
    )


def editors_to_notify():
    """Active people who may publish, with an email address."""
    app_label, codename = PUBLISH_PERMISSION.split(".")
    permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=permission)
            | Q(groups__permissions__in=permission)
        )
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


@handler("review-mail", kinds=[Kind.BRIEF_SUBMITTED])
def mail_editors_of_submission(event):
    """The editors are told of a submission, by the worker: a mail server that is down
    delays the mail (it is retried), never the save."""
    brief = event.payload
    recipients = [user.email for user in editors_to_notify() if user.pk != brief.get("by_id")]
    if not recipients:
        return
    address = absolute(reverse("admin:briefs_brief_change", args=[brief["brief"]]))
    lines = [f"{brief['by'] or 'Someone'} submitted “{brief['title']}” for review.", ""]
    if brief.get("comment"):
        lines += [brief["comment"], ""]
    lines.append(f"Review it: {address}")
    send_mail(f"For review: {brief['title']}", "\n".join(lines), None, recipients)
