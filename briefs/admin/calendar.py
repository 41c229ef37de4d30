"""The admin's editorial calendar (/admin/briefs/brief/calendar/).

A month of scheduled and published briefs, day by day in the site's time zone
(settings.TIME_ZONE): a Monday-to-Sunday grid on wide screens and a list of the days that have
briefs on phones (or anywhere with `?view=list`). `?month=2026-12` picks the month; a month
that cannot be read shows the current one with a message. Drafts and briefs in review have no
date yet, so they are only counted, with links to the changelist filtered by state.

An editor (briefs.editorial.roles.can_publish) moves a scheduled brief to another day from the
page: the brief keeps its local time of day, so 9 a.m. stays 9 a.m. across a daylight-saving
change. The rules are the brief form's: only scheduled briefs move, and only to a time still to
come. The move is recorded like any other reschedule (briefs.editorial.workflow and
briefs.editorial.revisions), which also makes a brief's form opened before the move refuse to
overwrite it.
"""

import calendar
import re
from dataclasses import dataclass, field
from datetime import MAXYEAR, MINYEAR, UTC, date, datetime, time

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_POST

from common.publication import State

from ..editorial import changes
from ..editorial.roles import can_publish
from ..models import Brief, local_time_label

MOVE_NOTE = "Moved in the calendar"

# The states a brief on the calendar can be in.
ENTRY_STATES = [State.SCHEDULED, State.PUBLISHED, State.EXPIRED]

# Why a brief that is not scheduled stays where it is.
NOT_MOVABLE = {
    State.PUBLISHED: "it is already published",
    State.EXPIRED: "it has expired",
    State.WITHDRAWN: "it is withdrawn",
    State.DRAFT: "it is a draft",
    State.REVIEW: "it is in review",
}

MONTH_PARAMETER = re.compile(r"(\d{4})-(\d{2})")


def calendar_urls(model_admin):
    """The page's URLs, for BriefAdmin.get_urls (they must come before the admin's own)."""

    def month_view(request):
        return calendar_view(model_admin, request)

    admin_view = model_admin.admin_site.admin_view
    return [
        path("calendar/", admin_view(month_view), name="briefs_brief_calendar"),
        path(
            "calendar/move/",
            admin_view(require_POST(move_view)),
            name="briefs_brief_calendar_move",
        ),
    ]


# The month page


@dataclass
class Entry:
    """A brief as its day on the calendar shows it."""

    brief: Brief
    state: str
    time_label: str
    may_move: bool

    @property
    def state_text(self):
        return State(self.state).label


@dataclass
class Day:
    date: date
    in_month: bool
    is_today: bool
    entries: list = field(default_factory=list)


def calendar_view(model_admin, request):
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    today = timezone.localdate()
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Brief._meta,
        **month_context(
            requested_month(request, today),
            today,
            list_only=request.GET.get("view") == "list",
            may_move=can_publish(request.user),
        ),
    }
    return TemplateResponse(request, "admin/briefs/brief/calendar.html", context)


def requested_month(request, today):
    """The month `?month=` names; the current one, with a message, when it names none."""
    month = parse_month(request.GET.get("month"))
    if month is not None:
        return month
    if request.GET.get("month"):
        messages.error(
            request,
            f"“{request.GET['month']}” is not a month: give it as YYYY-MM, such as "
            f"{today:%Y-%m}. Showing this month.",
        )
    return today.replace(day=1)


