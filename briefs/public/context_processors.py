from django.conf import settings

from .structured_data import default_meta


def site(request):
    """The site's name, and what a page says about itself unless its view says more."""
    return {"site_name": settings.SITE_NAME, "meta": default_meta()}
