"""The site's own address (settings.SITE_URL), for links that leave it without a request to
go by: mail, the admin's messages. Never taken from a request's Host header."""

from urllib.parse import urljoin, urlsplit

from django.conf import settings


def absolute(url):
    """A URL of the site's own (a path from reverse(), a file in its storage) as an absolute
    address under settings.SITE_URL; an address already absolute (files served from another
    host) stays as it is."""
    if url.startswith("/") and not url.startswith("//"):
        return settings.SITE_URL + url
    return urljoin(settings.SITE_URL + "/", url)


def site_domain():
    return urlsplit(settings.SITE_URL).hostname or "localhost"