def month_context(month, today, *, list_only, may_move):
    weeks = month_weeks(month, today, may_move=may_move)
    days_in_month = [day for week in weeks for day in week if day.in_month]
    entries = [entry for day in days_in_month for entry in day.entries]
    previous_month, next_month = add_months(month, -1), add_months(month, 1)
    return {
        "title": f"Calendar: {date_format(month, 'F Y')}",
        "month": month,
        "month_parameter": f"{month:%Y-%m}",
        "previous_month": previous_month,
        "previous_month_url": calendar_url(previous_month, list_only),
        "next_month": next_month,
        "next_month_url": calendar_url(next_month, list_only),
        "this_month_url": calendar_url(None, list_only),
        "is_this_month": month == today.replace(day=1),
        "grid_url": calendar_url(month, list_only=False),
        "list_url": calendar_url(month, list_only=True),
        "list_only": list_only,
        "weeks": weeks,
        "weekdays": list(calendar.day_name),
        "days_with_briefs": [day for day in days_in_month if day.entries],
        "counts": {state: sum(entry.state == state for entry in entries) for state in ENTRY_STATES},
        "zone_name": timezone.get_current_timezone_name(),
        "zone_abbreviations": zone_abbreviations([day.date for day in days_in_month]),
        "undated": Brief.objects.aggregate(
            in_review=Count("pk", filter=Q(status=Brief.Status.REVIEW)),
            drafts=Count("pk", filter=Q(status=Brief.Status.DRAFT)),
        ),
        "today": today,
    }


def parse_month(value):
    """The first day of the month `value` ("2026-12") names, or None."""
    match = MONTH_PARAMETER.fullmatch(value or "")
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    # Not the first or last year datetime knows: the page links to the months either side.
    if not (1 <= month <= 12 and MINYEAR < year < MAXYEAR):
        return None
    return date(year, month, 1)


def add_months(month, count):
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def calendar_url(month, list_only=False):
    """The calendar at `month` (None: the current month), as a grid or a list."""
    parameters = []
    if month is not None:
        parameters.append(f"month={month:%Y-%m}")
    if list_only:
        parameters.append("view=list")
    url = reverse("admin:briefs_brief_calendar")
    return f"{url}?{'&'.join(parameters)}" if parameters else url


def month_weeks(month, today, *, may_move):
    """The weeks of the month, Monday to Sunday, each day with the briefs of its local date."""
    weeks = [
        [Day(day, in_month=day.month == month.month, is_today=day == today) for day in week]
        for week in calendar.Calendar(firstweekday=calendar.MONDAY).monthdatescalendar(
            month.year, month.month
        )
    ]
    days = {day.date: day for week in weeks for day in week if day.in_month}
    for brief in briefs_in_month(month):
        local = timezone.localtime(brief.publish_at)
        state = brief.state
        days[local.date()].entries.append(
            Entry(
                brief,
                state=state,
                time_label=date_format(local, "P"),
                may_move=may_move and state == State.SCHEDULED,
            )
        )
    return weeks


def briefs_in_month(month):
    """Approved briefs (scheduled, published or expired) whose publication time falls in the
    month's local days, in one query: the month's edges are local midnights, stored as UTC."""
    return (
        Brief.objects.filter(
            status=Brief.Status.PUBLISHED,
            publish_at__gte=local_midnight(month),
            publish_at__lt=local_midnight(add_months(month, 1)),
        )
        .select_related("format")
        # Only what an entry shows and its state depends on: not the bodies.
        .only("title", "status", "publish_at", "withdraw_at", "format__name")
        .order_by("publish_at", "pk")
    )


def local_midnight(day):
    return timezone.make_aware(datetime.combine(day, time()))


def zone_abbreviations(days):
    """The zone's abbreviations through the days, each with the day it starts: one pair, or
    two in a month when the clocks change ("EST", then "EDT" from March 8)."""
    changes = []
    for day in days:
        abbreviation = timezone.make_aware(datetime.combine(day, time(12))).tzname()
        if not changes or changes[-1][1] != abbreviation:
            changes.append((day, abbreviation))
    return changes


# Moving a scheduled brief


