"""Previews of a brief from the admin, in any state, before (or after) it is public.

- /admin/briefs/brief/<id>/preview/: the brief in the public page's template under a
  "Preview: not public" banner, for staff who may see the brief in the admin.
- POST /admin/briefs/brief/<id>/preview-links/: "Create a preview link", a signed address for
  an outside reviewer without an account (briefs.public.previews), working for a while.
- POST /admin/briefs/brief/<id>/preview-links/<link_id>/revoke/: stops a link at once.

Making and revoking links is for those who may change the brief. The forms and the list of a
brief's links are the "Share a preview" section of its change page
(admin/briefs/brief/_preview_links.html); both actions come back there with a message.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from common.site import absolute

from ..models import Brief, local_time_label
from ..public.previews import duration_label, link_durations, share_preview
from ..public.views import BriefPreviewView


class StaffPreviewView(BriefPreviewView):
    """The preview for staff, with a way back to the brief's form."""

    model_admin = None

    def get_object(self, queryset=None):
        brief = super().get_object(queryset)
        if not self.model_admin.has_view_or_change_permission(self.request, brief):
            raise PermissionDenied
        return brief

    def get_preview(self):
        admin_url = reverse("admin:briefs_brief_change", args=[self.object.pk])
        return {**super().get_preview(), "admin_url": admin_url}


class PreviewLinkForm(forms.Form):
    hours = forms.TypedChoiceField(
        coerce=int,
        required=False,
        empty_value=None,
        choices=lambda: [(hours, duration_label(hours)) for hours in link_durations()],
    )


def preview_urls(model_admin):
    """The previews' URLs, for BriefAdmin.get_urls (they must come before the admin's own)."""
    admin_view = model_admin.admin_site.admin_view

    @require_POST
    def create(request, brief_id):
        return create_preview_link(model_admin, request, brief_id)

    @require_POST
    def revoke(request, brief_id, link_id):
        return revoke_preview_link(model_admin, request, brief_id, link_id)

    return [
        path(
            "<int:pk>/preview/",
            admin_view(StaffPreviewView.as_view(model_admin=model_admin)),
            name="briefs_brief_preview",
        ),
        path(
            "<int:brief_id>/preview-links/",
            admin_view(create),
            name="briefs_brief_preview_links",
        ),
        path(
            "<int:brief_id>/preview-links/<int:link_id>/revoke/",
            admin_view(revoke),
            name="briefs_brief_preview_link_revoke",
        ),
    ]


def create_preview_link(model_admin, request, brief_id):
    brief = _brief_to_change(model_admin, request, brief_id)
    form = PreviewLinkForm(request.POST)
    if not form.is_valid():
        choices = ", ".join(duration_label(hours) for hours in link_durations())
        messages.error(request, f"No link was made: choose how long it works ({choices}).")
        return _back_to(brief)
    link = share_preview(brief, request.user, form.cleaned_data["hours"])
    until = local_time_label(link.expires_at)
    model_admin.log_change(request, brief, f"Shared a preview link, working until {until}.")
    address = absolute(reverse("briefs:preview", args=[link.pk]))
    messages.success(
        request,
        f"A preview link was made. Anyone with it can read the brief until {until}: {address}",
    )
    return _back_to(brief)


def revoke_preview_link(model_admin, request, brief_id, link_id):
    brief = _brief_to_change(model_admin, request, brief_id)
    link = get_object_or_404(brief.preview_links, pk=link_id)
    if not link.is_active:
        messages.info(request, "That preview link had already stopped working.")
        return _back_to(brief)
    link.revoked_at = timezone.now()
    link.save(update_fields=["revoked_at"])
    model_admin.log_change(request, brief, "Revoked a preview link.")
    messages.success(request, "The preview link was revoked: it no longer opens the brief.")
    return _back_to(brief)


def _brief_to_change(model_admin, request, brief_id):
    brief = get_object_or_404(Brief, pk=brief_id)
    if not model_admin.has_change_permission(request, brief):
        raise PermissionDenied
    return brief


def _back_to(brief):
    return HttpResponseRedirect(reverse("admin:briefs_brief_change", args=[brief.pk]))
