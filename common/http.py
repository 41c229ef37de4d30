from functools import wraps

from django.views.decorators.cache import never_cache


def private_page(view):
    """For a page made for one reader or one link (a shared preview, a subscriber's page):
    no cache may keep it, and no search engine may index it or follow its links."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return never_cache(wrapped)
