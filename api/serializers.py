"""What the content API says about briefs, issues and experts.

A brief is a brief document (the product doc's "Brief documents", the shape of import, export
and backup), plus what a reader of the API needs beside it: the public address (`url`), the
API's own (`api_url`), when it last changed, the lead image, and each part's HTML as the site
renders it. The added keys are read-only: a document sent back to the write API may keep them,
and they are set aside (api.writing).

Serializers of fields named one by one, not ModelSerializers: the shapes are a published
contract, and a list page serializes twenty briefs per request.
"""

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from briefs.editorial.document import brief_to_document
from common.site import absolute
from common.slugs import slug_url


def local_iso(moment):
    """A time in the site's time zone, as the brief documents give it."""
    return timezone.localtime(moment).isoformat() if moment else None


def api_url(name, slug):
    return absolute(slug_url(f"api:{name}", slug))


class LocalDateTimeField(serializers.Field):
    def to_representation(self, value):
        return local_iso(value)


extend_schema_field({"type": "string", "format": "date-time", "nullable": True})(LocalDateTimeField)


class LeadImageSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="The largest rendition, JPEG.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    alt = serializers.CharField()
    caption = serializers.CharField()
    credit = serializers.CharField()


def lead_image(brief):
    picture = brief.lead_picture
    if picture is None:
        return None
    largest = brief.lead_image_renditions["sizes"][-1]
    return {
        "url": absolute(picture["largest"]),
        "width": largest["width"],
        "height": largest["height"],
        "alt": brief.lead_image_alt,
        "caption": brief.lead_image_caption,
        "credit": brief.lead_image_credit,
    }


class BriefSummarySerializer(serializers.Serializer):
    """A brief in a list: the document's short fields, without its parts."""

    title = serializers.CharField()
    slug = serializers.SlugField(help_text="The brief's name in its addresses; never changes.")
    format = serializers.CharField(source="format.name", help_text="Flash Brief, Analysis...")
    status = serializers.CharField(help_text="Always `published` here.")
    publish_at = LocalDateTimeField(help_text="When it became public.")
    updated_at = LocalDateTimeField(help_text="When what it says last changed.")
    summary = serializers.CharField(help_text="One paragraph; may be empty.")
    issues = serializers.SerializerMethodField(help_text="The issues it is filed under, by name.")
    url = serializers.SerializerMethodField(help_text="Its page on the site.")
    api_url = serializers.SerializerMethodField(help_text="The whole brief, from this API.")

    def get_issues(self, brief) -> list[str]:
        return [issue.name for issue in sorted(brief.listed_issues)]

    def get_url(self, brief) -> str:
        return absolute(brief.get_absolute_url())

    def get_api_url(self, brief) -> str:
        return api_url("brief", brief.slug)


class QuoteSerializer(serializers.Serializer):
    expert = serializers.CharField(help_text="The expert's name.")
    expert_title = serializers.CharField(help_text="The expert's title when quoted.")
    text = serializers.CharField(help_text="Markdown.")
    text_html = serializers.CharField()
    expert_url = serializers.URLField()
    expert_api_url = serializers.URLField()


class SectionSerializer(serializers.Serializer):
    heading = serializers.CharField()
    body = serializers.CharField(help_text="Markdown.")
    body_html = serializers.CharField()


class RelatedLinkSerializer(serializers.Serializer):
    title = serializers.CharField()
    byline = serializers.CharField()
    url = serializers.CharField(required=False, help_text="An outside address.")
    brief = serializers.SlugField(required=False, help_text="The slug of one of our briefs.")
    href = serializers.URLField(help_text="Where the link goes, absolute.")


