import re

from django.conf import settings
from django.core.paginator import InvalidPage, Paginator
from django.http import Http404

from .cards import cards
from .listings import newest_first_page


class StrictPaginationMixin:
    """`?page=N` with N a page that exists; anything else (0, -1, "last", "x", past the end)
    is a 404, so crawlers and mistyped links never get a page that does not exist."""

    def get_paginator(self, queryset, per_page, **kwargs):
        return Paginator(queryset, per_page, **kwargs)

    def get_paginate_by(self, queryset):
        return settings.BRIEFS_PAGE_SIZE

    def requested_page(self):
        requested = self.request.GET.get("page", "1")
        if not re.fullmatch(r"[0-9]{1,9}", requested):
            raise Http404("No such page.")
        return int(requested)

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        try:
            page = paginator.page(self.requested_page())
        except InvalidPage as error:
            raise Http404("No such page.") from error
        return paginator, page, page.object_list, page.has_other_pages()


class NewestFirstPaginator(Paginator):
    """Pages of a newest-first list of public briefs, each the ids of its briefs, with the
    count and each page's ids worked out once per content version (briefs.public.listings):
    no count, no offset, and no filter of the list's own per request. The page's cards are
    read by those ids (briefs.public.cards)."""

    def __init__(self, briefs, per_page, list_name, number, count=None, all_ids=None):
        super().__init__(briefs, per_page)
        self.count, self.page_ids = newest_first_page(
            list_name, briefs, per_page, number, count, all_ids
        )

    def page(self, number):
        number = self.validate_number(number)
        return self._get_page(self.page_ids or [], number, self)


class NewestFirstPaginationMixin(StrictPaginationMixin):
    """For views listing public briefs newest first; `list_name()` names the list (the same
    name for the same briefs). The page's briefs are given as `cards`, their HTML."""

    def list_name(self):
        raise NotImplementedError

    def list_count(self):
        """How many briefs the list holds, where the view knows it without counting."""
        return None

    def list_ids(self):
        """Every id of the list, newest first, where the view reads them faster than by
        walking its briefs (None: walk them). Asked only when the count is not known."""
        return None

    def get_paginator(self, queryset, per_page, **kwargs):
        return NewestFirstPaginator(
            queryset,
            per_page,
            self.list_name(),
            self.requested_page(),
            self.list_count(),
            self.list_ids,
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["cards"] = cards(context["page_obj"].object_list)
        return context
