"""A brief as a document: the one JSON shape in which a brief leaves or enters the system
(briefs.interchange.documents) and in which its revisions are kept (briefs.editorial.revisions).
The shape is the product doc's ("Brief documents")."""

from django.db.models import Prefetch
from django.utils import timezone

from experts.models import ExpertQuote

from ..models import Brief, RelatedLink


def documents_queryset():
    return (
        Brief.objects.select_related("format")
        .prefetch_related(
            "issues",
            Prefetch("quotes", queryset=ExpertQuote.objects.select_related("expert")),
            "sections",
            Prefetch("related_links", queryset=RelatedLink.objects.select_related("target")),
        )
        .order_by("pk")
    )


def brief_to_document(brief):
    document = {
        "title": brief.title,
        "slug": brief.slug,
        "format": brief.format.name,
        "status": brief.status,
        "publish_at": timezone.localtime(brief.publish_at).isoformat()
        if brief.publish_at
        else None,
        "summary": brief.summary,
        "latest_developments": brief.latest_developments,
        "quotes": [
            {"expert": quote.expert.name, "expert_title": quote.expert_title, "text": quote.text}
            for quote in brief.quotes.all()
        ],
        "sections": [
            {"heading": section.heading, "body": section.body} for section in brief.sections.all()
        ],
        "related": [_related_to_document(link) for link in brief.related_links.all()],
        "issues": [issue.name for issue in sorted(brief.issues.all())],
    }
    if brief.withdraw_at:
        document["withdraw_at"] = timezone.localtime(brief.withdraw_at).isoformat()
    return document


def _related_to_document(link):
    document = {"title": link.title, "byline": link.byline}
    if link.target_id:
        document["brief"] = link.target.slug
    elif link.url:
        document["url"] = link.url
    return document
