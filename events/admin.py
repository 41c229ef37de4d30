import json

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from .models import Activity, Event, HandlerRun


class ReadOnlyAdmin(admin.ModelAdmin):
    """The event log is written by the system only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ["happened_at", "description"]
    date_hierarchy = "happened_at"
    search_fields = ["description"]
    fields = ["happened_at", "description", "event", "recorded_at"]


class HandlerRunInline(admin.TabularInline):
    model = HandlerRun
    fields = ["handler", "outcome", "attempts", "started_at", "finished_at", "next_attempt_at",
              "last_error"]  # fmt: skip
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class EventStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("pending", "Pending"), ("failing", "Failing"), ("handled", "Handled"),
                ("cancelled", "Cancelled")]  # fmt: skip

    def queryset(self, request, queryset):
        match self.value():
            case "pending":
                return queryset.filter(handled_at__isnull=True, cancelled_at__isnull=True)
            case "failing":
                failing = [HandlerRun.Outcome.FAILED, HandlerRun.Outcome.GAVE_UP]
                return queryset.filter(runs__outcome__in=failing).distinct()
            case "handled":
                return queryset.filter(handled_at__isnull=False)
            case "cancelled":
                return queryset.filter(cancelled_at__isnull=False)
        return queryset


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ["due_at", "kind", "about", "state", "handlers"]
    list_filter = [EventStateFilter, "kind"]
    date_hierarchy = "due_at"
    search_fields = ["subject", "payload"]
    fields = ["kind", "subject", "what_handlers_get", "created_at", "due_at", "cancelled_at",
              "handled_at"]  # fmt: skip
    readonly_fields = ["what_handlers_get"]
    inlines = [HandlerRunInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("runs")

    @admin.display(description="Payload")
    def what_handlers_get(self, event):
        return format_html("<pre>{}</pre>", json.dumps(event.payload, indent=2, ensure_ascii=False))

    @admin.display(description="About")
    def about(self, event):
        return event.payload.get("title") or event.payload.get("name") or event.subject

    @admin.display(description="State")
    def state(self, event):
        if event.cancelled_at:
            return "Cancelled"
        if event.handled_at:
            return "Handled"
        return "Pending"

    @admin.display(description="Handlers")
    def handlers(self, event):
        return format_html_join(
            ", ", "{}: {}", ((run.handler, run.get_outcome_display()) for run in event.runs.all())
        )
