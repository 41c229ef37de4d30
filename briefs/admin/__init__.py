import json
import uuid
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.models import LogEntry
from django.db import IntegrityError, models
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.module_loading import import_string

from common.publication import PublicNeedsAnEditor, State
from common.stale_saves import StaleSaveAdmin
from common.storage import RemoveFilesOfFailedSaves
from experts.models import ExpertQuote

from ..editorial import changes
from ..editorial.revisions import compare, keep_baseline
from ..editorial.roles import can_publish, may_edit
from ..editorial.workflow import ChangeRefused, check_move, statuses_for
from ..models import Brief, BriefSection, EditingSession, Format, Issue, RelatedLink
from ..public.previews import duration_label, link_durations
from .actions import (
    KNOWN_MOVES,
    PUBLISH,
    SCHEDULE,
    STATUS_OF_MOVE,
    buttons_for,
    local_time,
    outcome,
)
from .autosave import autosave_urls, forget, offered
from .calendar import calendar_urls
from .choices import ExpertQuoteForm, IssuesField
from .live_preview import live_preview_urls
from .previews import preview_urls
from .revisions import revision_urls
from .text_import import text_import_urls

# Someone who opened a brief's form this recently may still be editing it.
EDITING_WINDOW = timedelta(minutes=10)


def analyst_may_edit(request, brief):
    return may_edit(request.user, brief)


