from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView, TemplateView

from common.http import private_page

from ..models import Brief, PreviewLink, local_time_label
from .cards import cards, lead, search_hits
from .edge import brief_page_keys
from .filters import MAX_ISSUES, FilterLimitMixin, filter_value, filter_values
from .freshness import remember
from .listings import (
    more_on,
    newest_public_ids,
    public_brief_count,
    public_issue,
    public_issues,
    public_issues_in_order,
    top_experts_on,
)
from .pagination import NewestFirstPaginationMixin, StrictPaginationMixin
from .search import SearchFacets, clean_query, public_ids_filed_under_all
from .structured_data import brief_description, default_meta, latest_feed, news_article


class PageMetaMixin:
    """What a page says about itself: title, description, preview type and image, feeds."""

    def get_page_meta(self):
        return {}

    def get_context_data(self, **kwargs):
        meta = {**default_meta(), **self.get_page_meta()}
        return super().get_context_data(meta=meta, **kwargs)


class HomeView(PageMetaMixin, TemplateView):
    """The front page: the newest public brief as the lead, larger, then the next ones as
    cards (briefs.public.cards), read by the ids of the newest briefs."""

    template_name = "briefs/home.html"
    latest_count = 10  # the lead and the cards after it

    def get_context_data(self, **kwargs):
        latest = newest_public_ids(self.latest_count)
        return super().get_context_data(
            lead=lead(latest[0]) if latest else None,
            cards=cards(latest[1:]),
            issues=public_issues(),
            **kwargs,
        )


def issue_filter_url(list_url, issues):
    query = urlencode([("issue", issue.slug) for issue in issues])
    return list_url + (f"?{query}" if query else "")


class BriefListView(FilterLimitMixin, PageMetaMixin, NewestFirstPaginationMixin, ListView):
    template_name = "briefs/brief_list.html"
    context_object_name = "briefs"

    def get_queryset(self):
        self.chosen = self.chosen_issues()
        return Brief.objects.published().filed_under_all(self.chosen).for_listing().newest_first()

    def list_name(self):
        return "briefs:" + ",".join(str(pk) for pk in sorted(issue.pk for issue in self.chosen))

    def list_count(self):
        # Known for every public brief and an issue's; under several issues, walked.
        if len(self.chosen) == 1:
            return self.chosen[0].public_brief_count
        return None if self.chosen else public_brief_count()

    def list_ids(self):
        return public_ids_filed_under_all(self.chosen)

    def chosen_issues(self):
        issues = public_issues_in_order(filter_values(self.request.GET, "issue", MAX_ISSUES))
        if issues is None:
            raise Http404("No such issue.")
        return issues

    def get_context_data(self, **kwargs):
        # Reversed once: the side column links every public issue.
        list_url = reverse("briefs:list")
        chosen = [
            {
                "issue": issue,
                "remove_url": issue_filter_url(list_url, [i for i in self.chosen if i != issue]),
            }
            for issue in self.chosen
        ]
        # At the limit no link offers one more issue: it would be refused (filters.MAX_ISSUES).
        full = len(self.chosen) >= MAX_ISSUES
        narrower = [
            {"issue": issue, "add_url": issue_filter_url(list_url, [*self.chosen, issue])}
            for issue in ([] if full else public_issues())
            if issue not in self.chosen
        ]
        return super().get_context_data(
            chosen=chosen, narrower=narrower, issue_limit=MAX_ISSUES if full else None, **kwargs
        )

    def get_page_meta(self):
        if not self.chosen:
            return {"title": "All briefs"}
        names = ", ".join(issue.name for issue in self.chosen)
        return {"title": f"Briefs on {names}", "description": f"Briefs filed under {names}."}


def more_on_heading(names):
    """Short whatever the number of issues: "More on Iran", "More on Iran and Russia", "More
    on Iran and 4 other issues"."""
    if len(names) <= 2:
        return f"More on {' and '.join(names)}"
    return f"More on {names[0]} and {len(names) - 1} other issues"


class BriefDetailView(PageMetaMixin, DetailView):
    """A brief's page. What shows the brief (its head elements, the article, more on its
    issues) is made once per content version and kept (briefs.public.freshness), as cards
    are: a request renders the site's layout around it and reads no brief."""

    context_object_name = "brief"
    template_name = "briefs/brief_detail.html"

    def get(self, request, *args, **kwargs):
        parts = self.page_parts()
        response = TemplateResponse(request, self.template_name, parts["context"])
        if parts["surrogate_keys"]:
            response["Surrogate-Key"] = " ".join(parts["surrogate_keys"])
        return response

    def page_parts(self):
        return remember(f"brief-page:{self.request.build_absolute_uri()}", self.make_parts)

    def make_parts(self):
        """{context: what the layout shows, surrogate_keys: what the page shows}."""
        self.object = brief = self.get_object()
        context = self.get_context_data(object=brief)
        return {
            "context": {
                "meta": context["meta"],
                "preview": context.get("preview"),
                "head": render_to_string("includes/_brief_page_head.html", context, self.request),
                "article": render_to_string("includes/_brief_page.html", context, self.request),
            },
            "surrogate_keys": self.surrogate_keys(),
        }

    def surrogate_keys(self):
        return brief_page_keys(self.object)

    def get_queryset(self):
        return Brief.objects.published().with_page_parts()

    def get_context_data(self, **kwargs):
        brief = self.object
        return super().get_context_data(
            more_on=more_on(brief),
            more_on_heading=more_on_heading(sorted(issue.name for issue in brief.issues.all())),
            structured_data=self.get_structured_data(),
            **kwargs,
        )

    def get_structured_data(self):
        return news_article(self.object, self.request)

    def get_page_meta(self):
        brief = self.object
        picture = brief.lead_picture
        # Without a lead image, the share card the worker drew (briefs.share_card), if any.
        image = (
            picture["largest"] if picture else (brief.share_card.url if brief.share_card else "")
        )
        return {
            "title": brief.title,
            "description": brief_description(brief),
            "type": "article",
            "image": self.request.build_absolute_uri(image) if image else "",
        }


