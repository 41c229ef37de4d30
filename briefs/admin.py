import json

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.db import models
from django.db.models import Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from experts.models import ExpertQuote

from .admin_text_import import text_import_urls
from .models import Brief, BriefSection, Format, Issue, RelatedLink, renumber
from .roles import can_publish

# Briefs an analyst may still change or delete: once approved, a brief is the editors'.
ANALYST_EDITABLE = {Brief.Status.DRAFT, Brief.Status.REVIEW}
ANALYST_STATUS_CHOICES = [
    (Brief.Status.DRAFT, Brief.Status.DRAFT.label),
    (Brief.Status.REVIEW, "In review (submit to the editors)"),
]


def analyst_may_edit(request, brief):
    return brief is None or can_publish(request.user) or brief.status in ANALYST_EDITABLE


def publication_change(brief):
    """How an admin save changed what the public sees, in words for the history."""
    if brief.state == "scheduled":
        return brief.state_label
    return {
        "published": "Published",
        "withdrawn": "Withdrawn",
        "review": "Submitted for review",
        "draft": "Set to draft",
    }[brief.state]


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("draft", "Draft"),
            ("review", "In review"),
            ("scheduled", "Scheduled"),
            ("published", "Published"),
            ("withdrawn", "Withdrawn"),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "scheduled":
                return queryset.scheduled()
            case "published":
                return queryset.published()
            case "draft" | "review" | "withdrawn" as status:
                return queryset.filter(status=status)
        return queryset


class IssueFilter(admin.SimpleListFilter):
    title = "issue"
    parameter_name = "issue"

    def lookups(self, request, model_admin):
        return Issue.objects.values_list("slug", "name")

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(issues__slug=self.value())
        return queryset


class BriefChildInline:
    """Quotes, sections and links follow the brief: editable exactly when the brief is."""

    extra_on_add = 1
    fk_name = "brief"

    def get_extra(self, request, obj=None, **kwargs):
        return 0 if obj else self.extra_on_add

    def has_add_permission(self, request, obj):
        return super().has_add_permission(request, obj) and analyst_may_edit(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and analyst_may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and analyst_may_edit(request, obj)


class ExpertQuoteInline(BriefChildInline, admin.StackedInline):
    model = ExpertQuote
    verbose_name_plural = "Expert Analysis"
    autocomplete_fields = ["expert"]
    fields = ["expert", "expert_title", "text", "position"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 5})}}


class BriefSectionInline(BriefChildInline, admin.StackedInline):
    model = BriefSection
    verbose_name_plural = "Further sections"
    extra_on_add = 0
    fields = ["heading", "body", "position"]


class RelatedLinkInline(BriefChildInline, admin.StackedInline):
    model = RelatedLink
    verbose_name_plural = "Related links"
    autocomplete_fields = ["target"]
    fields = [("title", "byline"), ("url", "target"), "position"]
    # An address typed without a scheme is taken as https, as Django 6 will do by default.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


class BriefAdminForm(forms.ModelForm):
    # Issues are chosen from the curated list (new ones are added under Issues), so a typo
    # never files a brief under a new, empty issue.
    issues = forms.ModelMultipleChoiceField(
        queryset=Issue.objects.all(),
        required=False,
        widget=FilteredSelectMultiple("issues", is_stacked=False),
    )
    summary = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=Brief._meta.get_field("summary").help_text,
    )

    class Meta:
        model = Brief
        fields = [
            "title", "slug", "format", "summary", "lead_image", "lead_image_alt",
            "lead_image_caption", "lead_image_credit", "latest_developments", "issues", "status",
            "publish_at",
        ]  # fmt: skip


@admin.register(Brief)
class BriefAdmin(admin.ModelAdmin):
    form = BriefAdminForm
    fieldsets = [
        (None, {"fields": ["title", "slug", "format", "summary"]}),
        (
            "Lead image",
            {
                "fields": [
                    "lead_image",
                    "lead_image_alt",
                    ("lead_image_caption", "lead_image_credit"),
                ],  # fmt: skip
                "description": "Optional. Shown under the title, and as a thumbnail in lists.",
            },
        ),
        (None, {"fields": ["latest_developments"]}),
        ("Issues", {"fields": ["issues"]}),
        ("Publication", {"fields": ["status", "publish_at"]}),
    ]
    # The change form template places the inlines after this many fieldsets: reading order.
    fieldsets_before_inlines = 3
    inlines = [ExpertQuoteInline, BriefSectionInline, RelatedLinkInline]
    list_display = ["title", "format", "state_display", "publish_time"]
    list_filter = [StateFilter, "format", IssueFilter, "publish_at"]
    list_select_related = ["format"]
    date_hierarchy = "publish_at"
    search_fields = ["title", "slug", "summary", "latest_developments", "quotes__expert__name"]
    save_on_top = True

    class Media:
        css = {"all": ["briefs/admin.css"]}

    @admin.display(description="State", ordering="status")
    def state_display(self, brief):
        return format_html('<span class="brief-state {}">{}</span>', brief.state, brief.state_label)

    @admin.display(description=f"Publish at ({settings.TIME_ZONE})", ordering="publish_at")
    def publish_time(self, brief):
        if brief.publish_at is None:
            return "—"
        return date_format(timezone.localtime(brief.publish_at), "N j, Y, P")

    def get_urls(self):
        # "Import from text" first: the admin's "<object_id>/" pattern would take its path.
        return text_import_urls(self) + super().get_urls()

    def render_change_form(self, request, context, *args, **kwargs):
        context["fieldsets_before_inlines"] = self.fieldsets_before_inlines
        return super().render_change_form(request, context, *args, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = []
        if obj is not None and obj.was_published:
            readonly.append("slug")
        if not can_publish(request.user):
            readonly.append("publish_at")
        return readonly

    def get_prepopulated_fields(self, request, obj=None):
        if obj is not None and obj.was_published:
            return {}
        return {"slug": ("title",)}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "status" and not can_publish(request.user):
            # A crafted POST with any other status fails validation like a bad choice would.
            field.choices = ANALYST_STATUS_CHOICES
            field.help_text = "An editor publishes or schedules the brief once it is in review."
        if db_field.name == "publish_at":
            field.label = f"Publish at ({settings.TIME_ZONE})"
        return field

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and analyst_may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and analyst_may_edit(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        brief = form.instance
        for rows in (brief.quotes.all(), brief.sections.all(), brief.related_links.all()):
            renumber(rows)

    def construct_change_message(self, request, form, formsets, add=False):
        message = super().construct_change_message(request, form, formsets, add)
        if not add and not {"status", "publish_at"} & set(form.changed_data):
            return message
        if add and form.instance.status == Brief.Status.DRAFT:
            return message
        # A plain-text entry, so the history says "Scheduled for ..." in the site's time.
        details = LogEntry(change_message=json.dumps(message)).get_change_message()
        return f"{publication_change(form.instance)}. {details}"


@admin.register(Issue)
class IssueAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "public_briefs", "all_briefs"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ("name",)}
    fields = ["name", "slug", "description"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_public_counts()
            .annotate(brief_count=Count("tagged_briefs", distinct=True))
            .order_by("name")
        )

    @admin.display(description="Public briefs", ordering="public_brief_count")
    def public_briefs(self, issue):
        return issue.public_brief_count

    @admin.display(description="All briefs", ordering="brief_count")
    def all_briefs(self, issue):
        return issue.brief_count


@admin.register(Format)
class FormatAdmin(admin.ModelAdmin):
    list_display = ["name", "position"]
    list_editable = ["position"]
