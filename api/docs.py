"""The API's reference page, /api/v1/docs/: written from the OpenAPI schema on the server,
in the site's own layout. No third-party script, and nothing that can fall out of step with
the schema, which comes from the same views and serializers."""

import functools

from django.conf import settings
from django.views.generic import TemplateView
from drf_spectacular.generators import SchemaGenerator

from briefs.public.views import PageMetaMixin

SECTIONS = [
    ("briefs", "Briefs"),
    ("issues", "Issues"),
    ("experts", "Experts"),
    ("staff", "Writing (staff, with a token)"),
]


def resolve(schema, components):
    while "$ref" in schema:
        schema = components[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def type_of(schema, components):
    schema = resolve(schema, components)
    if "allOf" in schema:
        return type_of(schema["allOf"][0], components)
    kind = schema.get("type", "object")
    if kind == "array":
        return f"list of {type_of(schema.get('items', {}), components)}"
    if schema.get("format") in {"date-time", "uri"}:
        kind = schema["format"]
    return f"{kind} or null" if schema.get("nullable") else kind


def fields(schema, components):
    """(name, type, description) of each property of a response, or of its items when it is a
    page of a list."""
    schema = resolve(schema, components)
    properties = schema.get("properties", {})
    if "results" in properties:
        return fields(properties["results"].get("items", {}), components)
    return [
        (name, type_of(field, components), resolve(field, components).get("description", ""))
        for name, field in properties.items()
    ]


@functools.cache
def reference():
    """The schema's operations by section: what each does, its parameters, what it answers."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    sections = {tag: [] for tag, _ in SECTIONS}
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            answer = next(iter(operation.get("responses", {}).values()), {})
            body = answer.get("content", {}).get("application/json", {}).get("schema", {})
            sections[operation["tags"][0]].append(
                {
                    "method": method.upper(),
                    "path": path,
                    "anchor": operation["operationId"].replace("_", "-"),
                    "description": operation.get("description", ""),
                    "parameters": [
                        {
                            "name": parameter["name"],
                            "where": parameter["in"],
                            "required": parameter.get("required", False),
                            "description": parameter.get("description", ""),
                        }
                        for parameter in operation.get("parameters", [])
                    ],
                    "fields": fields(body, components) if body else [],
                    "needs_token": bool(operation.get("security"))
                    and {} not in operation["security"],
                }
            )
    return [(title, sections[tag]) for tag, title in SECTIONS]


class DocsView(PageMetaMixin, TemplateView):
    template_name = "api/docs.html"

    @staticmethod
    def edge_keys(url_kwargs):
        return []

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            sections=reference(),
            requests_per_minute=settings.BRIEFS_API_REQUESTS_PER_MINUTE,
            **kwargs,
        )

    def get_page_meta(self):
        return {
            "title": "Content API",
            "description": "Briefs, issues and experts as JSON, for partner sites and apps.",
        }
