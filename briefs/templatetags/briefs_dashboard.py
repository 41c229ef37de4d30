"""The dashboard on the admin's home page: `{% brief_dashboard %}` in templates/admin/index.html
(what it shows: briefs.admin.dashboard)."""

from django import template

from ..admin.dashboard import dashboard_for

register = template.Library()


@register.inclusion_tag("admin/briefs/_dashboard.html", takes_context=True)
def brief_dashboard(context):
    return {"modules": dashboard_for(context["request"].user)}
