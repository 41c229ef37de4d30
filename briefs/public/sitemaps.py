"""The sitemap: an index of its sections' pages (briefs, issues, experts), each page kept per
content version. The briefs' section is the large one: its count and where each of its pages
starts are kept per lists token, so an edit costs one page's rows again, and its pages are
written straight out, 2,000 URLs without a template node each."""

from functools import wraps
from xml.sax.saxutils import escape

from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps.views import sitemap, x_robots_tag
from django.contrib.sites.shortcuts import get_current_site
from django.core.paginator import InvalidPage, Paginator
from django.db.models import BigIntegerField, Func
from django.db.models.functions import Greatest, TruncDate
from django.http import Http404, HttpResponse
from django.template.response import SimpleTemplateResponse
from django.utils.http import http_date
from django.utils.timezone import get_current_timezone

from common.slugs import slug_urls

from ..models import Brief
from .freshness import recent_entries, remember, remember_each
from .listings import (
    public_brief_count,
    public_experts,
    public_issues,
    read_from_nearer_end,
)

# URLs per sitemap page: the protocol allows 50,000, WordPress's own sitemaps hold 2,000. An
# edit makes its page again, and crawlers fetch that page again, whole: the smaller the page,
# the less either costs. A page of 5,000 URLs (650 KB) took about 50 ms to make again after a
# change to the lists at a million briefs, and kept, it was sent only 1.35 times as often as
# the bare floor's listing of 19 KB.
SITEMAP_PAGE_SIZE = 2_000

# A page of 2,000 URLs is about 260 KB: a process keeps the few it served last, the shared
# cache the others.
_pages_in_process = recent_entries(size=8)


def kept_per_version(view):
    """A sitemap view whose pages are made once per content version (briefs.public.freshness):
    a page lists thousands of URLs, each with its date, which no request should walk again
    while the content stands. The request's absolute address is the page's name (the public
    pages' middleware has already given it the site's own host and only the `p` parameter)."""

    @wraps(view)
    def kept_view(request, *args, **kwargs):
        name = f"sitemap:{request.build_absolute_uri()}"

        def render(missing):
            response = view(request, *args, **kwargs)
            if isinstance(response, SimpleTemplateResponse):
                response.render()
            return {name: (response.content, dict(response.items()))}

        content, headers = remember_each([name], render, in_process=_pages_in_process)[name]
        response = HttpResponse(content)
        for header, value in headers.items():
            response[header] = value
        return response

    return kept_view


class KeptPagesPaginator(Paginator):
    """Pages of the public briefs, oldest first, so that new briefs join the last page. Their
    count is the lists' (listings.public_brief_count(), worked out by the change itself), and
    where each page starts, its first brief's publication time and id, is kept per lists token:
    a page reads its own rows from there along the index of the public order, at any depth.
    After a change to the lists a page finds its own start alone, from the nearer end of the
    list; finding every page's start walked all 95,000 public ids of 100,000 briefs, for the
    index as for each page (60 ms)."""

    def __init__(self, briefs, per_page):
        super().__init__(briefs, per_page)
        self.count = public_brief_count()

    def page(self, number):
        number = self.validate_number(number)
        start_at, start_pk = remember(
            f"sitemap-page-start:{self.per_page}:{number}",
            lambda: self.find_start(number),
            lists=True,
        )
        rows = self.object_list.filter(publish_at__gte=start_at).exclude(
            publish_at=start_at, pk__lt=start_pk
        )
        return self._get_page(rows[: self.per_page], number, self)

    def find_start(self, number):
        newest_first_position = self.count - 1 - (number - 1) * self.per_page
        public = self.object_list.values_list("publish_at", "pk")
        return read_from_nearer_end(
            public, self.count, newest_first_position, newest_first_position + 1
        )[0]


class BriefSitemap(Sitemap):
    limit = SITEMAP_PAGE_SIZE

    def items(self):
        return Brief.objects.published().oldest_first()

    @property
    def paginator(self):
        return KeptPagesPaginator(self.items(), self.limit)

    def get_latest_lastmod(self):
        # For the index: the newest of each date, each read backwards along its own index.
        public = Brief.objects.published()
        latest = [
            public.order_by(f"-{date}").values_list(date, flat=True).first()
            for date in ("publish_at", "updated_at")
        ]
        return max(filter(None, latest), default=None)


class EpochSeconds(Func):
    """Whole seconds since 1970 of a time with its zone, as an integer: the driver reads an
    integer at once, where Django reads each such time in Python (5,000 of them took 35 ms)."""

    output_field = BigIntegerField()
    template = "CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS bigint)"

    def as_sqlite(self, compiler, connection, **extra_context):
        # '%%%%s': a literal '%s' once this template and then the query's parameters are filled.
        template = "CAST(strftime('%%%%s', %(expressions)s) AS integer)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


URLSET_START = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    'xmlns:xhtml="http://www.w3.org/1999/xhtml">'
)


def sitemap_section(request, sitemaps, section):
    """A page of a section of the sitemap: the briefs' written by briefs_sitemap(), the
    others by Django's view."""
    if section == "briefs":
        return briefs_sitemap(request)
    return sitemap(request, sitemaps, section)


@x_robots_tag
def briefs_sitemap(request):
    """A page (`?p=N`) of the briefs' section, as django.contrib.sitemaps.views.sitemap makes
    it (each brief's address and the date, in the site's time zone, it last changed; the
    latest of them as Last-Modified), written straight out: through the template, a page of
    5,000 URLs took 300 ms to render."""
    sitemap = BriefSitemap()
    try:
        page = sitemap.paginator.page(request.GET.get("p", 1))
    except InvalidPage as error:
        raise Http404("No such sitemap page.") from error
    site = escape(f"{request.scheme}://{get_current_site(request).domain}")
    address = slug_urls("briefs:detail")
    lastmod = Greatest("publish_at", "updated_at")
    rows = page.object_list.annotate(
        day=TruncDate(lastmod, tzinfo=get_current_timezone()), seconds=EpochSeconds(lastmod)
    ).values_list("slug", "day", "seconds")
    parts, latest = [URLSET_START], None
    for slug, day, seconds in rows:
        latest = seconds if latest is None else max(latest, seconds)
        parts.append(
            f"<url><loc>{site}{escape(address(slug))}</loc>"
            f"<lastmod>{day.isoformat()}</lastmod></url>"
        )
    parts.append("</urlset>\n")
    response = HttpResponse("".join(parts), content_type="application/xml")
    if latest is not None:
        response["Last-Modified"] = http_date(latest)
    return response


class IssueSitemap(Sitemap):
    limit = SITEMAP_PAGE_SIZE

    def items(self):
        return sorted(public_issues(), key=lambda issue: issue.pk)

    def lastmod(self, issue):
        return issue.latest_publish_at


class ExpertSitemap(Sitemap):
    limit = SITEMAP_PAGE_SIZE

    def items(self):
        return sorted(public_experts(), key=lambda expert: expert.pk)

    def lastmod(self, expert):
        return max(expert.updated_at, expert.latest_quoted_at)
