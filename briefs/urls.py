from django.urls import path

from . import views

app_name = "briefs"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("briefs/<slug:slug>/", views.BriefDetailView.as_view(), name="detail"),
    path("issues/", views.IssueListView.as_view(), name="issues"),
    path("issues/<slug:slug>/", views.IssueDetailView.as_view(), name="issue"),
]
