from django.urls import path

from . import views
from .feeds import IssueBriefsFeed, LatestBriefsFeed

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
]