@method_decorator(private_page, name="dispatch")
class BriefPreviewView(BriefDetailView):
    """A brief in any state, as its public page will show it, under a "Preview: not public"
    banner. Subclasses decide who may see which brief: staff in the admin
    (briefs.admin.previews) or the holder of a shared link (SharedPreviewView)."""

    def page_parts(self):
        # One person's page, and of a brief in any state: made afresh, never kept.
        return self.make_parts()

    def get_queryset(self):
        return Brief.objects.with_page_parts()

    def get_structured_data(self):
        # A preview is no article for search engines, and a draft has no date to give one.
        return None

    def get_page_meta(self):
        # The address the brief will have, never the preview's own (a shared one is a secret).
        public_url = self.request.build_absolute_uri(self.object.get_absolute_url())
        return {**super().get_page_meta(), "canonical": public_url}

    def get_preview(self):
        """What the banner says."""
        return {"state": self.object.state_label, "is_public": self.object.is_public}

    def get_context_data(self, **kwargs):
        return super().get_context_data(preview=self.get_preview(), **kwargs)


class SharedPreviewView(BriefPreviewView):
    """/preview/<token>/, for a reviewer without an account. The URL's converter has checked
    the token's signature; the link's row says whether the link still works."""

    def get(self, request, *args, **kwargs):
        self.link = get_object_or_404(PreviewLink, pk=kwargs["link_id"])
        if not self.link.is_active:
            return TemplateResponse(
                request,
                "briefs/preview_gone.html",
                {"meta": {**default_meta(), "title": "Preview link no longer works"}},
                status=410,
            )
        return super().get(request, *args, **kwargs)

    def get_object(self, queryset=None):
        return self.get_queryset().get(pk=self.link.brief_id)

    def get_preview(self):
        return {**super().get_preview(), "expires": local_time_label(self.link.expires_at)}


class IssueListView(PageMetaMixin, ListView):
    template_name = "briefs/issue_list.html"
    context_object_name = "issues"

    def get_queryset(self):
        return public_issues()

    def get_page_meta(self):
        return {
            "title": "Issues",
            "description": "Every policy issue we cover, with the number of briefs on each.",
        }


class IssueDetailView(PageMetaMixin, NewestFirstPaginationMixin, ListView):
    template_name = "briefs/issue_detail.html"
    context_object_name = "briefs"

    def get_queryset(self):
        self.issue = public_issue(self.kwargs["slug"])
        return Brief.objects.published().filed_under_all([self.issue]).for_listing().newest_first()

    def list_name(self):
        return f"issue:{self.issue.pk}"

    def list_count(self):
        # Counted with the public issues, before the change that made the lists commits.
        return self.issue.public_brief_count

    def get_context_data(self, **kwargs):
        top_experts = top_experts_on(self.issue)
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


@require_safe
@cache_control(max_age=86400, public=True)
def robots_txt(request):
    sitemap = request.build_absolute_uri(reverse("sitemap"))
    lines = ["User-agent: *", "Disallow: /admin/", "", f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


class SearchView(FilterLimitMixin, PageMetaMixin, StrictPaginationMixin, ListView):
    """/search/?q=: public briefs ranked by relevance, with facets that narrow the results."""

    template_name = "briefs/search.html"
    context_object_name = "hits"

    def get_queryset(self):
        self.query = clean_query(filter_value(self.request.GET, "q"))
        self.search = SearchFacets(self.request.GET, self.query)
        self.hit_count, self.facets, self.estimated = 0, [], False
        if not self.query:
            return Brief.objects.none()
        self.hit_count, self.facets, self.estimated = self.search.count_and_facets()
        return self.search.ranked_hits()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(query=self.query, **kwargs)
        if self.query:
            context.update(
                hit_cards=search_hits(context["hits"]),
                facets=self.facets,
                chosen=self.search.chosen_filters(),
                hit_count=self.hit_count,
                estimated=self.estimated,
            )
        return context

    def get_page_meta(self):
        if not self.query:
            return {"title": "Search", "description": "Search every published brief."}
        return {"title": f"Search: {self.query}", "description": f"Briefs matching {self.query}."}
