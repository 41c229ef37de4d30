from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse

from .models import Brief, Issue
from .structured_data import brief_description

FEED_LENGTH = 30


class LatestBriefsFeed(Feed):
    """RSS 2.0 of the newest public briefs; the item date is the publication time."""

    description = "The newest briefs, as they are published."

    def title(self, obj=None):
        return f"{settings.SITE_NAME}: latest briefs"

    def link(self, obj=None):
        return reverse("briefs:list")

    def briefs(self, obj):
        return Brief.objects.published()

    def items(self, obj=None):
        return self.briefs(obj).for_listing().newest_first()[:FEED_LENGTH]

    def item_title(self, brief):
        return brief.title

    def item_description(self, brief):
        return brief_description(brief)

    def item_pubdate(self, brief):
        return brief.publish_at

    def item_updateddate(self, brief):
        return max(brief.publish_at, brief.updated_at)

    def item_categories(self, brief):
        return [issue.name for issue in brief.issues.all()]


class IssueBriefsFeed(LatestBriefsFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Issue.objects.public(), slug=slug)

    def title(self, issue):
        return f"{settings.SITE_NAME}: {issue.name}"

    def link(self, issue):
        return issue.get_absolute_url()

    def description(self, issue):
        return issue.description or f"The newest briefs on {issue.name}."

    def briefs(self, issue):
        return Brief.objects.published().filter(issues=issue)
