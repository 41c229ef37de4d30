"""Webhooks in the admin: editors register endpoints and follow what is sent to them.

An endpoint is told of everything the site publishes, so only people who may publish manage
webhooks: on top of the model permissions the Editors group holds (webhooks.apps), every page
here asks for the publish permission. Analysts see nothing of webhooks. Deliveries are written
by the system only; an editor may send one again, or send an endpoint a test ping.
"""

import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.text import Truncator

from briefs.models import person_name
from common.publication import PUBLISH_PERMISSION
from events.admin import ReadOnlyAdmin
from events.models import Kind

from . import delivery, payloads
from .models import PUBLIC_KINDS, Endpoint, WebhookDelivery

Status = WebhookDelivery.Status
# The endpoint's deliveries listed on its page, newest first; the rest are in the delivery list.
RECENT_DELIVERIES = 20
# The kinds as a list column names them: the list is wide.
SHORT_KINDS = {
    Kind.BRIEF_PUBLISHED: "published",
    Kind.BRIEF_UPDATED: "updated",
    Kind.BRIEF_WITHDRAWN: "withdrawn",
    Kind.BRIEF_DELETED: "deleted",
    Kind.EXPERT_CHANGED: "experts",
    Kind.ISSUE_CHANGED: "issues",
}


def list_time(moment):
    """A time as the lists show it, in the site's time zone."""
    if moment is None:
        return "—"
    return date_format(timezone.localtime(moment), "N j, Y, P")


def deliveries_url(endpoint=None, **query):
    if endpoint is not None:
        query["endpoint__id__exact"] = endpoint.pk
    url = reverse("admin:webhooks_webhookdelivery_changelist")
    return f"{url}?{urlencode(query)}" if query else url


def endpoint_status(endpoint):
    """Where an endpoint stands, in a few words."""
    if not endpoint.active:
        if endpoint.turned_off_at:
            return f"Turned off {list_time(endpoint.turned_off_at)}"
        return "Off"
    if endpoint.consecutive_failures:
        return f"Failing ({endpoint.consecutive_failures} in a row)"
    return "Active"


