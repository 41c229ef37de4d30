"""Subscriptions in the admin: readers' subscriptions, the mail going out, the digest's time.

Readers' addresses are personal data. Only editors see them (the permissions that
subscriptions.apps grants); analysts see a brief's mail in counts (`brief_mail_panel`) and
nothing else. The admin's history (LogEntry) names a subscriber by number, never by address,
and erasing a subscriber on request removes the address from whatever history there is, so
nothing of it stays behind. Subscribers come only from the subscribe form, whose confirmation
is the reader's consent: nobody adds one here, and an editor never starts mail the reader has
not asked for (EDITOR_MOVES).
"""

import json
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, DELETION, LogEntry
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.http import urlencode
from django.utils.text import Truncator

from briefs.models import Issue
from common.publication import State
from events.admin import ReadOnlyAdmin
from events.models import Event, Kind
from experts.models import Expert

from . import subscribing
from .models import Delivery, Mailing, MailSettings, Subscriber

Status = Subscriber.Status

# Where an editor may move a subscriber from each status, on the reader's word: pause or
# resume, unsubscribe. Only the reader's confirmation starts mail, so a subscriber who never
# confirmed or who left stays so. A bounce is cleared apart (statuses_an_editor_may_set).
EDITOR_MOVES = {
    Status.PENDING: set(),
    Status.ACTIVE: {Status.PAUSED, Status.UNSUBSCRIBED},
    Status.PAUSED: {Status.ACTIVE, Status.UNSUBSCRIBED},
    Status.UNSUBSCRIBED: set(),
}
# The frequencies as a list column names them.
SHORT_FREQUENCIES = {
    Subscriber.Frequency.INSTANT: "Each brief",
    Subscriber.Frequency.DAILY: "Daily digest",
}
# The subscriber's deliveries listed on their change page, newest first; the rest are in the
# delivery list, filtered to them.
RECENT_DELIVERIES = 50


def statuses_an_editor_may_set(subscriber):
    if subscriber.status == Status.BOUNCED:
        # Clearing a bounce (a full mailbox, a mail server's mistake) puts the subscriber back
        # where they stood before it.
        moves = {Status.ACTIVE if subscriber.confirmed_at else Status.PENDING, Status.UNSUBSCRIBED}
    else:
        moves = EDITOR_MOVES[subscriber.status]
    return [status for status in Status if status == subscriber.status or status in moves]


def subscriber_label(pk):
    """How the admin's history names a subscriber: by number, never by address."""
    return f"Subscriber #{pk}"


def log_by_number(user, subscribers, action_flag, message=""):
    """The history entries Django's ModelAdmin writes, with each subscriber named by number
    rather than by str() (its address)."""
    content_type = ContentType.objects.get_for_model(Subscriber)
    if isinstance(message, list):
        message = json.dumps(message)
    return LogEntry.objects.bulk_create(
        LogEntry(
            user_id=user.pk,
            content_type=content_type,
            object_id=str(subscriber.pk),
            object_repr=subscriber_label(subscriber.pk),
            action_flag=action_flag,
            change_message=message,
        )
        for subscriber in subscribers
    )


def erase(subscriber, user):
    """Delete a subscriber and their deliveries at the reader's request, and their address from
    the admin's history, which keeps a line that says so."""
    content_type = ContentType.objects.get_for_model(Subscriber)
    pk, label = subscriber.pk, subscriber_label(subscriber.pk)
    with transaction.atomic():
        # Entries that named the address in object_repr; change messages name only fields.
        LogEntry.objects.filter(content_type=content_type, object_id=str(pk)).update(
            object_repr=label
        )
        subscriber.delete()
        LogEntry.objects.create(
            user=user,
            content_type=content_type,
            object_id=str(pk),
            object_repr=label,
            action_flag=DELETION,
            change_message=f"Erased subscriber #{pk} on request",
        )


def delivery_subject(delivery):
    """What a delivery carried: a confirmation link, a brief (by title) or a digest (needs
    mailing__brief and digest selected)."""
    if delivery.mailing_id:
        return delivery.mailing.brief.title
    if delivery.digest_id:
        return str(delivery.digest)
    return delivery.get_kind_display()


