from django.contrib.sitemaps import Sitemap

from .models import Expert


class ExpertSitemap(Sitemap):
    def items(self):
        return Expert.objects.public().order_by("pk")

    def lastmod(self, expert):
        return max(expert.updated_at, expert.latest_quoted_at)