class ForPublishers:
    """Admin permissions that also ask for the publish permission."""

    def may_publish(self, request):
        return request.user.has_perm(PUBLISH_PERMISSION)

    def has_module_permission(self, request):
        return self.may_publish(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.may_publish(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return self.may_publish(request) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return self.may_publish(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.may_publish(request) and super().has_delete_permission(request, obj)


class EndpointForm(forms.ModelForm):
    url = forms.URLField(
        label="Address",
        max_length=500,
        assume_scheme="https",
        help_text=Endpoint._meta.get_field("url").help_text,
    )
    kinds = forms.MultipleChoiceField(
        label="Events",
        choices=[(kind.value, kind.label) for kind in PUBLIC_KINDS],
        initial=[Kind.BRIEF_PUBLISHED],
        widget=forms.CheckboxSelectMultiple,
        help_text="What it is sent. Briefs in review or scheduled are never sent: only what "
        "the public already sees.",
    )

    class Meta:
        model = Endpoint
        fields = ["name", "url", "kinds", "active", "secret"]


class EndpointStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("failing", "Failing"), ("off", "Turned off")]

    def queryset(self, request, queryset):
        match self.value():
            case "active":
                return queryset.filter(active=True)
            case "failing":
                return queryset.filter(active=True, consecutive_failures__gt=0)
            case "off":
                return queryset.filter(active=False)
        return queryset


@admin.register(Endpoint)
class EndpointAdmin(ForPublishers, admin.ModelAdmin):
    form = EndpointForm
    list_display = [
        "name",
        "url",
        "events",
        "status",
        "last_success",
        "last_failure",
        "delivery_counts",
    ]
    list_filter = [EndpointStatusFilter]
    search_fields = ["name", "url"]
    actions = ["send_ping"]
    readonly_fields = [
        "secret_shown", "status", "last_success_at", "last_failure_at", "consecutive_failures",
        "failing_since", "turned_off_at", "turned_off_reason", "created_by", "created_at",
    ]  # fmt: skip

    def get_queryset(self, request):
        return super().get_queryset(request).with_delivery_counts()

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ["name", "url", "kinds", "active", "secret"]})]
        return [
            (None, {"fields": ["name", "url", "kinds", "active"]}),
            ("Signing", {"fields": ["secret_shown"]}),
            (
                "Health",
                {
                    "fields": [
                        "status",
                        ("last_success_at", "last_failure_at"),
                        ("consecutive_failures", "failing_since"),
                        ("turned_off_at", "turned_off_reason"),
                        ("created_by", "created_at"),
                    ],
                    "description": f"Times in {settings.TIME_ZONE}.",
                },
            ),
        ]

    @admin.display(description="Events")
    def events(self, endpoint):
        if set(endpoint.kinds) >= set(PUBLIC_KINDS):
            return "All"
        return ", ".join(SHORT_KINDS[kind] for kind in PUBLIC_KINDS if kind in endpoint.kinds)

    @admin.display(description="Status", ordering="active")
    def status(self, endpoint):
        return endpoint_status(endpoint)

    @admin.display(description="Last success", ordering="last_success_at")
    def last_success(self, endpoint):
        return list_time(endpoint.last_success_at)

    @admin.display(description="Last failure", ordering="last_failure_at")
    def last_failure(self, endpoint):
        return list_time(endpoint.last_failure_at)

    @admin.display(description="Deliveries")
    def delivery_counts(self, endpoint):
        """Sent and failing, each linked to those deliveries."""
        counted = [
            (deliveries_url(endpoint, status=Status.SENT), endpoint.sent_count, "sent"),
            (deliveries_url(endpoint, status="failing"), endpoint.failing_count, "failing"),
        ]
        return format_html_join(", ", '<a href="{}">{} {}</a>', counted)

    @admin.display(description="Secret")
    def secret_shown(self, endpoint):
        return format_html(
            '<code class="webhook-secret">{}</code><div class="help">The receiver checks each '
            "delivery's signature with it (see the webhooks documentation). Keep it as you would "
            'a password. <a href="{}">Make a new secret…</a></div>',
            endpoint.secret,
            reverse("admin:webhooks_endpoint_new_secret", args=[endpoint.pk]),
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        elif "url" in form.changed_data:
            # A new address is a new receiver: the old one's failures are not held against it.
            obj.clear_failures()
        turned = change and "active" in form.changed_data
        if turned and obj.active:
            obj.mark_turned_on()
        elif turned:
            obj.mark_turned_off(f"Turned off by {person_name(request.user)}.", timezone.now())
        super().save_model(request, obj, form, change)
        if turned and not obj.active:
            delivery.give_up_pending(obj, delivery.TURNED_OFF_BY_HAND)

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        # An endpoint's deliveries go with it, though nobody may delete a delivery alone.
        perms_needed.discard(WebhookDelivery._meta.verbose_name)
        return deleted, model_count, perms_needed, protected

    @admin.action(description="Send a test ping", permissions=["change"])
    def send_ping(self, request, queryset):
        active = [endpoint for endpoint in queryset if endpoint.active]
        for endpoint in active:
            delivery.queue_ping(endpoint)
        self.report_pings(request, len(active), len(queryset) - len(active))

    def report_pings(self, request, sent, off):
        if sent:
            self.message_user(
                request,
                f"A test ping is on its way to {sent} endpoint{'s' if sent > 1 else ''}: "
                "its delivery shows how it went.",
                messages.SUCCESS,
            )
        if off:
            self.message_user(
                request,
                f"{off} endpoint{'s are' if off > 1 else ' is'} turned off and sent nothing: "
                "turn it on first.",
                messages.WARNING,
            )

    def get_urls(self):
        view = self.admin_site.admin_view
        # Before the admin's own: its "<object_id>/" pattern would take these paths.
        return [
            path(
                "<path:object_id>/new-secret/",
                view(self.new_secret_view),
                name="webhooks_endpoint_new_secret",
            ),
            path("<path:object_id>/ping/", view(self.ping_view), name="webhooks_endpoint_ping"),
        ] + super().get_urls()

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            deliveries = obj.deliveries.select_related("event")
            context["recent_deliveries"] = list(deliveries[:RECENT_DELIVERIES])
            context["delivery_count"] = deliveries.count()
            context["deliveries_url"] = deliveries_url(obj)
            context["time_zone"] = settings.TIME_ZONE
            context["turn_off_rule"] = (
                f"An endpoint is turned off when no delivery to it has succeeded for "
                f"{delivery.TURN_OFF_AFTER.total_seconds() / 3600:g} hours, with at least "
                f"{delivery.TURN_OFF_FAILURES} failed attempts in a row."
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def new_secret_view(self, request, object_id):
        endpoint = self.endpoint_to_change(request, object_id)
        if request.method == "POST":
            endpoint.replace_secret(timezone.now())
            endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
            self.log_change(request, endpoint, "Made a new secret")
            until = date_format(timezone.localtime(endpoint.previous_secret_until), "N j, P T")
            return self.done(
                request,
                endpoint,
                f"A new secret was made. Until {until} deliveries are signed with the old one "
                "too, so the receiver can switch to the new one without refusing any.",
            )
        return self.confirm(
            request,
            endpoint,
            title="Make a new secret",
            explanation="Deliveries are then signed with the new secret. For the next 24 hours "
            "they also carry a signature made with the old one, so the receiver keeps "
            "accepting them while it is given the new secret.",
            button="Make a new secret",
        )

    def ping_view(self, request, object_id):
        endpoint = self.endpoint_to_change(request, object_id)
        if not endpoint.active:
            self.message_user(request, "The endpoint is turned off: turn it on first.")
            return HttpResponseRedirect(self.change_url(endpoint))
        if request.method == "POST":
            ping = delivery.queue_ping(endpoint)
            return self.done(
                request,
                endpoint,
                format_html(
                    'A test ping is on its way: <a href="{}">its delivery</a> shows how it went.',
                    reverse("admin:webhooks_webhookdelivery_change", args=[ping.pk]),
                ),
            )
        return self.confirm(
            request,
            endpoint,
            title="Send a test ping",
            explanation="The endpoint is sent a signed delivery of kind “ping”, once, with no "
            "retries: a way to check that the receiver gets deliveries and accepts their "
            "signature.",
            button="Send a test ping",
        )

    def endpoint_to_change(self, request, object_id):
        endpoint = self.get_object(request, unquote(object_id))
        if endpoint is None:
            raise Http404
        if not self.has_change_permission(request, endpoint):
            raise PermissionDenied
        return endpoint

    def change_url(self, endpoint):
        return reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])

    def done(self, request, endpoint, message):
        self.message_user(request, message, messages.SUCCESS)
        return HttpResponseRedirect(self.change_url(endpoint))

    def confirm(self, request, endpoint, *, title, explanation, button):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": endpoint,
            "title": title,
            "explanation": explanation,
            "button": button,
        }
        return TemplateResponse(request, "admin/webhooks/endpoint/confirm.html", context)


