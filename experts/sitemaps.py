from django.contrib.sitemaps import Sitemap

from briefs.listings import public_experts
from briefs.sitemaps import SITEMAP_PAGE_SIZE


class ExpertSitemap(Sitemap):
    limit = SITEMAP_PAGE_SIZE

    def items(self):
        return sorted(public_experts(), key=lambda expert: expert.pk)

    def lastmod(self, expert):
        return max(expert.updated_at, expert.latest_quoted_at)
