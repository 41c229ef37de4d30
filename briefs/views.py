from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from experts.models import ExpertQuote

from .models import Brief, Issue, RelatedLink
from .pagination import StrictPaginationMixin


class HomeView(ListView):
    template_name = "briefs/home.html"
    context_object_name = "briefs"

    def get_queryset(self):
        return Brief.objects.published().for_listing().newest_first()[:12]

    def get_context_data(self, **kwargs):
        return super().get_context_data(issues=Issue.objects.with_public_counts(), **kwargs)


class BriefDetailView(DetailView):
    context_object_name = "brief"

    def get_queryset(self):
        return (
            Brief.objects.published()
            .select_related("format")
            .prefetch_related(
                "issues",
                Prefetch("quotes", queryset=ExpertQuote.objects.select_related("expert")),
                "sections",
                Prefetch("related_links", queryset=RelatedLink.objects.visible()),
            )
        )


class IssueListView(ListView):
    context_object_name = "issues"

    def get_queryset(self):
        return Issue.objects.with_public_counts()


class IssueDetailView(StrictPaginationMixin, ListView):
    template_name = "briefs/issue_detail.html"
    context_object_name = "briefs"

    def get_queryset(self):
        self.issue = get_object_or_404(Issue, slug=self.kwargs["slug"])
        return Brief.objects.published().filter(issues=self.issue).for_listing().newest_first()

    def get_context_data(self, **kwargs):
        return super().get_context_data(issue=self.issue, **kwargs)