class DeliveryStatusFilter(admin.SimpleListFilter):
    """The statuses, and the failing ones together."""

    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return [("failing", "Failing (will retry, or gave up)"), *Status.choices]

    def queryset(self, request, queryset):
        if self.value() == "failing":
            return queryset.filter(status__in=WebhookDelivery.FAILING)
        if self.value():
            return queryset.filter(status=self.value())
        return queryset


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ForPublishers, ReadOnlyAdmin):
    list_display = ["queued", "endpoint", "kind", "about", "status", "attempts",
                    "response_status", "error", "delivered"]  # fmt: skip
    list_filter = [DeliveryStatusFilter, "endpoint", "kind"]
    list_select_related = ["endpoint", "event"]
    search_fields = ["endpoint__name", "last_error"]
    date_hierarchy = "created_at"
    # The table grows by a row per event and endpoint: no second count of all of it per page.
    show_full_result_count = False
    actions = ["send_again"]
    fields = ["endpoint", "kind", "about", "status", "attempts", "created_at", "first_attempt_at",
              "last_attempt_at", "next_attempt_at", "delivered_at", "response_status",
              "response_ms", "last_error", "response", "body"]  # fmt: skip
    readonly_fields = ["about", "response", "body"]

    @admin.display(description="Queued", ordering="created_at")
    def queued(self, webhook_delivery):
        return list_time(webhook_delivery.created_at)

    @admin.display(description="About")
    def about(self, webhook_delivery):
        return webhook_delivery.about

    @admin.display(description="Error", ordering="last_error")
    def error(self, webhook_delivery):
        return Truncator(webhook_delivery.last_error).chars(80)

    @admin.display(description="Delivered", ordering="delivered_at")
    def delivered(self, webhook_delivery):
        return list_time(webhook_delivery.delivered_at)

    @admin.display(description="Answer's body (its start)")
    def response(self, webhook_delivery):
        return format_html("<pre>{}</pre>", webhook_delivery.response_excerpt or "—")

    @admin.display(description="What it sends")
    def body(self, webhook_delivery):
        document = json.loads(payloads.body(webhook_delivery))
        return format_html("<pre>{}</pre>", json.dumps(document, indent=2, ensure_ascii=False))

    def has_resend_permission(self, request):
        return request.user.has_perm("webhooks.change_endpoint") and self.may_publish(request)

    @admin.action(description="Send again now", permissions=["resend"])
    def send_again(self, request, queryset):
        queued = delivery.send_again(queryset)
        skipped = queryset.count() - queued
        if queued:
            self.message_user(
                request,
                f"{queued} deliver{'ies' if queued > 1 else 'y'} will be sent again now, each "
                "with a new day of retries.",
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                f"{skipped} deliver{'ies were' if skipped > 1 else 'y was'} left as "
                f"{'they were' if skipped > 1 else 'it was'}: being sent at this moment, or for "
                "an endpoint that is turned off (turn it on first).",
                messages.WARNING,
            )
