"""The read API: public briefs, issues and experts as JSON, under the publication rule.

Public like the pages: a GET is answered from the site's page cache under the content version
(briefs.public.middleware), with an ETag and 304s, and the edge in front keeps it as long as a
page (the views name their query parameters and surrogate keys as the pages do). Every query
starts from Brief.objects.published(), so what the site does not show, the API does not give.
"""

from datetime import datetime

from django.db.models import Exists, F, OuterRef, Q
from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework.exceptions import ParseError
from rest_framework.generics import GenericAPIView, ListAPIView, RetrieveAPIView
from rest_framework.response import Response

from briefs.models import Brief
from briefs.public.edge import LISTS, brief_page_keys, expert_key, issue_key
from briefs.public.filters import MAX_ISSUES, TooManyFilters, filter_value, filter_values
from briefs.public.freshness import remember, remember_each
from briefs.public.listings import (
    public_expert,
    public_experts,
    public_issue,
    public_issues,
    public_issues_in_order,
)
from briefs.public.search import backend, clean_query
from experts.models import ExpertQuote

from .pagination import KeysetPagination, NewestQuoteFirst, WholeList
from .serializers import (
    BriefSerializer,
    BriefSummarySerializer,
    ExpertQuoteSerializer,
    ExpertSerializer,
    ExpertWithQuotesSerializer,
    IssueSerializer,
)


class PublicReadView:
    """A view of public content: anyone may read it, and nothing of a session or a token is
    looked at, so every reader gets the same answer and it can be kept for all of them.

    `read_parameters` are the query parameters it reads (every other one is dropped before it
    runs, as for the pages); `edge_keys(url_kwargs)` what it shows, for the edge's purges."""

    authentication_classes = ()
    permission_classes = ()
    read_parameters = ()

    @staticmethod
    def edge_keys(url_kwargs):
        return [LISTS]


def parse_moment(text, name):
    """An ISO 8601 time (a naive one in the site's time zone), or ParseError saying so."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ParseError(
            f"{name}={text!r} is not an ISO 8601 date and time such as 2026-12-01T09:00:00-05:00."
        ) from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def moment_parameter(params, name):
    text = filter_value(params, name)
    if text is None:
        return None
    # An offset's "+" not written as %2B arrives as a space.
    return parse_moment(text.replace(" ", "+") if text[-6:-5] == " " else text, name)


BRIEF_FILTERS = [
    OpenApiParameter(
        "issue",
        str,
        many=True,
        description=(
            f"An issue's slug; repeat it (up to {MAX_ISSUES}) for briefs filed under all of "
            "them, as `/briefs/?issue=` does. An issue that has no public brief is a 404."
        ),
    ),
    OpenApiParameter("expert", str, description="An expert's slug: briefs quoting them."),
    OpenApiParameter(
        "q",
        str,
        description=(
            'Words to search for, as the site\'s search reads them ("a phrase", -word, or); '
            "the matches stay newest first."
        ),
    ),
    OpenApiParameter(
        "updated_since",
        OpenApiTypes.DATETIME,
        description=(
            "Only briefs that changed, or became public, at or after this time (ISO 8601; "
            "without an offset, in the site's time zone). For keeping a copy in step: read "
            "from the time of your last complete read."
        ),
    ),
]


def brief_summaries(ids):
    """The list form of each public brief of `ids`, in their order: each made once per content
    version and kept, so a page of a list reads only what changed since."""

    def summaries(names):
        briefs = list(
            Brief.objects.filter(pk__in=[ids_by_name[name] for name in names]).for_listing()
        )
        data = BriefSummarySerializer(briefs, many=True).data
        return {
            f"api:brief-summary:{brief.pk}": item for brief, item in zip(briefs, data, strict=True)
        }

    ids_by_name = {f"api:brief-summary:{brief_id}": brief_id for brief_id in ids}
    found = remember_each(list(ids_by_name), summaries)
    return [found[name] for name in ids_by_name]


@extend_schema(parameters=BRIEF_FILTERS, tags=["briefs"])
class BriefListView(PublicReadView, ListAPIView):
    """Public briefs, newest first."""

    serializer_class = BriefSummarySerializer
    pagination_class = KeysetPagination
    read_parameters = ("cursor", "expert", "issue", "page_size", "q", "updated_since")

    def get_queryset(self):
        """The public briefs the filters ask for, as the values the pages are cut by."""
        params = self.request.query_params
        try:
            issues = public_issues_in_order(filter_values(params, "issue", MAX_ISSUES))
            expert_slug = filter_value(params, "expert")
            query = clean_query(filter_value(params, "q"))
        except TooManyFilters as refusal:
            raise ParseError(refusal.message) from None
        if issues is None:
            raise Http404("No issue with that slug has a public brief.")
        briefs = Brief.objects.published().filed_under_all(issues)
        if expert_slug is not None:
            expert = public_expert(expert_slug)
            briefs = briefs.filter(
                Exists(ExpertQuote.objects.filter(brief=OuterRef("pk"), expert=expert))
            )
        if query:
            briefs = backend().matching(briefs, query)
        since = moment_parameter(params, "updated_since")
        if since is not None:
            # A scheduled brief becomes public at its time, long after it was last saved.
            briefs = briefs.filter(Q(updated_at__gte=since) | Q(publish_at__gte=since))
        return briefs.values("pk", "publish_at")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(brief_summaries([row["pk"] for row in page]))


@extend_schema(tags=["briefs"])
class BriefDetailView(PublicReadView, RetrieveAPIView):
    """One public brief: its document, each part's HTML, and its addresses."""

    serializer_class = BriefSerializer

    def retrieve(self, request, slug):
        name = f"api:brief:{slug}"
        found = remember_each([name], lambda names: self.brief_and_keys(slug, name)).get(name)
        if found is None:
            raise Http404(f"No public brief has the slug {slug!r}.")
        data, keys = found
        return Response(data, headers={"Surrogate-Key": " ".join(keys)})

    @staticmethod
    def brief_and_keys(slug, name):
        """{name: (the brief's data, its surrogate keys)}, made once per content version;
        nothing for a slug no public brief has, so unknown slugs fill no cache."""
        brief = Brief.objects.published().with_page_parts().filter(slug=slug).first()
        if brief is None:
            return {}
        return {name: (BriefSerializer(brief).data, brief_page_keys(brief))}

    @staticmethod
    def edge_keys(url_kwargs):
        return []


