from django.contrib.sitemaps import Sitemap

from .models import Brief, Issue


class BriefSitemap(Sitemap):
    def items(self):
        return Brief.objects.published().order_by("pk")

    def lastmod(self, brief):
        return max(brief.publish_at, brief.updated_at)


class IssueSitemap(Sitemap):
    def items(self):
        return Issue.objects.public().order_by("pk")

    def lastmod(self, issue):
        return issue.latest_publish_at
