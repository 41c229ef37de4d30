"""Pages of the API's lists: cursors over a fixed order, so a client walking a list while
briefs are published sees each brief once, and a page costs the same at any depth (no count,
no offset)."""

from rest_framework.pagination import BasePagination, CursorPagination
from rest_framework.response import Response

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class NewestFirstCursorPagination(CursorPagination):
    """Briefs newest first: by publication time, then id, the order of the public pages."""

    ordering = ("-publish_at", "-pk")
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    cursor_query_description = "The page to read: the `next` or `previous` link of a page."
    page_size_query_description = (
        f"Briefs on a page, {PAGE_SIZE} unless given, at most {MAX_PAGE_SIZE}."
    )


class NewestQuoteFirstCursorPagination(NewestFirstCursorPagination):
    """An expert's quotes, newest brief first, then in the brief's order."""

    ordering = ("-published", "-brief_id", "position")
    page_size_query_description = (
        f"Quotes on a page, {PAGE_SIZE} unless given, at most {MAX_PAGE_SIZE}."
    )


class WholeList(BasePagination):
    """Lists short enough to give whole (issues, experts), in the same envelope as the paged
    ones, so a client reads every list the same way."""

    def paginate_queryset(self, queryset, request, view=None):
        return list(queryset)

    def get_paginated_response(self, data):
        return Response({"next": None, "previous": None, "results": data})

    def get_paginated_response_schema(self, schema):
        return {
            "type": "object",
            "required": ["results"],
            "properties": {
                "next": {"type": "string", "nullable": True, "format": "uri"},
                "previous": {"type": "string", "nullable": True, "format": "uri"},
                "results": schema,
            },
        }
