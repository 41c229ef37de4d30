from django.urls import path

from . import views
from .feeds import ExpertBriefsFeed

app_name = "experts"

urlpatterns = [
    path("", views.ExpertListView.as_view(), name="list"),
    path("<slug:slug>/", views.ExpertDetailView.as_view(), name="detail"),
    path("<slug:slug>/feed/", ExpertBriefsFeed(), name="feed"),
]
