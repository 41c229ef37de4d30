"""What an HTTP cache in front of the site (the edge: Varnish, a CDN) may keep, and what it must
drop when the content changes (docs/deploy.md).

A public page that is the same for every reader is sent with

- `Surrogate-Control: max-age=N`: how long the edge may keep it, never past the next scheduled
  publication or withdrawal (briefs.public.freshness), so a scheduled brief appears at its time
  with no purge needed; and `stale-if-error=M` when no scheduled change falls in that time
  either, for the edge to answer with while no app server can;
- `Surrogate-Key`: what the page shows, as keys: `site` on every page; `lists` on the pages
  that list briefs across issues (the front page, /briefs/, search, the issue and expert
  indexes); `feeds`; `sitemap`; `brief-<id>`, `issue-<slug>` and `expert-<slug>` on the
  pages showing that brief, issue or expert.

Browsers are still told to revalidate every time (briefs.public.middleware): the edge is the
only cache that is purged, so the only one that may keep a page; and where there is no edge the
site can purge (common.edge.NoEdge), no page is offered to one.

Every public change is an event (events/): `purge_edge` drops, in one request to the edge,
every key the change affects. It runs right after the change commits, in the process that made
it (so the editor's next look, and every reader's, finds the new page), and again as an event
handler in the worker, which retries until the edge has taken it. A draft's save is no event
and purges nothing.
"""

import functools
import io
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIRequest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from common.edge import purge_backend, purge_backend_in_front
from events.handlers import handler
from events.models import Kind

logger = logging.getLogger(__name__)

SITE, LISTS, FEEDS, SITEMAP = "site", "lists", "feeds", "sitemap"
# A change after which any page may read differently (a format renamed, an archive restored).
EVERYTHING = [SITE]


def brief_key(brief_id):
    return f"brief-{brief_id}"


def issue_key(slug):
    return f"issue-{slug}"


def expert_key(slug):
    return f"expert-{slug}"


def _always(keys):
    """The same keys whatever the URL's arguments."""
    return lambda url_kwargs: keys


def _about(key, *others):
    """Keys of a page about one issue or expert, named by the `slug` in its URL."""
    return lambda url_kwargs: [*others, key(url_kwargs["slug"])]


# The pages the edge may keep, by URL name, with the keys of what each shows (from the URL's
# arguments); a public page not named here (a form, a page for one reader) is never kept
# there, unless its view's class names its keys (`edge_keys(url_kwargs)`: the content API's
# views, in an app above this one). A brief's page adds the keys of its parts itself
# (brief_page_keys).
KEYS_BY_VIEW = {
    "briefs:home": _always([LISTS]),
    "briefs:list": _always([LISTS]),
    "briefs:search": _always([LISTS]),
    "briefs:issues": _always([LISTS]),
    "experts:list": _always([LISTS]),
    "briefs:detail": _always([]),
    "briefs:issue": _about(issue_key),
    "experts:detail": _about(expert_key),
    "briefs:feed": _always([FEEDS]),
    "briefs:issue-feed": _about(issue_key, FEEDS),
    "experts:feed": _about(expert_key, FEEDS),
    "sitemap": _always([SITEMAP]),
    "django.contrib.sitemaps.views.sitemap": _always([SITEMAP]),
    "briefs:robots": _always([]),
}


def brief_page_keys(brief):
    """A brief's page shows the brief, its issues and experts, and under "More on" the newest
    briefs filed under those issues. It also shows the titles of the briefs it links to:
    those pages are purged through the links (the events' `linked_from`)."""
    return [
        brief_key(brief.pk),
        *(issue_key(issue.slug) for issue in brief.issues.all()),
        *(expert_key(quote.expert.slug) for quote in brief.quotes.all()),
    ]


def keys_of_page(page, response):
    """The surrogate keys of the page at `page` (a URL match, or None), or None when the
    edge may not keep it."""
    if page is None:
        return None
    view_class = getattr(page.func, "view_class", None)
    keys_of = KEYS_BY_VIEW.get(page.view_name) or getattr(view_class, "edge_keys", None)
    if keys_of is None:
        return None
    own = response.get("Surrogate-Key", "").split()
    return list(dict.fromkeys([SITE, *keys_of(page.kwargs), *own]))


def edge_headers(page, response, until):
    """Say how long the edge may keep a public page kept in the site's own cache (or about
    to be), valid until `until` (the next scheduled change, or None)."""
    keys = keys_of_page(page, response)
    if keys is None:
        return
    longest = settings.BRIEFS_EDGE_MAX_AGE
    to_next_change = None if until is None else int((until - timezone.now()).total_seconds())
    max_age = longest if to_next_change is None else max(0, min(longest, to_next_change))
    control = f"max-age={max_age}"
    stale = settings.BRIEFS_EDGE_STALE_IF_ERROR
    if to_next_change is None or to_next_change > max_age + stale:
        control += f", stale-if-error={stale}"
    response["Surrogate-Control"] = control
    response["Surrogate-Key"] = " ".join(keys)


