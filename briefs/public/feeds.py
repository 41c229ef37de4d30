import io
import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.html import escape

from ..models import Brief
from .cards import kept_fragments
from .freshness import recent_entries
from .listings import newest_filed_under, newest_public_ids, public_issue
from .structured_data import brief_description

FEED_LENGTH = 30

_items_in_process = recent_entries(size=1000)

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

    def write(self, outfile, encoding):
        # Into a buffer, then once into the response: written straight to it, each element
        # and each run of text was a write of its own, most of the feed's time.
        buffer = io.StringIO()
        super().write(buffer, encoding)
        outfile.write(buffer.getvalue())


def feed_items(ids):
    """What a feed says of each of the public briefs with these ids, in their order: kept per
    brief like cards (briefs.public.cards), so a feed reads no brief once its items are
    known, and after a save makes again the items of the briefs it changed alone."""

    def compute(missing):
        briefs = Brief.objects.published().filter(pk__in=missing)
        return {
            brief.pk: {
                "title": brief.title,
                "link": brief.get_absolute_url(),
                "description": brief_description(brief),
                "pubdate": brief.publish_at,
                "updateddate": max(brief.publish_at, brief.updated_at),
                "categories": [issue.name for issue in brief.listed_issues],
            }
            for brief in briefs.for_listing()
        }

    return kept_fragments("feed-item", ids, compute, in_process=_items_in_process)


class LatestBriefsFeed(Feed):
    """RSS 2.0 of the newest public briefs; the item date is the publication time."""

    description = "The newest briefs, as they are published."
    feed_type = PlainTextRssFeed

    def title(self, obj=None):
        return f"{settings.SITE_NAME}: latest briefs"

    def link(self, obj=None):
        return reverse("briefs:list")

    def item_ids(self, obj):
        """The ids of the feed's briefs, newest first."""
        return newest_public_ids(FEED_LENGTH)

    def items(self, obj=None):
        return feed_items(self.item_ids(obj))

    def item_title(self, item):
        return item["title"]

    def item_link(self, item):
        return item["link"]

    def item_description(self, item):
        return item["description"]

    def item_pubdate(self, item):
        return item["pubdate"]

    def item_updateddate(self, item):
        return item["updateddate"]

    def item_categories(self, item):
        return item["categories"]


class IssueBriefsFeed(LatestBriefsFeed):
    def get_object(self, request, slug):
        return public_issue(slug)

    def title(self, issue):
        return f"{settings.SITE_NAME}: {issue.name}"

    def link(self, issue):
        return issue.get_absolute_url()

    def description(self, issue):
        return issue.description or f"The newest briefs on {issue.name}."

    def item_ids(self, issue):
        return newest_filed_under(issue, FEED_LENGTH)
