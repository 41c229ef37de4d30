"""The live preview beside the brief's form (briefs/static/briefs/live_preview.js).

POST /admin/briefs/brief/<id>/live-preview/ (or add/live-preview/) with the form as it stands
answers with the brief's public page made from what the form holds, saved or not: the form and
its quotes, sections and links are read as a save would read them, and nothing is written.
What does not read yet (a quote without its expert, a field in error) is left out, so the
preview follows the typing.
"""

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils.text import slugify

from ..models import Brief, Issue
from ..public.views import BriefDetailView, BriefPreviewView
from .form_endpoints import form_endpoint_urls

# The form's marker of the revision it was opened at: a preview saves nothing, so checking it
# (under a row lock) would only cost.
NOT_READ = ("edit_base_version",)


class LivePreviewView(BriefPreviewView):
    """The public page of a brief that exists only in a form."""

    unsaved = None

    def post(self, request, *args, **kwargs):
        # The form comes as a POST; the page is shown as a GET of the brief would show it.
        return self.get(request, *args, **kwargs)

    def get_object(self, queryset=None):
        return self.unsaved

    def get_preview(self):
        return {"state": "Unsaved: as the form holds it now", "is_public": False}

    def get_page_meta(self):
        # A new brief has no address yet, and a preview names none.
        return {"title": self.object.title or "A new brief", "type": "article"}

    def get_context_data(self, **kwargs):
        # Other briefs on its issues are the page's, not the text's: left out while typing.
        return super(BriefDetailView, self).get_context_data(
            preview=self.get_preview(), structured_data=None, **kwargs
        )

    def surrogate_keys(self):
        # None: this page is for one person and no cache keeps it.
        return []


def live_preview_urls(model_admin):
    def live_preview(request, brief):
        view = LivePreviewView.as_view(unsaved=unsaved_brief(model_admin, request, brief))
        return view(request)

    return form_endpoint_urls(model_admin, "live-preview", live_preview, for_readers=True)


def unsaved_brief(model_admin, request, brief):
    """The brief as the posted form would save it, in memory only."""
    data = request.POST.copy()
    for name in NOT_READ:
        data.pop(name, None)
    form_class = model_admin.get_form(request, brief, change=brief is not None)
    form = form_class(data, instance=brief or Brief())
    form.is_valid()  # fills the instance with every field that reads
    unsaved = form.instance
    unsaved.render_text()
    parts = {"issues": chosen_issues(form)}
    formsets, _ = model_admin._create_formsets(request, unsaved, change=brief is not None)
    for formset in formsets:
        formset.is_valid()
        parts[formset.prefix] = rows_of(formset)
    unsaved._prefetched_objects_cache = parts
    if unsaved.pk is None:
        # Related managers refuse an instance without a key, even when all they would give is
        # already in hand; 0 is no brief's, and nothing here is read or written by it.
        unsaved.pk = 0
    return unsaved


def rows_of(formset):
    """A formset's rows as they would be saved, in the order their positions give. A row
    without what it cannot be shown without (a quote's expert) is left out until it has it."""
    needed = [
        field.name
        for field in formset.model._meta.concrete_fields
        if field.is_relation and not field.null and field != formset.fk
    ]
    rows = []
    for number, form in enumerate(formset.forms):
        if formset.can_delete and formset._should_delete_form(form):
            continue
        if form.instance.pk is None and not form.has_changed():
            continue
        row = form.instance
        related = [related_or_none(row, name) for name in needed]
        if None in related:
            continue
        for other in related:
            if other.pk is None and not getattr(other, "slug", "x"):
                # A new expert, made when the brief is saved: linked to where it will be.
                other.slug = slugify(other.name) or "new"
        if hasattr(row, "render_text"):
            row.render_text()
        rows.append((row.position or number + 1, number, row))
    return [row for *_, row in sorted(rows, key=lambda item: item[:2])]


def related_or_none(row, name):
    try:
        return getattr(row, name)
    except ObjectDoesNotExist:
        return None


def chosen_issues(form):
    field = form.fields["issues"]
    try:
        chosen = field.clean(form.data.getlist(form.add_prefix("issues")))
    except ValidationError:
        return []
    return [
        issue if isinstance(issue, Issue) else Issue(name=issue, slug=slugify(issue) or "new")
        for issue in chosen
    ]