class MoveForm(forms.Form):
    brief = forms.IntegerField(
        min_value=1,
        # The largest id the databases' integer keys hold.
        max_value=2**63 - 1,
        error_messages={
            "required": "The move did not say which brief to move.",
            "invalid": "The move named no brief the calendar knows.",
            "min_value": "The move named no brief the calendar knows.",
            "max_value": "The move named no brief the calendar knows.",
        },
    )
    date = forms.DateField(
        input_formats=["%Y-%m-%d"],
        error_messages={
            "required": "Pick the date to move the brief to.",
            "invalid": "The new date must be a date written as YYYY-MM-DD, such as 2026-12-03.",
        },
    )


class MoveRefused(Exception):
    def __init__(self, message, level=messages.ERROR):
        super().__init__(message)
        self.message = message
        self.level = level


def move_view(request):
    if not can_publish(request.user):
        raise PermissionDenied
    form = MoveForm(request.POST)
    # The form also says where the editor was, to go back there when the move is refused.
    list_only = request.POST.get("view") == "list"
    back = calendar_url(parse_month(request.POST.get("month")), list_only)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, f"{error} Nothing was moved.")
        return HttpResponseRedirect(back)
    try:
        brief = move_brief(form.cleaned_data["brief"], form.cleaned_data["date"], request)
    except MoveRefused as refusal:
        messages.add_message(request, refusal.level, refusal.message)
        return HttpResponseRedirect(back)
    messages.success(request, f"“{brief.title}” moved to {local_time_label(brief.publish_at)}.")
    return HttpResponseRedirect(calendar_url(timezone.localdate(brief.publish_at), list_only))


def move_brief(brief_id, new_date, request):
    """Move the scheduled brief to `new_date` at its local time of day, and record the move.
    Raises MoveRefused, having changed nothing, when the brief form's rules forbid it."""
    with transaction.atomic():
        # Locked, so two editors moving the same brief at once are taken one after the other.
        brief = Brief.objects.select_for_update().filter(pk=brief_id).first()
        if brief is None:
            raise MoveRefused("That brief no longer exists: it may have been deleted.")
        title = f"“{brief.title}”"
        state = brief.state
        if state != State.SCHEDULED:
            raise MoveRefused(
                f"{title} was not moved: {NOT_MOVABLE[state]}. Only scheduled briefs can be moved."
            )
        old_publish_at = brief.publish_at
        new_publish_at = same_local_time_on(new_date, old_publish_at, title)
        if new_publish_at == old_publish_at:
            raise MoveRefused(
                f"{title} is already scheduled for {local_time_label(old_publish_at)}.",
                level=messages.INFO,
            )
        if new_publish_at <= timezone.now():
            raise MoveRefused(
                f"{title} was not moved: {local_time_label(new_publish_at)} has already passed. "
                "Pick a later date."
            )
        if brief.withdraw_at and brief.withdraw_at <= new_publish_at:
            raise MoveRefused(
                f"{title} was not moved: it is to be withdrawn at "
                f"{local_time_label(brief.withdraw_at)}, before the new time. Change both in "
                "the brief's form."
            )
        return changes.schedule(brief, request.user, new_publish_at, comment=MOVE_NOTE)


def same_local_time_on(day, moment, title):
    """`moment`'s local time of day on `day`, in the site's time zone. Refused when the
    clocks skip that time on that day or pass it twice: the editor must choose the time."""
    wall_clock = datetime.combine(day, timezone.localtime(moment).time().replace(fold=0))
    first = timezone.make_aware(wall_clock)
    second = timezone.make_aware(wall_clock.replace(fold=1))
    if first.utcoffset() == second.utcoffset():
        return first
    zone = timezone.get_current_timezone()
    time_label = date_format(wall_clock, "P")
    day_label = date_format(day, "N j, Y")
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall_clock:
        what = f"the clocks skip {time_label} on {day_label}"
    else:
        what = f"{time_label} happens twice on {day_label}, as the clocks go back"
    raise MoveRefused(
        f"{title} was not moved: in {zone} {what}. Give it a time in the brief's form instead."
    )