def list_time(moment):
    """A time as the lists show it, in the site's time zone: short, since lists are wide."""
    if moment is None:
        return "—"
    return date_format(timezone.localtime(moment), "N j, Y, P")


def time_span(first, last):
    """From `first` to `last`, the date said once if it is the same: "Nov. 12, 2026, 9 a.m. –
    9:04 a.m."."""
    if first is None:
        return "—"
    start = list_time(first)
    if timezone.localdate(first) != timezone.localdate(last):
        return f"{start} – {list_time(last)}"
    end = date_format(timezone.localtime(last), "P")
    return start if end == date_format(timezone.localtime(first), "P") else f"{start} – {end}"


def subscriber_data(subscriber):
    """Everything kept about a subscriber, as a reader asking for their data gets it."""
    deliveries = subscriber.deliveries.select_related("mailing__brief", "digest").order_by(
        "created_at", "pk"
    )
    return {
        "id": subscriber.pk,
        "email": subscriber.email,
        "status": subscriber.status,
        "frequency": subscriber.frequency,
        "follows_everything": subscriber.everything,
        "issues": list(subscriber.issues.order_by("name").values("name", "slug")),
        "experts": list(subscriber.experts.order_by("name").values("name", "slug")),
        "created_at": subscriber.created_at,
        "confirmation_sent_at": subscriber.confirmation_sent_at,
        "confirmed_at": subscriber.confirmed_at,
        "left_at": subscriber.left_at,
        "bounce_reason": subscriber.bounce_reason,
        "deliveries": [
            {
                "kind": delivery.kind,
                "brief": delivery.mailing.brief.title if delivery.mailing_id else None,
                "digest": delivery.digest.date if delivery.digest_id else None,
                "status": delivery.status,
                "created_at": delivery.created_at,
                "sent_at": delivery.sent_at,
                "attempts": delivery.attempts,
                "last_error": delivery.last_error,
            }
            for delivery in deliveries
        ],
    }


@dataclass(frozen=True)
class Following:
    """An issue or expert, and how many active subscribers chose it."""

    name: str
    subscribers_url: str
    instant: int
    daily: int

    @property
    def total(self):
        return self.instant + self.daily


def followings(choices, through, field_name, parameter):
    """Every issue (or expert) in `choices` with its active followers, most followed first:
    the followers counted in one query over the join table, whatever the number of choices."""
    counts = {
        row[field_name]: row
        for row in through.objects.filter(subscriber__status=Status.ACTIVE)
        .values(field_name)
        .annotate(
            instant=Count("pk", filter=Q(subscriber__frequency=Subscriber.Frequency.INSTANT)),
            daily=Count("pk", filter=Q(subscriber__frequency=Subscriber.Frequency.DAILY)),
        )
        .order_by()
    }
    changelist = reverse("admin:subscriptions_subscriber_changelist")
    rows = []
    for pk, name, slug in choices.values_list("pk", "name", "slug"):
        row = counts.get(pk, {})
        query = urlencode({parameter: slug, "status__exact": Status.ACTIVE})
        rows.append(
            Following(name, f"{changelist}?{query}", row.get("instant", 0), row.get("daily", 0))
        )
    return sorted(rows, key=lambda following: (-following.total, following.name.casefold()))


def subscriber_counts():
    """The counts page: subscribers by status, and active ones by what they follow."""
    active = Q(status=Status.ACTIVE)
    totals = Subscriber.objects.aggregate(
        **{status.value: Count("pk", filter=Q(status=status)) for status in Status},
        everything_instant=Count(
            "pk", filter=active & Q(everything=True, frequency=Subscriber.Frequency.INSTANT)
        ),
        everything_daily=Count(
            "pk", filter=active & Q(everything=True, frequency=Subscriber.Frequency.DAILY)
        ),
    )
    changelist = reverse("admin:subscriptions_subscriber_changelist")
    everything = Following(
        "Everything",
        f"{changelist}?{urlencode({'everything__exact': 1, 'status__exact': Status.ACTIVE})}",
        totals["everything_instant"],
        totals["everything_daily"],
    )
    issues = followings(Issue.objects.all(), Subscriber.issues.through, "issue", "issue")
    experts = followings(Expert.objects.all(), Subscriber.experts.through, "expert", "expert")
    return {
        "by_status": [
            (status.label, totals[status.value], f"{changelist}?status__exact={status.value}")
            for status in Status
        ],
        "total": sum(totals[status.value] for status in Status),
        # Subscribed readers by what they follow, in groups of rows under a name.
        "groups": [("", [everything]), ("Issues", issues), ("Experts", experts)],
    }


