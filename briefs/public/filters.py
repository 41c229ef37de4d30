"""How many values a reader's filters take from the URL: `issue=` on /briefs/ and /search/,
and the search's query, expert, format and year, and the page that refuses more.

Every value costs: an issue is one more join to match (94 of them took 3.5 s a request), and
the search copies every value into each of its facet links. So a URL holding more values
than its page takes is refused with a 400 and a page saying what to change. Not a 404, as for
a page or issue that does not exist: the briefs asked for may well exist, and "nothing at
this address" would send the reader looking for a typo instead of a filter to remove.
"""

from django.template.response import TemplateResponse

from .structured_data import default_meta

# More issues than this at once is no reader's filter: no brief is filed under so many.
MAX_ISSUES = 5
NOUNS = {
    "issue": ("issue", "issues"),
    "q": ("search", "searches"),
    "expert": ("expert", "experts"),
    "format": ("format", "formats"),
    "year": ("year", "years"),
}


class TooManyFilters(Exception):
    """A URL with more values of one filter than its page takes."""

    def __init__(self, name, count, limit):
        singular, plural = NOUNS[name]
        self.message = (
            f"This address asks for {count} {plural} at once; "
            f"choose at most {limit} {singular if limit == 1 else plural}."
        )
        super().__init__(self.message)


def filter_values(params, name, limit):
    """The values of `name` in the query, each once, in order: TooManyFilters when there are
    more than `limit`, counting repeats (each one is work, and would be copied into links)."""
    values = params.getlist(name)
    if len(values) > limit:
        raise TooManyFilters(name, len(values), limit)
    return list(dict.fromkeys(values))


def filter_value(params, name):
    """The one value of `name` in the query, or None: the search's query, expert, format and
    year each take one, and the links the site makes never give more."""
    values = filter_values(params, name, 1)
    return values[0] if values else None


class FilterLimitMixin:
    """For list views that read filters with filter_values(): TooManyFilters is answered with
    the page saying which filter has too many values, and where to start again."""

    def get(self, request, *args, **kwargs):
        try:
            return super().get(request, *args, **kwargs)
        except TooManyFilters as refusal:
            meta = {**default_meta(), "title": "Too many filters"}
            context = {"meta": meta, "problem": refusal.message, "start_again": request.path}
            return TemplateResponse(request, "briefs/too_many_filters.html", context, status=400)
