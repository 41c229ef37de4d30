from django.urls import path
from drf_spectacular.renderers import OpenApiJsonRenderer

from . import docs, views, writing

app_name = "api"

urlpatterns = [
    path("briefs/", views.BriefListView.as_view(), name="brief-list"),
    path("briefs/<slug:slug>/", views.BriefDetailView.as_view(), name="brief"),
    path("issues/", views.IssueListView.as_view(), name="issue-list"),
    path("issues/<slug:slug>/", views.IssueDetailView.as_view(), name="issue"),
    path("experts/", views.ExpertListView.as_view(), name="expert-list"),
    path("experts/<slug:slug>/", views.ExpertDetailView.as_view(), name="expert"),
    path("staff/briefs/", writing.StaffBriefCreateView.as_view(), name="staff-brief-create"),
    path("staff/briefs/<slug:slug>/", writing.StaffBriefView.as_view(), name="staff-brief"),
    *(
        path(
            f"staff/briefs/<slug:slug>/{move}/",
            writing.StaffBriefMoveView.as_view(move=move),
            name=f"staff-brief-{move}",
        )
        for move in writing.MOVES
    ),
    path("docs/", docs.DocsView.as_view(), name="docs"),
    path(
        "schema/",
        views.SchemaView.as_view(renderer_classes=[OpenApiJsonRenderer]),
        name="schema",
    ),
]
