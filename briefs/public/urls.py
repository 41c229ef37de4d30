from django.urls import path, register_converter

from . import views
from .feeds import IssueBriefsFeed, LatestBriefsFeed
from .previews import PreviewTokenConverter

register_converter(PreviewTokenConverter, "preview_token")

app_name = "briefs"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("briefs/", views.BriefListView.as_view(), name="list"),
    path("briefs/<slug:slug>/", views.BriefDetailView.as_view(), name="detail"),
    path("issues/", views.IssueListView.as_view(), name="issues"),
    path("issues/<slug:slug>/", views.IssueDetailView.as_view(), name="issue"),
    path("issues/<slug:slug>/feed/", IssueBriefsFeed(), name="issue-feed"),
    path("feeds/briefs/", LatestBriefsFeed(), name="feed"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("robots.txt", views.robots_txt, name="robots"),
    # A shared preview for a reviewer without an account (briefs.public.previews).
    path("preview/<preview_token:link_id>/", views.SharedPreviewView.as_view(), name="preview"),
]
