"""The brief form's buttons, in place of a status menu.

Each button is a move of the workflow (briefs.editorial.workflow.MOVES) and sends `_move`; the
form turns it into the status the move gives, and the workflow's checks stay the truth: a
crafted POST of a move the person may not make is refused like any bad choice. After the save,
the message says what happened in words, and the form stays open.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timeuntil

from common.publication import State

from ..editorial.roles import can_publish
from ..editorial.workflow import NEW, move_between
from ..models import Brief

SAVE, SUBMIT, TO_DRAFT, PUBLISH, SCHEDULE, WITHDRAW = (
    "save", "review", "draft", "publish", "schedule", "withdraw"
)  # fmt: skip

# The stored status each move gives the brief; saving keeps the one it has. Scheduling and
# publishing both store "published": publish_at tells them apart.
STATUS_OF_MOVE = {
    SUBMIT: Brief.Status.REVIEW,
    TO_DRAFT: Brief.Status.DRAFT,
    PUBLISH: Brief.Status.PUBLISHED,
    SCHEDULE: Brief.Status.PUBLISHED,
    WITHDRAW: Brief.Status.WITHDRAWN,
}
TARGET_OF_MOVE = {
    SUBMIT: State.REVIEW,
    TO_DRAFT: State.DRAFT,
    PUBLISH: State.PUBLISHED,
    SCHEDULE: State.SCHEDULED,
    WITHDRAW: State.WITHDRAWN,
}
KNOWN_MOVES = {SAVE, *STATUS_OF_MOVE}

# How the move back to draft is named, by where the brief is.
TO_DRAFT_LABELS = {
    State.SCHEDULED: "Unschedule",
    State.PUBLISHED: "Unpublish to draft",
    State.EXPIRED: "Back to draft",
    State.WITHDRAWN: "Reopen as a draft",
}


@dataclass(frozen=True)
class Button:
    move: str
    label: str
    # "default" marks the move most people want next; "danger" one that takes a brief down.
    kind: str = ""


def buttons_for(user, brief):
    """The buttons `user` may press on `brief`'s form (a new brief has no pk), in order."""
    source = brief.state if brief.pk else NEW
    editor = can_publish(user)

    def allowed(move):
        step = move_between(source, TARGET_OF_MOVE[move])
        return step is not None and (editor or not step.editors_only)

    in_draft = source in (NEW, State.DRAFT)
    usual = PUBLISH if editor and source == State.REVIEW else SUBMIT
    buttons = [Button(SAVE, "Save draft" if in_draft else "Save changes")]
    if allowed(SUBMIT):
        buttons.append(Button(SUBMIT, "Submit for review"))
    if allowed(PUBLISH):
        republish = source in (State.EXPIRED, State.WITHDRAWN)
        buttons.append(Button(PUBLISH, "Publish again now" if republish else "Publish now"))
    if allowed(SCHEDULE):
        label = {State.SCHEDULED: "Reschedule", State.PUBLISHED: "Take down until a later time"}
        buttons.append(Button(SCHEDULE, label.get(source, "Schedule")))
    if source != NEW and allowed(TO_DRAFT):
        if source == State.REVIEW:
            label = "Send back to draft" if editor else "Take back to draft"
        else:
            label = TO_DRAFT_LABELS[source]
        buttons.append(Button(TO_DRAFT, label))
    if allowed(WITHDRAW):
        buttons.append(Button(WITHDRAW, "Withdraw", "danger"))
    return [Button(b.move, b.label, "default" if b.move == usual else b.kind) for b in buttons]


def local_time(moment):
    """'Thu, Dec 3, 2026, 2:03 p.m. EST': a time in the site's zone, the zone named."""
    return date_format(timezone.localtime(moment), "D, M j, Y, P T")


def outcome(brief, move, now=None):
    """What a press of `move` did to `brief`, as the message after the save says it."""
    now = now or timezone.now()
    title = f"“{brief.title}”"
    match brief.state:
        case State.SCHEDULED:
            wait = timeuntil(brief.publish_at, now, depth=1)
            return f"{title} is scheduled for {local_time(brief.publish_at)}, in {wait}."
        case State.PUBLISHED if move in (PUBLISH, SCHEDULE):
            return f"{title} is published: it is on the site now."
        case State.PUBLISHED:
            return f"Your changes to {title} are saved, and on the site now."
        case State.REVIEW if move == SUBMIT:
            return f"{title} is submitted for review. The editors are told by email."
        case State.REVIEW:
            return f"Your changes to {title} are saved. It is waiting for review."
        case State.DRAFT if move == TO_DRAFT:
            return f"{title} is back in draft. It is not on the site."
        case State.DRAFT:
            return f"{title} is saved as a draft."
        case State.WITHDRAWN:
            return f"{title} is withdrawn: it is no longer on the site."
    return (
        f"{title} is saved. Its withdrawal time, {local_time(brief.withdraw_at)}, has passed, "
        "so it is not on the site."
    )
