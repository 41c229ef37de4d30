from django.urls import path
from drf_spectacular.renderers import OpenApiJsonRenderer

from . import views

app_name = "api"

urlpatterns = [
    path("briefs/", views.BriefListView.as_view(), name="brief-list"),
    path("briefs/<slug:slug>/", views.BriefDetailView.as_view(), name="brief"),
    path("issues/", views.IssueListView.as_view(), name="issue-list"),
    path("issues/<slug:slug>/", views.IssueDetailView.as_view(), name="issue"),
    path("experts/", views.ExpertListView.as_view(), name="expert-list"),
    path("experts/<slug:slug>/", views.ExpertDetailView.as_view(), name="expert"),
    path(
        "schema/",
        views.SchemaView.as_view(renderer_classes=[OpenApiJsonRenderer]),
        name="schema",
    ),
]
