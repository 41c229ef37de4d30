from django.shortcuts import get_object_or_404
from django.views.generic import ListView

from briefs.models import Brief
from briefs.pagination import StrictPaginationMixin

from .models import Expert, ExpertQuote


class ExpertDetailView(StrictPaginationMixin, ListView):
    template_name = "experts/expert_detail.html"
    context_object_name = "quotes"

    def get_queryset(self):
        self.expert = get_object_or_404(Expert, slug=self.kwargs["slug"])
        return (
            ExpertQuote.objects.filter(expert=self.expert, brief__in=Brief.objects.published())
            .select_related("brief__format")
            .order_by("-brief__publish_at", "position")
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(expert=self.expert, **kwargs)
