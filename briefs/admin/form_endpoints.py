"""POST endpoints of the brief's form, for a brief and for a new brief's form: the autosave
(autosave.py) and the live preview (live_preview.py) are each one of these."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404
from django.urls import path

from ..models import Brief


def form_endpoint_urls(model_admin, suffix, handle, *, for_readers=False):
    """URLs `<id>/<suffix>/` and `add/<suffix>/`, named `briefs_brief_[add_]<suffix>`, that
    call `handle(request, brief)` (None for a new brief) for a POST by someone who may add
    briefs, or change this one (or, `for_readers`, see it)."""

    def endpoint(request, brief_id=None):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        brief = get_object_or_404(Brief, pk=brief_id) if brief_id else None
        if brief is None:
            allowed = model_admin.has_add_permission(request)
        elif for_readers:
            allowed = model_admin.has_view_or_change_permission(request, brief)
        else:
            allowed = model_admin.has_change_permission(request, brief)
        if not allowed:
            raise PermissionDenied
        return handle(request, brief)

    wrap = model_admin.admin_site.admin_view
    name = suffix.replace("-", "_")
    return [
        path(f"<int:brief_id>/{suffix}/", wrap(endpoint), name=f"briefs_brief_{name}"),
        path(f"add/{suffix}/", wrap(endpoint), name=f"briefs_brief_add_{name}"),
    ]
