import os

from django.conf import settings
from django.contrib import admin
from django.contrib.sitemaps import views as sitemaps
from django.urls import include, path, re_path
from django.views.static import serve

from briefs.public.sitemaps import (
    BriefSitemap,
    ExpertSitemap,
    IssueSitemap,
    kept_per_version,
    sitemap_section,
)
from briefs_site import health, two_factor

admin.site.site_header = f"{settings.SITE_NAME} authoring"
admin.site.site_title = settings.SITE_NAME
admin.site.index_title = "Briefs, experts and issues"

SITEMAPS = {"briefs": BriefSitemap, "issues": IssueSitemap, "experts": ExpertSitemap}

# A failure of the database is a 503 page saying "back in a moment", not a 500.
handler500 = "briefs_site.errors.server_error"

urlpatterns = [
    # Load balancers ask each app server whether it can serve (briefs_site.health).
    path("_health/", health.health, name="health"),
    # Before the admin's own patterns, whose catch-all would take these paths.
    path("admin/two-factor/enrol/", two_factor.enrol, name="two-factor-enrol"),
    path("admin/two-factor/verify/", two_factor.verify, name="two-factor-verify"),
    path("admin/", admin.site.urls),
    # An index of the sections' pages: an archive's briefs outgrow one sitemap's 50,000 URLs.
    # Each page made once per content version (briefs.public.sitemaps.kept_per_version).
    path("sitemap.xml", kept_per_version(sitemaps.index), {"sitemaps": SITEMAPS}, name="sitemap"),
    path(
        "sitemap-<section>.xml",
        kept_per_version(sitemap_section),
        {"sitemaps": SITEMAPS},
        name="django.contrib.sitemaps.views.sitemap",
    ),
    path("experts/", include("briefs.public.expert_urls")),
    path("subscribe/", include("subscriptions.urls")),
    path("api/v1/", include("api.urls")),
    path("", include("briefs.public.urls")),
]

# Uploaded photos are served by the web server in production; runserver serves them here, and
# so do the app servers of the loopback layout (deploy/), which has no web server of its own.
if settings.DEBUG or settings.BRIEFS_SERVE_MEDIA:
    urlpatterns += [
        re_path(
            rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]

# The benchmark's floor (see bench/floor.py): only when `make bench` asks for it.
if os.environ.get("BRIEFS_BENCHMARK_FLOOR") == "1":
    from bench.floor import floor

    urlpatterns += [path("_bench/floor/", floor)]
