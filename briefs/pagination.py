import re

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404


class StrictPaginationMixin:
    """`?page=N` with N a page that exists; anything else (0, -1, "last", "x", past the end)
    is a 404, so crawlers and mistyped links never get a page that does not exist."""

    def get_paginator(self, queryset, per_page, **kwargs):
        return Paginator(queryset, per_page, **kwargs)

    def get_paginate_by(self, queryset):
        return settings.BRIEFS_PAGE_SIZE

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        requested = self.request.GET.get("page", "1")
        if not re.fullmatch(r"[0-9]{1,9}", requested):
            raise Http404("No such page.")
        try:
            page = paginator.page(int(requested))
        except InvalidPage as error:
            raise Http404("No such page.") from error
        return paginator, page, page.object_list, page.has_other_pages()