class FollowsFilter(admin.SimpleListFilter):
    """Subscribers who chose one issue (or expert), by its slug."""

    choices_model = None

    def lookups(self, request, model_admin):
        return self.choices_model.objects.order_by("name").values_list("slug", "name")

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{f"{self.parameter_name}s__slug": self.value()})
        return queryset


class FollowedIssueFilter(FollowsFilter):
    title = "followed issue"
    parameter_name = "issue"
    choices_model = Issue


class FollowedExpertFilter(FollowsFilter):
    title = "followed expert"
    parameter_name = "expert"
    choices_model = Expert


class SubscriberAdminForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "status" in self.fields:
            self.fields["status"].choices = [
                (status.value, status.label) for status in statuses_an_editor_may_set(self.instance)
            ]


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    form = SubscriberAdminForm
    list_display = ["email", "status", "how_often", "follows", "confirmed_on"]
    list_filter = [
        "status",
        "frequency",
        "everything",
        FollowedIssueFilter,
        FollowedExpertFilter,
    ]
    search_fields = ["email"]
    date_hierarchy = "created_at"
    ordering = ["-created_at"]
    autocomplete_fields = ["issues", "experts"]
    fieldsets = [
        (None, {"fields": ["email", "status", "frequency"]}),
        ("Follows", {"fields": ["everything", "issues", "experts"]}),
        (
            "Dates",
            {
                "fields": [
                    ("created_at", "confirmation_sent_at"),
                    ("confirmed_at", "left_at"),
                    "bounce_reason",
                ],
                "description": f"Times in {settings.TIME_ZONE}.",
            },
        ),
    ]
    readonly_fields = [
        "email", "created_at", "confirmation_sent_at", "confirmed_at", "left_at", "bounce_reason",
    ]  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("issues", "experts")

    @admin.display(description="Frequency", ordering="frequency")
    def how_often(self, subscriber):
        return SHORT_FREQUENCIES[subscriber.frequency]

    @admin.display(description="Confirmed", ordering="confirmed_at")
    def confirmed_on(self, subscriber):
        # The day is enough in a list; the change page has the time.
        if subscriber.confirmed_at is None:
            return "—"
        return date_format(timezone.localtime(subscriber.confirmed_at), "N j, Y")

    @admin.display(description="Follows")
    def follows(self, subscriber):
        if subscriber.everything:
            return "Everything"
        issues, experts = len(subscriber.issues.all()), len(subscriber.experts.all())
        counted = [
            f"{count} {noun}{pluralize(count)}"
            for count, noun in [(issues, "issue"), (experts, "expert")]
            if count
        ]
        return ", ".join(counted) or "Nothing yet"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in {"issues", "experts"}:
            # Chosen from those that exist: a subscriber's page is no place to make an issue.
            field.widget.can_add_related = False
        if db_field.name == "status":
            field.help_text = (
                "Only subscribed readers get mail, and only a reader subscribes, by confirming. "
                "Here you may pause, resume or unsubscribe at the reader's request, or clear a "
                "bounce."
            )
        return field

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        # Before the admin's own: its "<object_id>/" pattern would take these paths.
        return [
            path("by-issue/", view(self.counts_view), name="subscriptions_subscriber_by_issue"),
            path(
                "<path:object_id>/export/",
                view(self.export_view),
                name="subscriptions_subscriber_export",
            ),
            path(
                "<path:object_id>/erase/",
                view(self.erase_view),
                name="subscriptions_subscriber_erase",
            ),
        ] + super().get_urls()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            deliveries = obj.deliveries.select_related("mailing__brief", "digest")
            context["recent_deliveries"] = [
                (delivery, delivery_subject(delivery))
                for delivery in deliveries[:RECENT_DELIVERIES]
            ]
            context["delivery_count"] = deliveries.count()
            context["time_zone"] = settings.TIME_ZONE
            context["deliveries_url"] = (
                reverse("admin:subscriptions_delivery_changelist")
                + f"?subscriber__id__exact={obj.pk}"
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        moved = "status" in form.changed_data
        if moved and form.initial["status"] == Status.BOUNCED:
            obj.left_at, obj.bounce_reason = None, ""
        super().save_model(request, obj, form, change)
        if moved and obj.status == Status.UNSUBSCRIBED:
            # As if the reader had: stamped, and nothing still queued is sent.
            subscribing.leave(obj)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        # A subscriber's deliveries go with them, though nobody may delete a delivery alone.
        perms_needed.discard(Delivery._meta.verbose_name)
        return deleted, model_count, perms_needed, protected

    def log_change(self, request, obj, message):
        return log_by_number(request.user, [obj], CHANGE, message)[0]

    def log_deletions(self, request, queryset):
        return log_by_number(request.user, queryset, DELETION)

    def counts_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Subscribers per issue",
            **subscriber_counts(),
        }
        return TemplateResponse(request, "admin/subscriptions/subscriber/by_issue.html", context)

    def export_view(self, request, object_id):
        subscriber = self._subscriber_or_404(request, object_id)
        if not self.has_view_permission(request, subscriber):
            raise PermissionDenied
        data = json.dumps(
            subscriber_data(subscriber), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False
        )
        response = HttpResponse(data, content_type="application/json; charset=utf-8")
        # Named by number: the address stays out of download folders and browser histories.
        response["Content-Disposition"] = f'attachment; filename="subscriber-{subscriber.pk}.json"'
        return response

    def erase_view(self, request, object_id):
        subscriber = self._subscriber_or_404(request, object_id)
        if not self.has_delete_permission(request, subscriber):
            raise PermissionDenied
        if request.method == "POST":
            pk = subscriber.pk
            erase(subscriber, request.user)
            self.message_user(
                request,
                f"{subscriber_label(pk)} was erased, with their deliveries and their address "
                "in the admin's history.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:subscriptions_subscriber_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Erase {subscriber_label(subscriber.pk).lower()}",
            "subscriber": subscriber,
            "delivery_count": subscriber.deliveries.count(),
        }
        return TemplateResponse(request, "admin/subscriptions/subscriber/erase.html", context)

    def _subscriber_or_404(self, request, object_id):
        subscriber = self.get_object(request, unquote(object_id))
        if subscriber is None:
            raise Http404
        return subscriber


