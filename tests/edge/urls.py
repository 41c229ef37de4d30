"""The site's URLs and one page that breaks the rules: it offers itself to the edge and sets a
cookie, as a careless view might."""

from django.http import HttpResponse
from django.urls import path

from briefs_site.urls import urlpatterns as site_urlpatterns


def sets_a_cookie(request):
    response = HttpResponse("A page with a cookie for one reader.")
    response["Surrogate-Control"] = "max-age=600"
    response.set_cookie("reader", "one-reader-only")
    return response


urlpatterns = [path("sets-a-cookie/", sets_a_cookie), *site_urlpatterns]