@extend_schema(tags=["issues"])
class IssueListView(PublicReadView, ListAPIView):
    """Every issue with a public brief, by name, with its count of public briefs."""

    serializer_class = IssueSerializer
    pagination_class = WholeList

    def list(self, request, *args, **kwargs):
        issues = remember(
            "api:issues", lambda: IssueSerializer(public_issues(), many=True).data, lists=True
        )
        return self.get_paginated_response(issues)


@extend_schema(tags=["issues"])
class IssueDetailView(PublicReadView, RetrieveAPIView):
    """One issue; its briefs are at `briefs_api_url`."""

    serializer_class = IssueSerializer

    def get_object(self):
        return public_issue(self.kwargs["slug"])

    @staticmethod
    def edge_keys(url_kwargs):
        return [issue_key(url_kwargs["slug"])]


@extend_schema(tags=["experts"])
class ExpertListView(PublicReadView, ListAPIView):
    """Every expert quoted in a public brief, by name, with their count of public quotes."""

    serializer_class = ExpertSerializer
    pagination_class = WholeList

    def list(self, request, *args, **kwargs):
        experts = remember(
            "api:experts", lambda: ExpertSerializer(public_experts(), many=True).data, lists=True
        )
        return self.get_paginated_response(experts)


class ExpertDetailView(PublicReadView, GenericAPIView):
    """One expert, with their quotes in public briefs, newest first, a page at a time."""

    serializer_class = ExpertWithQuotesSerializer
    pagination_class = NewestQuoteFirst
    read_parameters = ("cursor", "page_size")

    @extend_schema(
        tags=["experts"],
        parameters=[
            OpenApiParameter("cursor", str, description=pagination_class.cursor_query_description),
            OpenApiParameter(
                "page_size", int, description=pagination_class.page_size_query_description
            ),
        ],
    )
    def get(self, request, slug):
        expert = public_expert(slug)
        quotes = (
            ExpertQuote.objects.filter(expert=expert, brief__in=Brief.objects.published())
            .select_related("brief__format")
            .annotate(published=F("brief__publish_at"))
        )
        page = self.paginator.paginate_queryset(quotes, request, view=self)
        quote_page = self.paginator.get_paginated_response(
            ExpertQuoteSerializer(page, many=True).data
        )
        return Response({**ExpertSerializer(expert).data, "quotes": quote_page.data})

    @staticmethod
    def edge_keys(url_kwargs):
        return [expert_key(url_kwargs["slug"])]


class SchemaView(PublicReadView, SpectacularAPIView):
    """The OpenAPI 3 schema, as JSON: the same for every reader, so kept like a page."""

    @staticmethod
    def edge_keys(url_kwargs):
        return []
