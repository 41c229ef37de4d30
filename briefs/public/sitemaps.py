from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from ..models import Brief
from .listings import public_experts, public_issues

# URLs per sitemap page: the protocol allows 50,000; smaller pages are quick to make and fetch.
SITEMAP_PAGE_SIZE = 5_000


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
