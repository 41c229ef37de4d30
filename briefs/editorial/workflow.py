"""The editorial workflow: draft → in review → published (now or scheduled) → withdrawn, and
back to draft. See docs/workflow.md for the diagram.

Every change of state is recorded as a Transition (who, when, from, to, comment), whichever
screen made it; a submission for review is mailed to the editors.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from ..models import Transition, person_name
from .roles import PUBLISH_PERMISSION


def comment_needed(from_state, to_state, user_can_publish):
    """Why a move needs a comment, or None: a brief sent back or withdrawn says why."""
    if to_state == "withdrawn" and from_state != "withdrawn":
        return "Give the reason for withdrawing the brief; it is kept in the brief's history."
    if user_can_publish and from_state == "review" and to_state == "draft":
        return "Say what should change before the brief comes back for review."
    return None


def record_transition(
    brief, user, from_state, *, previous_publish_at=None, comment="", request=None
):
    """Record the brief's move from `from_state` to its current state, if it moved (a new
    time for a scheduled brief counts as a move). Returns the Transition or None. The
    request, when there is one, gives the mail to editors the site's full address."""
    to_state = brief.state
    rescheduled = to_state == "scheduled" and brief.publish_at != previous_publish_at
    if from_state == to_state and not rescheduled:
        return None
    move = Transition.objects.create(
        brief=brief,
        user=user,
        from_state=from_state,
        to_state=to_state,
        publish_at=brief.publish_at,
        comment=comment.strip(),
    )
    if to_state == "review":
        site_url = request.build_absolute_uri("/").rstrip("/") if request else ""
        transaction.on_commit(lambda: notify_editors_of_submission(move, site_url=site_url))
    return move


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


def notify_editors_of_submission(move, *, site_url=""):
    brief = move.brief
    recipients = [user.email for user in editors_to_notify() if user != move.user]
    if not recipients:
        return
    who = person_name(move.user) if move.user else "Someone"
    address = site_url + reverse("admin:briefs_brief_change", args=[brief.pk])
    lines = [f"{who} submitted “{brief.title}” for review.", ""]
    if move.comment:
        lines += [move.comment, ""]
    lines.append(f"Review it: {address}")
    send_mail(f"For review: {brief.title}", "\n".join(lines), None, recipients)