class BriefSerializer(serializers.Serializer):
    """One brief: its document, with each part's HTML and the addresses around it. Related
    links to briefs that are not public are left out, as on the page."""

    title = serializers.CharField()
    slug = serializers.SlugField()
    format = serializers.CharField()
    status = serializers.CharField()
    publish_at = serializers.DateTimeField()
    withdraw_at = serializers.DateTimeField(required=False)
    updated_at = serializers.DateTimeField()
    summary = serializers.CharField()
    latest_developments = serializers.CharField(help_text="Markdown.")
    latest_developments_html = serializers.CharField()
    quotes = QuoteSerializer(many=True)
    sections = SectionSerializer(many=True)
    related = RelatedLinkSerializer(many=True)
    issues = serializers.ListField(child=serializers.CharField())
    lead_image = LeadImageSerializer(allow_null=True)
    url = serializers.URLField()
    api_url = serializers.URLField()

    def to_representation(self, brief):
        """The document as export writes it, with the read-only keys beside its own."""
        document = brief_to_document(brief)
        for quote, row in zip(document["quotes"], brief.quotes.all(), strict=True):
            quote["text_html"] = row.text_html
            quote["expert_url"] = absolute(row.expert.get_absolute_url())
            quote["expert_api_url"] = api_url("expert", row.expert.slug)
        for section, row in zip(document["sections"], brief.sections.all(), strict=True):
            section["body_html"] = row.body_html
        for link, row in zip(document["related"], brief.related_links.all(), strict=True):
            link["href"] = absolute(row.href) if row.target_id else row.url
        return {
            **document,
            "updated_at": local_iso(brief.updated_at),
            "latest_developments_html": brief.latest_developments_html,
            "lead_image": lead_image(brief),
            "url": absolute(brief.get_absolute_url()),
            "api_url": api_url("brief", brief.slug),
        }


class IssueSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.SlugField()
    description = serializers.CharField()
    brief_count = serializers.IntegerField(
        source="public_brief_count", help_text="Public briefs filed under the issue."
    )
    latest_publish_at = LocalDateTimeField(help_text="When its newest public brief appeared.")
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()
    briefs_api_url = serializers.SerializerMethodField()

    def get_url(self, issue) -> str:
        return absolute(issue.get_absolute_url())

    def get_api_url(self, issue) -> str:
        return api_url("issue", issue.slug)

    def get_briefs_api_url(self, issue) -> str:
        return f"{absolute(reverse('api:brief-list'))}?issue={issue.slug}"


class ExpertSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.SlugField()
    title = serializers.CharField(help_text="The expert's current title.")
    program = serializers.CharField()
    bio = serializers.CharField(help_text="Markdown.")
    bio_html = serializers.CharField()
    photo = serializers.SerializerMethodField(help_text="A square thumbnail, when there is one.")
    quote_count = serializers.IntegerField(
        source="public_quote_count", help_text="Quotes in public briefs."
    )
    latest_quoted_at = LocalDateTimeField()
    url = serializers.SerializerMethodField()
    api_url = serializers.SerializerMethodField()

    def get_photo(self, expert) -> str | None:
        return absolute(expert.photo_thumbnail.url) if expert.photo_thumbnail else None

    def get_url(self, expert) -> str:
        return absolute(expert.get_absolute_url())

    def get_api_url(self, expert) -> str:
        return api_url("expert", expert.slug)


class ExpertQuoteSerializer(serializers.Serializer):
    """One of an expert's quotes, with the brief it is in."""

    text = serializers.CharField(help_text="Markdown.")
    text_html = serializers.CharField()
    expert_title = serializers.CharField(help_text="The expert's title when quoted.")
    brief = serializers.SerializerMethodField()

    def get_brief(self, quote) -> dict:
        brief = quote.brief
        return {
            "title": brief.title,
            "slug": brief.slug,
            "format": brief.format.name,
            "publish_at": local_iso(brief.publish_at),
            "url": absolute(brief.get_absolute_url()),
            "api_url": api_url("brief", brief.slug),
        }


class QuotePageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ExpertQuoteSerializer(many=True)


class ExpertWithQuotesSerializer(ExpertSerializer):
    """An expert with a page of their quotes; `quotes.next` reads the next."""

    quotes = QuotePageSerializer()
