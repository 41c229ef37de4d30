"""The project's URLs plus one view that fails, for the production error page test
(test_url_fuzzing.py): a 500 is made on purpose, with secrets in the exception's message."""

from django.conf import settings
from django.urls import path

from briefs_site.urls import urlpatterns as project_urlpatterns

EXCEPTION_MESSAGE = "the view failed while holding"


def failing_view(request):
    database = settings.DATABASES["default"]
    raise RuntimeError(
        f"{EXCEPTION_MESSAGE} {settings.SECRET_KEY} {database['ENGINE']} {database['NAME']}"
    )


urlpatterns = [path("fail-on-purpose/", failing_view), *project_urlpatterns]