def pages_touched(payload):
    """The issues and experts (slugs) whose pages a brief's change reaches: those it is on,
    and those it left."""
    issues = {*payload.get("issues", ()), *payload.get("left_issues", ())}
    experts = {*payload.get("experts", ()), *payload.get("left_experts", ())}
    return sorted(issues), sorted(experts)


def keys_of_event(event):
    """What the pages affected by a change show, as keys."""
    if event.kind in BRIEF_KINDS:
        issues, experts = pages_touched(event.payload)
        return [
            brief_key(event.subject.removeprefix("brief:")),
            *(brief_key(linking) for linking in event.payload.get("linked_from", ())),
            *(issue_key(slug) for slug in issues),
            *(expert_key(slug) for slug in experts),
            LISTS,
            FEEDS,
            SITEMAP,
        ]
    # A renamed issue or expert shows on every card of its briefs, wherever they are listed;
    # a format on every card; such edits are rare, so the whole edge is dropped.
    return EVERYTHING


BRIEF_KINDS = {
    Kind.BRIEF_PUBLISHED,
    Kind.BRIEF_UPDATED,
    Kind.BRIEF_WITHDRAWN,
    Kind.BRIEF_DELETED,
    Kind.BRIEF_SCHEDULED,
}
PUBLIC_KINDS = [
    *BRIEF_KINDS,
    Kind.EXPERT_CHANGED,
    Kind.ISSUE_CHANGED,
    Kind.FORMAT_CHANGED,
    Kind.SITE_CHANGED,
]


# Also run right after the change commits, in the process that made it: the worker's run
# follows within milliseconds, but the editor's very next request (and a test's) comes sooner.
@handler("edge", kinds=PUBLIC_KINDS, at_commit=True)
def purge_edge(event):
    """Drop what the change affects from the edge, in one request; a failure is retried
    (events.dispatch)."""
    purge_backend().purge(keys_of_event(event))


def make_pages_first(events):
    """Make the most read pages that `events` affect, inside the change's transaction, so
    that they wait in the site's own cache under the new content version when it commits.

    Dropped from the edge at commit, a page is asked for again by every reader who comes
    meanwhile; made afresh, the first request after a change works every list out for the new
    version, and readers would queue at the edge behind it. Made here, it is ready: the save
    takes that much longer, its readers nothing. Where there is no edge, readers are not
    sent to the site all at once, and nothing is made ahead."""
    if not purge_backend_in_front():
        return
    now = timezone.now()
    paths = [
        path
        for event in events
        if event.kind in PUBLIC_KINDS and event.due_at <= now
        for path in pages_to_make_first(event)
    ]
    warm(list(dict.fromkeys(paths)))


def pages_to_make_first(event):
    """Of the pages a change affects, those most readers come to: the front page and the
    lists' first pages and, for a brief, its own page, its issues' and experts' first pages
    and the main feed. The rest (deep pages, the issues' and experts' feeds, sitemaps, other
    briefs' pages) are made when someone asks for them."""
    paths = [reverse("briefs:home"), reverse("briefs:list"), reverse("briefs:issues")]
    if event.kind in BRIEF_KINDS:
        if event.kind in (Kind.BRIEF_PUBLISHED, Kind.BRIEF_UPDATED):
            paths.append(event.payload["url"])
        issues, experts = pages_touched(event.payload)
        paths += [reverse("briefs:issue", args=[slug]) for slug in issues]
        paths += [reverse("experts:detail", args=[slug]) for slug in experts]
        paths.append(reverse("briefs:feed"))
    return paths


def warm(paths):
    """Ask the site for each page as a reader would, inside this process and the change's
    transaction: the public page cache (briefs.public.middleware) keeps what it makes."""
    site = urlsplit(settings.SITE_URL)
    for path in paths:
        request = WSGIRequest(
            {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": path,
                "SCRIPT_NAME": "",
                "QUERY_STRING": "",
                "SERVER_NAME": site.hostname,
                "SERVER_PORT": str(site.port or (443 if site.scheme == "https" else 80)),
                "HTTP_HOST": site.netloc,
                "wsgi.url_scheme": site.scheme,
                "wsgi.input": io.BytesIO(),
            }
        )
        # In a savepoint of its own: a page that cannot be made ahead (a query that failed
        # leaves the transaction unusable until rolled back) is made when a reader asks, and
        # the change goes on.
        savepoint = transaction.savepoint()
        try:
            made = _site_handler().get_response(request).status_code < 500
        except Exception:
            logger.exception("Could not make %s ahead of the purge", path)
            made = False
        if made:
            transaction.savepoint_commit(savepoint)
        else:
            transaction.savepoint_rollback(savepoint)


@functools.cache
def _site_handler():
    """The site's middleware and views without a server: no request signals, so the request
    this runs within (an editor's save) keeps its database connection."""
    handler = BaseHandler()
    handler.load_middleware()
    return handler
