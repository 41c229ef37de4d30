import json

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from briefs.public.middleware import READ_PARAMETERS
from briefs.public.structured_data import brief_description

register = template.Library()

# The query parameters public pages read: everything else (tracking tags, typos) is left out
# of canonical and pagination links. (On a public page the middleware has already taken the
# others out of the request; a preview's page is not public, and is cleaned here.)
PUBLIC_PARAMETERS = frozenset(name for names in READ_PARAMETERS.values() for name in names)

# As django.utils.html.json_script: the JSON can never close the <script> element.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def _query(request, **changes):
    query = request.GET.copy()
    for name in list(query):
        if name not in PUBLIC_PARAMETERS:
            del query[name]
    for name, value in changes.items():
        query.pop(name, None)
        if value is not None:
            query[name] = value
    if query.get("page") == "1":
        del query["page"]
    encoded = query.urlencode()
    return f"?{encoded}" if encoded else ""


@register.filter
def initials(name):
    """An expert's initials, for the placeholder shown where they have no photo: the first
    letters of their first and last names ("Ada Lane Reyes": "AR")."""
    words = [word for word in name.split() if word[:1].isalpha()]
    if not words:
        return ""
    return (words[0][0] + (words[-1][0] if len(words) > 1 else "")).upper()


@register.filter
def teaser(brief):
    """What a card says of a brief: its summary, or else the opening of Latest Developments,
    cut at a word."""
    return brief_description(brief)


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """This list's address at page `number`, keeping its filters."""
    request = context["request"]
    return f"{request.path}{_query(request, page=str(number))}"


@register.simple_tag(takes_context=True)
def canonical_url(context):
    request = context["request"]
    return request.build_absolute_uri(f"{request.path}{_query(request)}")


@register.filter
def ld_json(data):
    """Structured data as a JSON-LD script element."""
    text = json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))
