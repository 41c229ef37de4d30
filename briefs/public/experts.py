"""The experts' public pages: the list, an expert's quotes, and the feed of briefs quoting
them. Views over public briefs, so here with the read side rather than in the experts app
(which is below briefs and does not know it). Wired by expert_urls, namespace "experts"."""

from django.conf import settings
from django.urls import reverse
from django.views.generic import ListView

from experts.models import ExpertQuote

from ..models import Brief
from .feeds import FEED_LENGTH, LatestBriefsFeed
from .listings import newest_quoting, public_expert, public_experts
from .pagination import StrictPaginationMixin
from .structured_data import latest_feed
from .views import PageMetaMixin


class ExpertListView(PageMetaMixin, StrictPaginationMixin, ListView):
    template_name = "experts/expert_list.html"
    context_object_name = "experts"

    def get_queryset(self):
        return public_experts()

    def get_page_meta(self):
        return {"title": "Experts", "description": "The experts quoted in our briefs."}


class ExpertDetailView(PageMetaMixin, StrictPaginationMixin, ListView):
    template_name = "experts/expert_detail.html"
    context_object_name = "quotes"

    def get_queryset(self):
        self.expert = public_expert(self.kwargs["slug"])
        return (
            ExpertQuote.objects.filter(expert=self.expert, brief__in=Brief.objects.published())
            .select_related("brief__format")
            .order_by("-brief__publish_at", "-brief__pk", "position")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(expert=self.expert, **kwargs)

    def get_page_meta(self):
        expert = self.expert
        feed = {
            "title": f"{settings.SITE_NAME}: briefs quoting {expert.name}",
            "url": reverse("experts:feed", kwargs={"slug": expert.slug}),
        }
        title = f", {expert.title}" if expert.title else ""
        image = expert.photo_thumbnail.url if expert.photo_thumbnail else ""
        return {
            "title": expert.name,
            "description": f"{expert.name}{title}: quotes and briefs.",
            "type": "profile",
            "image": self.request.build_absolute_uri(image) if image else "",
            "feeds": [feed, latest_feed()],
        }


class ExpertBriefsFeed(LatestBriefsFeed):
    def get_object(self, request, slug):
        return public_expert(slug)

    def title(self, expert):
        return f"{settings.SITE_NAME}: briefs quoting {expert.name}"

    def link(self, expert):
        return expert.get_absolute_url()

    def description(self, expert):
        return f"The newest briefs quoting {expert.name}."

    def item_ids(self, expert):
        return newest_quoting(expert, FEED_LENGTH)
