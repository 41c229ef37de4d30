from functools import wraps

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.http import HttpResponse

from ..models import Brief
from .freshness import recent_entries, remember_each
from .listings import public_experts, public_issues

# URLs per sitemap page: the protocol allows 50,000; smaller pages are quick to make and fetch.
SITEMAP_PAGE_SIZE = 5_000

# A page of 5,000 URLs is about 650 KB: a process keeps the few it served last, the shared
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
            response.render()
            return {name: (response.content, dict(response.items()))}

        content, headers = remember_each([name], render, in_process=_pages_in_process)[name]
        response = HttpResponse(content)
        for header, value in headers.items():
            response[header] = value
        return response

    return kept_view


class BriefSitemap(Sitemap):
    limit = SITEMAP_PAGE_SIZE

    def items(self):
        return Brief.objects.published().only("slug", "publish_at", "updated_at").order_by("pk")

    def lastmod(self, brief):
        return max(brief.publish_at, brief.updated_at)

    def get_latest_lastmod(self):
        # For the index: asked of the database, not by walking every public brief.
        latest = self.items().aggregate(published=Max("publish_at"), updated=Max("updated_at"))
        return max(filter(None, latest.values()), default=None)


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
