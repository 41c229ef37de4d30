"""API tokens in the admin: each person makes, sees and revokes their own; the token is shown
once, on the page that made it."""

from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "shown_start", "created_at", "last_used_at", "state"]
    fields = ["name", "shown_start", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["shown_start", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(user=request.user)

    # Anyone on the staff may have tokens: each acts with its owner's own permissions.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request) and (obj is None or not obj.is_revoked)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return self.readonly_fields

    def get_fields(self, request, obj=None):
        return ["name"] if obj is None else self.fields

    @admin.display(description="state")
    def state(self, token):
        return "revoked" if token.is_revoked else "in use"

    def save_model(self, request, obj, form, change):
        if not change:
            obj.user = request.user
            self._made = obj.issue()
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        """The token's one showing: the page that made it, never a redirect or a message
        (both would keep it somewhere: a cookie, the session)."""
        context = {
            **self.admin_site.each_context(request),
            "title": "Your new API token",
            "token": self._made,
            "api_token": obj,
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "admin/api/apitoken/made.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(
            request,
            f"Revoked {count} token{'s' if count != 1 else ''}: they no longer work.",
            messages.SUCCESS,
        )
