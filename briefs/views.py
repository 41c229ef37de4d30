from urllib.parse import urlencode

from django.conf import settings
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, ListView

from experts.models import Expert, ExpertQuote

from .models import Brief, Issue, RelatedLink
from .pagination import StrictPaginationMixin
from .search import SearchFacets, clean_query
from .structured_data import brief_description, default_meta, latest_feed, news_article

# More than this many issues at once is not a reader's filter.
MAX_FILTER_ISSUES = 8
MORE_ON_COUNT = 4
TOP_EXPERTS_COUNT = 5


class PageMetaMixin:
    """What a page says about itself: title, description, preview type and image, feeds."""

    def get_page_meta(self):
        return {}

    def get_context_data(self, **kwargs):
        meta = {**default_meta(), **self.get_page_meta()}
        return super().get_context_data(meta=meta, **kwargs)


class HomeView(PageMetaMixin, ListView):
    template_name = "briefs/home.html"
    context_object_name = "briefs"

    def get_queryset(self):
        return Brief.objects.published().for_listing().newest_first()[:10]

    def get_context_data(self, **kwargs):
        return super().get_context_data(issues=Issue.objects.public(), **kwargs)


def issue_filter_url(issues):
    query = urlencode([("issue", issue.slug) for issue in issues])
    return reverse("briefs:list") + (f"?{query}" if query else "")


class BriefListView(PageMetaMixin, StrictPaginationMixin, ListView):
    template_name = "briefs/brief_list.html"
    context_object_name = "briefs"

    def get_queryset(self):
        self.chosen = self.chosen_issues()
        return Brief.objects.published().filed_under_all(self.chosen).for_listing().newest_first()

    def chosen_issues(self):
        slugs = list(dict.fromkeys(self.request.GET.getlist("issue")))
        if len(slugs) > MAX_FILTER_ISSUES:
            raise Http404(f"Choose at most {MAX_FILTER_ISSUES} issues.")
        issues = Issue.objects.public_in_order(slugs)
        if issues is None:
            raise Http404("No such issue.")
        return issues

    def get_context_data(self, **kwargs):
        chosen = [
            {"issue": issue, "remove_url": issue_filter_url([i for i in self.chosen if i != issue])}
            for issue in self.chosen
        ]
        narrower = [
            {"issue": issue, "add_url": issue_filter_url([*self.chosen, issue])}
            for issue in Issue.objects.public()
            if issue not in self.chosen
        ]
        return super().get_context_data(chosen=chosen, narrower=narrower, **kwargs)

    def get_page_meta(self):
        if not self.chosen:
            return {"title": "All briefs"}
        names = ", ".join(issue.name for issue in self.chosen)
        return {"title": f"Briefs on {names}", "description": f"Briefs filed under {names}."}


class BriefDetailView(PageMetaMixin, DetailView):
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

    def get_context_data(self, **kwargs):
        brief = self.object
        more_on = Brief.objects.published().sharing_issues_with(brief).select_related("format")
        return super().get_context_data(
            more_on=more_on[:MORE_ON_COUNT],
            structured_data=news_article(brief, self.request),
            **kwargs,
        )

    def get_page_meta(self):
        brief = self.object
        picture = brief.lead_picture
        return {
            "title": brief.title,
            "description": brief_description(brief),
            "type": "article",
            "image": self.request.build_absolute_uri(picture["largest"]) if picture else "",
        }


class IssueListView(PageMetaMixin, ListView):
    context_object_name = "issues"

    def get_queryset(self):
        return Issue.objects.public()

    def get_page_meta(self):
        return {
            "title": "Issues",
            "description": "Every policy issue we cover, with the number of briefs on each.",
        }


class IssueDetailView(PageMetaMixin, StrictPaginationMixin, ListView):
    template_name = "briefs/issue_detail.html"
    context_object_name = "briefs"

    def get_queryset(self):
        self.issue = get_object_or_404(Issue.objects.public(), slug=self.kwargs["slug"])
        return Brief.objects.published().filter(issues=self.issue).for_listing().newest_first()

    def get_context_data(self, **kwargs):
        top_experts = Expert.objects.most_quoted_on(self.issue)[:TOP_EXPERTS_COUNT]
        return super().get_context_data(issue=self.issue, top_experts=top_experts, **kwargs)

    def get_page_meta(self):
        issue = self.issue
        feed = {
            "title": f"{settings.SITE_NAME}: {issue.name}",
            "url": reverse("briefs:issue-feed", kwargs={"slug": issue.slug}),
        }
        return {
            "title": issue.name,
            "description": issue.description or f"Briefs on {issue.name}.",
            "feeds": [feed, latest_feed()],
        }


@require_GET
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


class SearchView(PageMetaMixin, StrictPaginationMixin, ListView):
    """/search/?q=: public briefs ranked by relevance, with facets that narrow the results."""

    template_name = "briefs/search.html"
    context_object_name = "hits"

    def get_queryset(self):
        self.query = clean_query(self.request.GET.get("q", ""))
        self.search = SearchFacets(self.request.GET, self.query)
        self.hit_count, self.facets = 0, []
        if not self.query:
            return Brief.objects.none()
        self.hit_count, self.facets = self.search.count_and_facets()
        return self.search.ranked_hits()

    def get_paginator(self, queryset, per_page, **kwargs):
        paginator = super().get_paginator(queryset, per_page, **kwargs)
        paginator.count = self.hit_count  # counted with the facets, not a second time
        return paginator

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, **kwargs)
        if self.query:
            context.update(facets=self.facets, chosen=self.search.chosen_filters())
        return context

    def get_page_meta(self):
        if not self.query:
            return {"title": "Search", "description": "Search every published brief."}
        return {"title": f"Search: {self.query}", "description": f"Briefs matching {self.query}."}
