import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.html import escape

from ..models import Brief
from .listings import public_issue
from .structured_data import brief_description

FEED_LENGTH = 30

# Characters XML 1.0 cannot carry: one in a title would make the whole feed an error.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(value):
    """Plain text for an element readers may show as text or as HTML (titles, categories):
    no "<" is left to start a tag, and "&" stays as typed, so "AT&T" reads right in both."""
    return _NOT_XML.sub("", str(value)).replace("<", "&lt;")


def _html(value):
    """Plain text for an item's description, which RSS readers render as HTML."""
    return escape(_NOT_XML.sub("", str(value)))


class PlainTextRssFeed(Rss201rev2Feed):
    """RSS 2.0 whose texts are ours as plain text: a brief's title or summary is shown as
    written and never becomes markup in a reader, whatever an author typed."""

    def __init__(self, title, link, description, **kwargs):
        super().__init__(_text(title), link, _text(description), **kwargs)

    def add_item(self, title, link, description, categories=(), **kwargs):
        categories = [_text(category) for category in categories or ()]
        super().add_item(_text(title), link, _html(description), categories=categories, **kwargs)


class LatestBriefsFeed(Feed):
    """RSS 2.0 of the newest public briefs; the item date is the publication time."""

    description = "The newest briefs, as they are published."
    feed_type = PlainTextRssFeed

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
        return [issue.name for issue in brief.listed_issues]


class IssueBriefsFeed(LatestBriefsFeed):
    def get_object(self, request, slug):
        return public_issue(slug)

    def title(self, issue):
        return f"{settings.SITE_NAME}: {issue.name}"

    def link(self, issue):
        return issue.get_absolute_url()

    def description(self, issue):
        return issue.description or f"The newest briefs on {issue.name}."

    def briefs(self, issue):
        return Brief.objects.published().filed_under_all([issue])
