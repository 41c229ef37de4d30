"""Public pages, feeds and the sitemap kept whole in the cache, and never served stale.

A kept page holds the content version's token it was made under and is valid only for that
token and until the next scheduled change (briefs.public.freshness): a save, or a scheduled
brief's time coming, is seen by the very next request. The middleware sits before the session,
CSRF and authentication middleware, so a kept page costs one indexed query (the token) and, unless
this process served it lately (kept_page()), one cache read.

Every public response says how it may be kept elsewhere: `Cache-Control: public, max-age=0,
must-revalidate` with an ETag, so browsers and proxies ask again each time and get a 304
(django.middleware.http.ConditionalGetMiddleware) when nothing changed; and a page that is the
same for every reader tells the HTTP cache in front (the edge) how long it may keep it and what
it shows (briefs.public.edge), worked out as it is sent, so a page kept here is kept there no
longer than it is valid.

A public page is made as for the site's own address (settings.SITE_URL): once Django has
checked the request's Host against ALLOWED_HOSTS, the request is given the site's host and
scheme, so canonical links, og:url, JSON-LD, feeds, the sitemap and robots.txt name the site,
whatever Host a request forged.

A page is kept under its absolute address as the page reads it: the scheme, the host (which
Django has checked against ALLOWED_HOSTS) and the path, with only the query parameters its
view reads (READ_PARAMETERS), sorted. The view is given that same query and no other, so
nothing of the address that the key leaves out can show in a kept page: a page made for a
forged `Host` keeps its links in an entry of its own, and `?utm_source=...` or `?fbclid=...`
is served the page kept without them and adds no entry.
"""

import hashlib
import re
from datetime import datetime
from typing import NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse, QueryDict
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.text import compress_string

from common.edge import purge_backend_in_front

from . import edge, freshness

# Under these the site is not public, or not ours to keep: authoring, previews, files, and
# the health check, which must answer without the database.
NOT_PUBLIC = ("/admin/", "/preview/", "/static/", "/media/", "/_bench/", "/_health/")
PUBLIC_CACHE_CONTROL = {"public": True, "max_age": 0, "must_revalidate": True}
# Pages each process keeps in its own memory besides the shared cache, the ones it served
# last: reading one from the shared cache costs a round trip and unpickling its bytes, more
# than half of what serving it costs (a listing 1.3 ms against 0.5 from the process, a sitemap
# page of 650 KB 1.5 against 0.6). At most 400 pages and 40 MB of them a process.
_pages_in_process = freshness.recent_entries(
    size=400,
    weigh=lambda entry: len(entry.content) + len(entry.gzipped or b""),
    most_weight=40 * 1024 * 1024,
)
# A kept page of text is kept gzipped as well, compressed once when it is made, and sent so to
# whoever accepts it (browsers, crawlers, the edge, which then has nothing to compress): a
# sitemap page of 5,000 URLs was 650 KB, gzipped 46 KB; a listing 19 KB, gzipped 4. The types
# the edge would compress (deploy/varnish/briefs.vcl); under 200 bytes compressing gains
# nothing.
COMPRESSIBLE = re.compile(r"^(text/|application/(rss\+xml|atom\+xml|xml|json|ld\+json))")
SMALLEST_COMPRESSED = 200
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# The shape of a kept page's entry, named in its key: the shared cache outlives a release, and
# a release must never read an entry of another shape (the pages kept before the gzipped form
# was added had five fields).
PAGE_ENTRY_SHAPE = 2


class KeptPage(NamedTuple):
    """A page as kept: the content version's token and the time it is valid until (read by
    freshness.current), then the response."""

    token: str
    until: datetime | None
    status: int
    headers: list
    content: bytes
    gzipped: bytes | None


# The query parameters each public page reads, by URL name; a page not named reads none.
# Every other parameter (utm_*, fbclid, a typo) changes nothing a reader sees: it is taken
# out of the request before the view runs, and so out of the page's cache key. A view that
# comes to read a new parameter must have it added here, or it never sees it.
READ_PARAMETERS = {
    "briefs:list": ("issue", "page"),
    "briefs:issue": ("page",),
    "briefs:search": ("expert", "format", "issue", "page", "q", "year"),
    "experts:list": ("page",),
    "experts:detail": ("page",),
    # A section of the sitemap, in pages: `?p=2` (django.contrib.sitemaps).
    "django.contrib.sitemaps.views.sitemap": ("p",),
}


def is_public_request(request):
    """A read of a public page: not authoring, and sent with no credentials (a request with
    an API token is someone's, like one with a session)."""
    return (
        request.method in {"GET", "HEAD"}
        and not request.path.startswith(NOT_PUBLIC)
        and "HTTP_AUTHORIZATION" not in request.META
    )


def may_keep(request, response):
    """A page that is the same for every reader: a plain 200 that sets no cookie, says
    nothing against being kept, and was not made for someone with a session."""
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in cache_control
        and "no-store" not in cache_control
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
    )


def page_at(request):
    """The URL pattern the request's path matches, or None: resolved once per public request,
    for the parameters its page reads and the keys it shows the edge."""
    try:
        return resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return None