def publication_change(brief):
    """How an admin save changed what the public sees, in words for the history."""
    return {State.REVIEW: "Submitted for review", State.DRAFT: "Set to draft"}.get(
        brief.state, brief.state_label
    )


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return State.choices

    def queryset(self, request, queryset):
        match self.value():
            case State.SCHEDULED:
                return queryset.scheduled()
            case State.PUBLISHED:
                return queryset.published()
            case State.EXPIRED:
                return queryset.expired()
            case State.DRAFT | State.REVIEW | State.WITHDRAWN as status:
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
    form = ExpertQuoteForm
    verbose_name_plural = "Expert Analysis"
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
    issues = IssuesField(
        required=False,
        help_text=(
            "Type to find an issue. A name that matches none becomes a new issue when the "
            "brief is saved."
        ),
    )
    summary = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=Brief._meta.get_field("summary").help_text,
    )
    workflow_comment = forms.CharField(
        label="Comment for the history",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=(
            "Kept in the brief's history with this save. Required when sending a brief back "
            "to draft or withdrawing it."
        ),
    )
    # The revision the form was opened at: saving over a newer one would lose someone's work.
    edit_base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    # A new brief's form, once: sent twice, it finds the brief it made (Brief.submission_key).
    add_form_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    # Set by BriefAdmin.get_form: the person filling the form in.
    editing_user = None

    class Meta:
        model = Brief
        fields = [
            "title", "slug", "format", "summary", "lead_image", "lead_image_alt",
            "lead_image_caption", "lead_image_credit", "latest_developments", "issues", "status",
            "publish_at", "withdraw_at", "mail_to_subscribers",
        ]  # fmt: skip
        # Set by the form's buttons (briefs.admin.actions), not chosen from a menu.
        widgets = {"status": forms.HiddenInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edit_base_version"].initial = self.instance.version
        # The brief as it stood before this form changes it (clean() runs before the
        # instance takes the new values): the workflow records the move from here.
        self.previous_state = self.instance.state if self.instance.pk else ""
        self.previous_publish_at = self.instance.publish_at
        self.conflict = None
        if not self.instance.pk:
            self.fields["add_form_key"].initial = uuid.uuid4()
        self.fields["issues"].may_add = bool(
            self.editing_user and self.editing_user.has_perm("briefs.add_issue")
        )
        # The button pressed (briefs.admin.actions): it sets the status the move gives.
        self.move = self.data.get("_move", "") if self.is_bound else ""
        if "status" in self.fields:
            # Only the moves this person may make from here (workflow.MOVES); a crafted POST
            # of another status fails validation like any bad choice.
            self.fields["status"].choices = [
                (status.value, Brief.Status(status).label)
                for status in statuses_for(self.editing_user, self.previous_state)
            ]
            if self.move in STATUS_OF_MOVE:
                self.data = self.data.copy()
                self.data[self.add_prefix("status")] = STATUS_OF_MOVE[self.move]

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            self._refuse_stale_edit(cleaned.get("edit_base_version"))
        self._time_the_move(cleaned)
        after = self._state_after(cleaned)
        if after is not None:
            new_state, publish_at = after
            try:
                check_move(
                    self.editing_user,
                    self.previous_state,
                    new_state,
                    cleaned.get("workflow_comment", ""),
                    rescheduled=publish_at != self.previous_publish_at,
                )
            except ChangeRefused as refusal:
                self.add_error(refusal.field if refusal.field in self.fields else None,
                               refusal.message)  # fmt: skip
        return cleaned

    def _kept_to_the_second(self, name):
        """The form shows times to the minute; a time left as shown keeps its seconds, so
        saving a brief published at 9:41:37 does not move it to 9:41."""
        entered, stored = self.cleaned_data.get(name), getattr(self.instance, name)
        if entered and stored and entered == stored.replace(second=0, microsecond=0):
            return stored
        return entered

    def clean_publish_at(self):
        return self._kept_to_the_second("publish_at")

    def clean_withdraw_at(self):
        return self._kept_to_the_second("withdraw_at")

    def _time_the_move(self, cleaned):
        """Publish now means now; Schedule needs a time to come."""
        if self.move and self.move not in KNOWN_MOVES:
            raise forms.ValidationError("That button is not one of this form’s. Nothing was saved.")
        if self.move not in (PUBLISH, SCHEDULE) or "publish_at" not in self.fields:
            return
        now = timezone.now()
        publish_at = cleaned.get("publish_at")
        if self.move == SCHEDULE and (publish_at is None or publish_at <= now):
            self.add_error(
                "publish_at",
                "Choose when to publish the brief: a time after now. To publish it at once, "
                "press Publish now.",
            )
        if self.move == PUBLISH:
            if publish_at is None or publish_at > now:
                cleaned["publish_at"] = now
            withdraw_at = cleaned.get("withdraw_at")
            if withdraw_at is not None and withdraw_at <= now:
                self.add_error(
                    "withdraw_at",
                    "This time has passed: clear it, or choose a later one, to publish the "
                    "brief again.",
                )

    def _refuse_stale_edit(self, base_version):
        if base_version is None:
            return
        # Locked until this save commits, so two saves at once cannot both pass.
        current = (
            Brief.objects.select_for_update()
            .values_list("version", flat=True)
            .get(pk=self.instance.pk)
        )
        if base_version == current:
            return
        self.conflict = EditConflict(self.instance, base_version, current)
        # Saving again after reading the conflict keeps this person's version, on purpose.
        self.data = self.data.copy()
        self.data[self.add_prefix("edit_base_version")] = str(current)
        raise forms.ValidationError(
            "Someone else saved this brief after you opened it. Your changes are not saved "
            "yet: they are still in the form below. Compare them with what changed, then save "
            "again to keep your version.",
            code="edit_conflict",
        )

    def _state_after(self, cleaned):
        status = cleaned.get("status", self.instance.status)
        if not status:
            return None
        publish_at = cleaned.get("publish_at", self.instance.publish_at)
        withdraw_at = cleaned.get("withdraw_at", self.instance.withdraw_at)
        if status == Brief.Status.PUBLISHED and publish_at is None:
            publish_at = timezone.now()
        brief = Brief(status=status, publish_at=publish_at, withdraw_at=withdraw_at)
        return brief.state, publish_at


class EditConflict:
    """What happened to a brief between the revision a form was opened at and now."""

    def __init__(self, brief, base_version, current_version):
        revisions = {
            revision.number: revision
            for revision in brief.revisions.filter(
                number__gte=base_version, number__lte=current_version
            ).select_related("user")
        }
        self.saves = [revisions[n] for n in sorted(revisions) if n > base_version]
        base, latest = revisions.get(base_version), revisions.get(current_version)
        self.changes = compare(base.document, latest.document) if base and latest else []


@admin.register(Brief)
class BriefAdmin(RemoveFilesOfFailedSaves, admin.ModelAdmin):
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
        (
            "Publication",
            {
                "fields": [
                    "publication_state",
                    "status",
                    "publish_at",
                    "withdraw_at",
                    "mail_to_subscribers",
                    "workflow_comment",
                    "edit_base_version",
                    "add_form_key",
                ],  # fmt: skip
            },
        ),
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
        css = {"all": ["briefs/admin.css", "briefs/writing.css"]}
        js = [
            "briefs/autosave.js",
            "briefs/live_preview.js",
            "briefs/markdown_paste.js",
            "briefs/writing.js",
            "briefs/inline_order.js",
        ]

    @admin.display(description="State")
    def publication_state(self, brief):
        if brief.pk is None:
            return "New: not saved yet"
        proposed = ""
        if brief.state in (State.DRAFT, State.REVIEW) and brief.publish_at:
            # An imported text's date line, kept for the editor who publishes it.
            proposed = f" · proposed publication date {local_time(brief.publish_at)}"
        return format_html(
            '<span class="brief-state {}">{}</span>{}', brief.state, brief.state_label, proposed
        )

    @admin.display(description="State", ordering="status")
    def state_display(self, brief):
        return format_html('<span class="brief-state {}">{}</span>', brief.state, brief.state_label)

    @admin.display(description=f"Publish at ({settings.TIME_ZONE})", ordering="publish_at")
    def publish_time(self, brief):
        if brief.publish_at is None:
            return "—"
        return date_format(timezone.localtime(brief.publish_at), "N j, Y, P")

    def get_urls(self):
        # Ours first: the admin's "<object_id>/" pattern would take their paths.
        return (
            autosave_urls(self)
            + live_preview_urls(self)
            + text_import_urls(self)
            + calendar_urls(self)
            + preview_urls(self)
            + revision_urls(self)
            + super().get_urls()
        )

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, ExpertQuoteInline):
            kwargs["form_kwargs"] = {"may_add_experts": request.user.has_perm("experts.add_expert")}
        return kwargs

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.editing_user = request.user
        return form

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["fieldsets_before_inlines"] = self.fieldsets_before_inlines
        if obj is not None:
            context["transitions"] = obj.transitions.select_related("user")
            context["revision_count"] = obj.revisions.count()
            context["others_editing"] = self._note_editing(request, obj)
            context["time_zone"] = settings.TIME_ZONE
            context["preview_links"] = obj.preview_links.select_related("created_by")
            context["preview_durations"] = [
                (hours, duration_label(hours), hours == settings.BRIEFS_PREVIEW_HOURS)
                for hours in link_durations()
            ]
            # The panels of apps above briefs (settings.BRIEF_ADMIN_PANELS), such as the
            # brief's mail to subscribers: found by name, since briefs may not import them.
            context["admin_panels"] = [
                import_string(panel)(request, obj) for panel in settings.BRIEF_ADMIN_PANELS
            ]
        may_save = (
            self.has_change_permission(request, obj) if obj else self.has_add_permission(request)
        )
        context["brief_buttons"] = buttons_for(request.user, obj or Brief()) if may_save else []
        if may_save:
            context["autosave_url"] = (
                reverse("admin:briefs_brief_autosave", args=[obj.pk])
                if obj
                else reverse("admin:briefs_brief_add_autosave")
            )
            context["may_create_issues"] = request.user.has_perm("briefs.add_issue")
        if obj is None or self.has_view_or_change_permission(request, obj):
            context["live_preview_url"] = (
                reverse("admin:briefs_brief_live_preview", args=[obj.pk])
                if obj
                else reverse("admin:briefs_brief_add_live_preview")
            )
            # Offered when the form is opened, not shown again over a refused save's form.
            if request.method == "GET":
                context["unsaved_edit"] = offered(request.user, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # Before the form is made, so that it opens at the baseline revision.
        brief = self.get_object(request, object_id) if request.method == "GET" else None
        if brief is not None:
            keep_baseline(brief)
        return super().change_view(request, object_id, form_url, extra_context)

    def response_add(self, request, obj, post_url_continue=None):
        if "_move" not in request.POST:
            return super().response_add(request, obj, post_url_continue)
        return self._stay_on_the_form(request, obj)

    def response_change(self, request, obj):
        if "_move" not in request.POST:
            return super().response_change(request, obj)
        return self._stay_on_the_form(request, obj)

    def _stay_on_the_form(self, request, brief):
        self.message_user(request, outcome(brief, request.POST["_move"]), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:briefs_brief_change", args=[brief.pk]))

    def get_view_on_site_url(self, obj=None):
        # A brief that is not public has no page yet: its preview shows it as it will look.
        if obj is not None and not obj.is_public:
            return reverse("admin:briefs_brief_preview", args=[obj.pk])
        return super().get_view_on_site_url(obj)

    def _note_editing(self, request, brief):
        """Remember that this person has the brief open to edit; say who else has lately.
        Someone who may only read it is not editing it, and is neither recorded nor named."""
        now = timezone.now()
        if self.has_change_permission(request, brief):
            EditingSession.objects.update_or_create(
                brief=brief, user=request.user, defaults={"opened_at": now}
            )
        return (
            EditingSession.objects.filter(brief=brief, opened_at__gte=now - EDITING_WINDOW)
            .exclude(user=request.user)
            .select_related("user")
            .order_by("-opened_at")
        )

    def get_readonly_fields(self, request, obj=None):
        readonly = ["publication_state"]
        if obj is not None and obj.was_published:
            readonly.append("slug")
        if not can_publish(request.user):
            readonly += ["publish_at", "withdraw_at"]
        return readonly

    def get_prepopulated_fields(self, request, obj=None):
        if obj is not None and obj.was_published:
            return {}
        return {"slug": ("title",)}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in {"publish_at", "withdraw_at"}:
            # One date-time input in the site's zone, named in the label: no split fields and
            # no note about the browser's offset from the server.
            field = forms.DateTimeField(
                required=False,
                label=f"{db_field.verbose_name.capitalize()} ({settings.TIME_ZONE})",
                help_text=db_field.help_text,
                widget=forms.DateTimeInput(
                    attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
                ),
            )
        return field

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and analyst_may_edit(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and analyst_may_edit(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if object_id is None and request.method == "POST":
            earlier = self._brief_of_submission(request)
            if earlier is not None:
                return self._already_saved(request, earlier)
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            # The same form sent twice at once: the first save took its key.
            earlier = self._brief_of_submission(request) if object_id is None else None
            if earlier is None:
                raise
            return self._already_saved(request, earlier)

    def _brief_of_submission(self, request):
        try:
            key = uuid.UUID(request.POST.get("add_form_key", ""))
        except ValueError:
            return None
        return Brief.objects.filter(submission_key=key).first()

    def _already_saved(self, request, brief):
        messages.info(
            request, f"“{brief.title}” was already saved from this form; it was sent twice."
        )
        return HttpResponseRedirect(reverse("admin:briefs_brief_change", args=[brief.pk]))

    def save_model(self, request, obj, form, change):
        """The brief is saved with its inlines in save_related(): one operation."""

    def save_related(self, request, form, formsets, change):
        if not change:
            form.instance.submission_key = form.cleaned_data.get("add_form_key")
        comment = form.cleaned_data["workflow_comment"]
        changes.save_form(request.user, form, formsets, comment=comment)
        forget(request.user, form.instance if change else None)

    def delete_model(self, request, obj):
        changes.delete(obj, request.user)

    def delete_queryset(self, request, queryset):
        with changes.operation(request.user):
            for brief in queryset:
                changes.delete(brief, request.user)

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
class IssueAdmin(StaleSaveAdmin, PublicNeedsAnEditor, admin.ModelAdmin):
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