def deliveries_url(mailing, status=None):
    query = {"mailing__id__exact": mailing.pk}
    if status is not None:
        query["status"] = status.value
    return f"{reverse('admin:subscriptions_delivery_changelist')}?{urlencode(query)}"


@admin.register(Mailing)
class MailingAdmin(ReadOnlyAdmin):
    # Its first column, a time, is the link; the brief's title may wrap (the admin keeps a
    # foreign key's cell on one line, hence brief_title).
    list_display = ["became_public", "brief_title", "decision", "deliveries", "sending"]
    list_filter = ["decision"]
    list_select_related = ["brief"]
    search_fields = ["brief__title"]
    date_hierarchy = "became_public_at"
    fields = ["brief", "decision", "became_public_at", "deliveries", "sending"]
    readonly_fields = ["deliveries", "sending"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_delivery_counts()

    @admin.display(description="Became public", ordering="became_public_at")
    def became_public(self, mailing):
        return list_time(mailing.became_public_at)

    @admin.display(description="Brief", ordering="brief__title")
    def brief_title(self, mailing):
        return mailing.brief.title

    @admin.display(description="Deliveries")
    def deliveries(self, mailing):
        """The counts by status, each linked to its deliveries; none for a status with none."""
        counted = [
            (deliveries_url(mailing, status), count, status.label.lower())
            for status in Delivery.Status
            if (count := getattr(mailing, f"{status.value}_count"))
        ]
        if not counted:
            return "None"
        return format_html_join(", ", '<a href="{}">{} {}</a>', counted)

    @admin.display(description="Sending", ordering="first_sent_at")
    def sending(self, mailing):
        return time_span(mailing.first_sent_at, mailing.last_sent_at)


class DeliveryStatusFilter(admin.SimpleListFilter):
    """The statuses, and the delivery problems together."""

    title = "status"
    parameter_name = "status"
    PROBLEMS = [Delivery.Status.FAILED, Delivery.Status.BOUNCED]

    def lookups(self, request, model_admin):
        return [("problems", "Failed or bounced"), *Delivery.Status.choices]

    def queryset(self, request, queryset):
        if self.value() == "problems":
            return queryset.filter(status__in=self.PROBLEMS)
        if self.value():
            return queryset.filter(status=self.value())
        return queryset


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    # When it was sent is on its own page: the list keeps to what fits beside the filters.
    list_display = ["queued", "about", "subscriber", "status", "error"]
    list_filter = [DeliveryStatusFilter, "kind"]
    list_select_related = ["subscriber", "mailing__brief", "digest"]
    search_fields = ["subscriber__email", "mailing__brief__title"]
    date_hierarchy = "created_at"
    # The table grows by a row per mail: no second count of all of it on every page.
    show_full_result_count = False
    # Not the payload: a confirmation's holds the reader's confirmation link.
    fields = ["subscriber", "kind", "about", "status", "attempts", "created_at",
              "next_attempt_at", "sent_at", "last_error"]  # fmt: skip
    readonly_fields = ["about"]

    @admin.display(description="Queued", ordering="created_at")
    def queued(self, delivery):
        return list_time(delivery.created_at)

    @admin.display(description="Mail")
    def about(self, delivery):
        return delivery_subject(delivery)

    @admin.display(description="Error", ordering="last_error")
    def error(self, delivery):
        return Truncator(delivery.last_error).chars(60)


@admin.register(MailSettings)
class MailSettingsAdmin(admin.ModelAdmin):
    """One row (MailSettings.current()): its list is its form."""

    fields = ["digest_time"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return HttpResponseRedirect(
            reverse("admin:subscriptions_mailsettings_change", args=[MailSettings.current().pk])
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "digest_time":
            field.label = f"Digest time ({settings.TIME_ZONE})"
        return field


def brief_mail_panel(request, brief):
    """The "Email" panel of a brief's change page (settings.BRIEF_ADMIN_PANELS): whether the
    brief is mailed, and how its mail went, in counts. No addresses: analysts see it too."""
    mailing = Mailing.objects.filter(brief=brief).with_delivery_counts().first()
    context = {"brief": brief, "mailing": mailing}
    if mailing is None:
        context["note"] = unmailed_note(brief)
    else:
        context["counts"] = [
            (status.label, getattr(mailing, f"{status.value}_count")) for status in Delivery.Status
        ]
        if request.user.has_perm("subscriptions.view_delivery"):
            context["deliveries_url"] = deliveries_url(mailing)
    return render_to_string("admin/subscriptions/brief_mail_panel.html", context, request=request)


def unmailed_note(brief):
    """Where a brief without a mailing stands: its mailing is decided when it first becomes
    public (subscriptions.delivery.queue_brief_mail)."""
    if brief.is_public:
        handing_over = Event.objects.unhandled().filter(
            subject=f"brief:{brief.pk}", kind=Kind.BRIEF_PUBLISHED
        )
        if handing_over.exists():
            return "Going out: the worker is handing its publication to the mailer."
        return (
            "Not mailed: no mailing was made when it became public (briefs public before mail "
            "to subscribers began are not mailed)."
        )
    if not brief.mail_to_subscribers:
        return "Not for email: it will not be mailed when it is published."
    if brief.state == State.SCHEDULED:
        return f"Not mailed yet: goes out when it is published. {brief.state_label}."
    return "Not mailed yet: goes out when it is published."