def parameters_read_at(page):
    """The query parameters the page at `page` reads: named here, or by its view's class
    (`read_parameters`: the content API's views, which live above this app)."""
    if page is None:
        return ()
    view_class = getattr(page.func, "view_class", None)
    return READ_PARAMETERS.get(page.view_name) or getattr(view_class, "read_parameters", ())


def keep_read_parameters(request, page):
    """Leave the request only the query parameters its page reads, sorted by name, each with
    its values in the order given: the query the view sees and the page's key are one."""
    if not request.META.get("QUERY_STRING"):
        return
    given = request.GET
    read = QueryDict(mutable=True, encoding=given.encoding)
    parameters_read = parameters_read_at(page)
    for name in sorted(parameters_read):
        if name in given:
            read.setlist(name, given.getlist(name))
    request.META["QUERY_STRING"] = read.urlencode()
    request.GET = QueryDict(request.META["QUERY_STRING"], encoding=given.encoding)


def use_site_address(request):
    """Give the request the site's own host and scheme. get_host() first refuses a Host not
    in ALLOWED_HOSTS (a 400), as it would have anyway."""
    request.get_host()
    site = urlsplit(settings.SITE_URL)
    request.META["HTTP_HOST"] = site.netloc
    request.META.pop("HTTP_X_FORWARDED_HOST", None)
    if settings.SECURE_PROXY_SSL_HEADER:
        header, secure_value = settings.SECURE_PROXY_SSL_HEADER
        request.META[header] = secure_value if site.scheme == "https" else site.scheme
    request._get_scheme = lambda: site.scheme


def page_key(request):
    """The key of a page: its address as the page reads it (after keep_read_parameters):
    scheme, host, path and query. The content version it was made for is in the entry."""
    address = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()[:32]
    return f"briefs:page:{PAGE_ENTRY_SHAPE}:{address}"


def edge_may_keep(made, token):
    """Whether the edge in front (if there is one) may keep the page. A page made while a save
    committed shows the content before it, and may reach the edge after that save's purge: it
    is given to the edge only if the content version it was made under still stands. (A kept
    page is sent within a millisecond or so; the worker's purge, which follows the one at
    commit, covers that.)"""
    if not purge_backend_in_front():
        return False
    return not made or freshness.still_current(token)


def kept_page(key, token):
    """The entry of the page kept under `key` for the content as it stands (`token`), or None:
    from this process if it served the page lately, else from the shared cache."""

    def usable(_, entry):
        return freshness.current(entry, token)

    kept = freshness.recall([key], usable, _pages_in_process).get(key)
    return kept if freshness.current(kept, token) else None


class PublicPageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_public_request(request):
            return self.get_response(request)
        use_site_address(request)
        page = page_at(request)
        keep_read_parameters(request, page)
        held = freshness.hold_for_request()
        token = freshness.content_token()
        try:
            if settings.BRIEFS_PAGE_CACHE:
                response, made = self.kept_or_made(request, token)
            else:
                response, made = self.get_response(request), True
            if may_keep(request, response) and edge_may_keep(made, token):
                edge.edge_headers(page, response, freshness.next_change_at())
        finally:
            freshness.let_go(held)
        if response.status_code == 200 and not response.has_header("Cache-Control"):
            patch_cache_control(response, **PUBLIC_CACHE_CONTROL)
        return response

    def kept_or_made(self, request, token):
        key = page_key(request)
        kept = kept_page(key, token)
        if kept is not None:
            return sent(request, kept), False
        until = freshness.next_change_at()
        response = self.get_response(request)
        if not may_keep(request, response):
            return response, True
        if not response.has_header("ETag"):
            response["ETag"] = f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, **PUBLIC_CACHE_CONTROL)
        gzipped = compressed(response)
        if gzipped is not None:
            patch_vary_headers(response, ("Accept-Encoding",))
        page = KeptPage(
            token, until, response.status_code, list(response.items()), response.content, gzipped
        )
        freshness.keep({key: page}, _pages_in_process)
        return sent(request, page), True


def compressed(response):
    """The page's content gzipped, or None when it is not text or compressing gains little."""
    content = response.content
    if len(content) < SMALLEST_COMPRESSED or not COMPRESSIBLE.match(response["Content-Type"]):
        return None
    gzipped = compress_string(content)
    return gzipped if len(gzipped) < len(content) else None


def sent(request, page):
    """The response of a kept page: gzipped (its ETag then weak, as Django's GZipMiddleware
    makes it) if it was kept so and the request accepts it, else as it was made."""
    accepted = page.gzipped is not None and ACCEPTS_GZIP.search(
        request.META.get("HTTP_ACCEPT_ENCODING", "")
    )
    response = HttpResponse(page.gzipped if accepted else page.content, status=page.status)
    for name, value in page.headers:
        response[name] = value
    if accepted:
        response["Content-Encoding"] = "gzip"
        response["Content-Length"] = str(len(page.gzipped))
        etag = response.get("ETag", "")
        if etag.startswith('"'):
            response["ETag"] = f"W/{etag}"
    return response
