from django.conf import settings
from django.urls import reverse
from django.views.generic import ListView

from briefs.listings import public_expert, public_experts
from briefs.models import Brief
from briefs.pagination import StrictPaginationMixin
from briefs.structured_data import latest_feed
from briefs.views import PageMetaMixin

from .models import ExpertQuote


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
