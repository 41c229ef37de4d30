"""The experts' public pages, at /experts/ (included by briefs_site.urls), in the URL
namespace "experts": experts:list, experts:detail, experts:feed."""

from django.urls import path

from .experts import ExpertBriefsFeed, ExpertDetailView, ExpertListView

app_name = "experts"

urlpatterns = [
    path("", ExpertListView.as_view(), name="list"),
    path("<slug:slug>/", ExpertDetailView.as_view(), name="detail"),
    path("<slug:slug>/feed/", ExpertBriefsFeed(), name="feed"),
]
