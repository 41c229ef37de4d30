"""Pages of the API's lists: cursors over a fixed order (keyset pagination), so a client
walking a list while briefs are published sees each brief once, and a page costs the same at
any depth: no count, no offset.

A cursor holds the sort values of the row it follows, every one of them down to the id, so
briefs sharing a publication time (a morning's scheduled briefs) are told apart without an
offset (DRF's CursorPagination keys on the first field alone and falls back to offsets on
ties).
"""

import base64
import binascii
import json
from datetime import datetime
from functools import reduce
from operator import and_, or_

from django.db.models import Q
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
INVALID_CURSOR = "This cursor is not one of ours: start again from the list's first page."


def page_envelope(results_schema):
    return {
        "type": "object",
        "required": ["results"],
        "properties": {
            "next": {"type": "string", "nullable": True, "format": "uri"},
            "previous": {"type": "string", "nullable": True, "format": "uri"},
            "results": results_schema,
        },
    }


class KeysetPagination(BasePagination):
    """Pages in the order of `ordering` (field names, "-" for descending), whose last field
    is unique; `?cursor=` from a page's `next` or `previous` link, `?page_size=`."""

    ordering = ("-publish_at", "-pk")
    cursor_query_param = "cursor"
    cursor_query_description = "The page to read: the `next` or `previous` link of a page."
    page_size_query_param = "page_size"
    page_size_query_description = (
        f"Rows on a page, {PAGE_SIZE} unless given, at most {MAX_PAGE_SIZE}."
    )

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.requested_page_size(request)
        values, backwards = self.decode(request.query_params.get(self.cursor_query_param))
        order = [self.reversed(field) if backwards else field for field in self.ordering]
        if values is not None:
            queryset = queryset.filter(self.after(order, values))
        rows = list(queryset.order_by(*order)[: self.page_size + 1])
        more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if backwards:
            rows.reverse()
            self.has_next, self.has_previous = values is not None, more
        else:
            self.has_next, self.has_previous = more, values is not None
        self.rows = rows
        return rows

    def requested_page_size(self, request):
        asked = request.query_params.get(self.page_size_query_param, "")
        if asked.isdigit() and int(asked) > 0:
            return min(int(asked), MAX_PAGE_SIZE)
        return PAGE_SIZE

    @staticmethod
    def reversed(field):
        return field[1:] if field.startswith("-") else f"-{field}"

    @staticmethod
    def after(order, values):
        """Rows after `values` in `order`: lexicographically, the first field bounding the
        index scan (so a deep page reads only its own rows)."""
        names = [field.lstrip("-") for field in order]
        steps = [
            Q(**{f"{names[k]}__{'lt' if order[k].startswith('-') else 'gt'}": values[k]})
            & reduce(and_, (Q(**{names[j]: values[j]}) for j in range(k)), Q())
            for k in range(len(order))
        ]
        bound = Q(**{f"{names[0]}__{'lte' if order[0].startswith('-') else 'gte'}": values[0]})
        return bound & reduce(or_, steps)

    def values_of(self, row):
        names = [field.lstrip("-") for field in self.ordering]
        if isinstance(row, dict):
            return [row[name] for name in names]
        return [getattr(row, name) for name in names]

    def encode(self, row, backwards):
        values = [v.isoformat() if isinstance(v, datetime) else v for v in self.values_of(row)]
        text = json.dumps({"v": values, "b": backwards}, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    def decode(self, cursor):
        """(sort values, backwards) of a cursor; (None, False) for the first page."""
        if not cursor:
            return None, False
        try:
            data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            values = [datetime.fromisoformat(v) if isinstance(v, str) else v for v in data["v"]]
            if len(values) != len(self.ordering) or not all(
                isinstance(v, datetime | int) and not isinstance(v, bool) for v in values
            ):
                raise ValueError
            return values, bool(data["b"])
        except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
            raise NotFound(INVALID_CURSOR) from None

    def link(self, row, backwards):
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.cursor_query_param, self.encode(row, backwards))

    def get_next_link(self):
        return self.link(self.rows[-1], False) if self.has_next and self.rows else None

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if not self.rows:
            return remove_query_param(self.request.build_absolute_uri(), self.cursor_query_param)
        return self.link(self.rows[0], True)

    def get_paginated_response(self, data):
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema):
        return page_envelope(schema)

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": self.cursor_query_description,
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": self.page_size_query_description,
                "schema": {"type": "integer"},
            },
        ]


class NewestQuoteFirst(KeysetPagination):
    """An expert's quotes: newest brief first, then in the brief's order."""

    ordering = ("-published", "-brief_id", "position", "pk")


class WholeList(BasePagination):
    """Lists short enough to give whole (issues, experts), in the same envelope as the paged
    ones, so a client reads every list the same way."""

    def paginate_queryset(self, queryset, request, view=None):
        return list(queryset)

    def get_paginated_response(self, data):
        return Response({"next": None, "previous": None, "results": data})

    def get_paginated_response_schema(self, schema):
        return page_envelope(schema)
