"""The subscribe box of the public pages: `{% subscribe_box everything=True %}` on the front
page, `{% subscribe_box issues=brief.issues.all %}` on a brief, `{% subscribe_box issue=issue %}`
and `{% subscribe_box expert=expert %}` on theirs.

Those pages are kept whole in the cache and served to every reader (briefs.public.middleware),
so the box is the same for all: no CSRF token, nothing of the reader, no query (a brief's
issues are those its page has already read). The subscribe view needs no token (its comment
says why)."""

from django import template

from ..forms import bot_fields, frequency_options
from ..models import Subscriber

register = template.Library()


def ticked(items):
    """Choices ticked already, by name, as the site lists a brief's issues everywhere."""
    return [
        {"value": item.slug, "label": item.name, "checked": True}
        for item in sorted(items, key=lambda item: item.name)
    ]


@register.inclusion_tag("subscriptions/_box.html")
def subscribe_box(everything=False, issues=(), issue=None, expert=None):
    chosen_issues = ticked([issue] if issue else issues)
    chosen_experts = ticked([expert] if expert else [])
    if expert:
        heading = f"Follow {expert.name} by email"
    elif issue:
        heading = f"Follow {issue.name} by email"
    elif chosen_issues:
        heading = "Follow these issues by email"
    else:
        heading = "Get our briefs by email"
    return {
        "heading": heading,
        "everything": everything,
        "issues": chosen_issues,
        "experts": chosen_experts,
        "frequencies": frequency_options(Subscriber.Frequency.INSTANT),
        **bot_fields(),
    }
