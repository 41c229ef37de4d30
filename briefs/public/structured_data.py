"""What pages tell search engines and link previews about themselves."""

from html import unescape

from django.conf import settings
from django.urls import reverse
from django.utils.html import strip_tags
from django.utils.text import Truncator

DEFAULT_DESCRIPTION = "Short, timely analysis of security and foreign policy, filed by issue."


def plain_summary(markup, words=40):
    """The opening of some HTML as plain text, cut at a word: entities read back to their
    characters, so that the text is escaped once where it is shown, not twice."""
    return Truncator(" ".join(unescape(strip_tags(markup)).split())).words(words)


def brief_description(brief):
    return brief.summary or plain_summary(brief.latest_developments_html)


def latest_feed():
    return {"title": f"{settings.SITE_NAME}: latest briefs", "url": reverse("briefs:feed")}


def default_meta():
    return {
        "title": "",
        "description": DEFAULT_DESCRIPTION,
        "type": "website",
        "image": "",
        "feeds": [latest_feed()],
    }


def news_article(brief, request):
    """schema.org NewsArticle for a brief, as JSON-LD."""
    url = request.build_absolute_uri(brief.get_absolute_url())
    experts = {quote.expert.slug: quote.expert for quote in brief.quotes.all()}
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": brief.title,
        "description": brief_description(brief),
        "datePublished": brief.publish_at.isoformat(),
        "dateModified": max(brief.publish_at, brief.updated_at).isoformat(),
        "articleSection": brief.format.name,
        "keywords": [issue.name for issue in brief.issues.all()],
        "url": url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": url},
        "publisher": {"@type": "Organization", "name": settings.SITE_NAME},
        "author": [
            {
                "@type": "Person",
                "name": expert.name,
                "url": request.build_absolute_uri(expert.get_absolute_url()),
            }
            for expert in experts.values()
        ]
        or {"@type": "Organization", "name": settings.SITE_NAME},
    }
    if brief.lead_picture:
        data["image"] = [request.build_absolute_uri(brief.lead_picture["largest"])]
    elif not brief.lead_image and brief.share_card:
        # Its share card (briefs.share_card), once the worker has drawn it.
        data["image"] = [request.build_absolute_uri(brief.share_card.url)]
    return data
