"""A brief's revisions in the admin: the list, a comparison of any two, and restoring one.

/admin/briefs/brief/<id>/revisions/ lists every save with who made it and its note; choosing
two shows what changed between them part by part (quotes, links and issues included). Restoring
an older revision shows what it would change, and on confirmation saves that content as a new
revision: the revisions in between are kept.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from ..editorial.changes import restore_revision
from ..editorial.revisions import changes_on_restore, compare
from ..models import Brief


def revision_urls(model_admin):
    """The pages' URLs, for BriefAdmin.get_urls (they must come before the admin's own)."""

    def wrap(view, name, route):
        def admin_view(request, **kwargs):
            return view(model_admin, request, **kwargs)

        return path(route, model_admin.admin_site.admin_view(admin_view), name=name)

    return [
        wrap(revision_list_view, "briefs_brief_revisions", "<int:brief_id>/revisions/"),
        wrap(
            revision_compare_view,
            "briefs_brief_revision_compare",
            "<int:brief_id>/revisions/compare/",
        ),
        wrap(
            revision_restore_view,
            "briefs_brief_revision_restore",
            "<int:brief_id>/revisions/<int:number>/restore/",
        ),
    ]


def _brief_for(model_admin, request, brief_id):
    brief = get_object_or_404(Brief, pk=brief_id)
    if not model_admin.has_view_or_change_permission(request, brief):
        raise PermissionDenied
    return brief


def _context(model_admin, request, brief, title, **extra):
    return {
        **model_admin.admin_site.each_context(request),
        "opts": Brief._meta,
        "original": brief,
        "title": title,
        "may_restore": model_admin.has_change_permission(request, brief),
        "time_zone": settings.TIME_ZONE,
        **extra,
    }


def _revisions_url(brief):
    return reverse("admin:briefs_brief_revisions", args=[brief.pk])


def revision_list_view(model_admin, request, brief_id):
    brief = _brief_for(model_admin, request, brief_id)
    revisions = list(brief.revisions.select_related("user").defer("document"))
    context = _context(
        model_admin,
        request,
        brief,
        f"Revisions of “{brief.title}”",
        revisions=revisions,
        latest=revisions[0].number if revisions else None,
    )
    return TemplateResponse(request, "admin/briefs/brief/revisions.html", context)


def _chosen_number(request, key):
    value = request.GET.get(key, "")
    # No brief has a billion revisions; a longer number would overflow the database's integer.
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 9 else None


def revision_compare_view(model_admin, request, brief_id):
    brief = _brief_for(model_admin, request, brief_id)
    numbers = [_chosen_number(request, "from"), _chosen_number(request, "to")]
    found = {
        revision.number: revision
        for revision in brief.revisions.select_related("user").filter(number__in=numbers)
    }
    if None in numbers or len(found) < len(set(numbers)):
        messages.error(
            request,
            "Choose two of the revisions listed to compare them (one in each column).",
        )
        return HttpResponseRedirect(_revisions_url(brief))
    if len(found) == 1:
        messages.error(request, "Choose two different revisions to compare them.")
        return HttpResponseRedirect(_revisions_url(brief))
    older, newer = sorted(found.values(), key=lambda revision: revision.number)
    context = _context(
        model_admin,
        request,
        brief,
        f"Revision {older.number} → {newer.number} of “{brief.title}”",
        older=older,
        newer=newer,
        changes=compare(older.document, newer.document),
    )
    return TemplateResponse(request, "admin/briefs/brief/revision_compare.html", context)


def revision_restore_view(model_admin, request, brief_id, number):
    brief = _brief_for(model_admin, request, brief_id)
    if not model_admin.has_change_permission(request, brief):
        raise PermissionDenied
    revision = brief.revisions.filter(number=number).select_related("user").first()
    if revision is None:
        raise Http404("No such revision.")
    if request.method == "POST":
        restored = restore_revision(revision, request.user)
        model_admin.log_change(request, brief, f"Restored revision {revision.number}.")
        messages.success(
            request,
            f"Revision {revision.number} was restored as revision {restored.number}. The "
            "revisions in between are kept.",
        )
        return HttpResponseRedirect(reverse("admin:briefs_brief_change", args=[brief.pk]))
    context = _context(
        model_admin,
        request,
        brief,
        f"Restore revision {revision.number} of “{brief.title}”?",
        revision=revision,
        changes=changes_on_restore(revision),
    )
    return TemplateResponse(request, "admin/briefs/brief/revision_restore.html", context)
