"""Purging an HTTP cache in front of the site (the edge) by surrogate key (docs/deploy.md).

A purge backend takes a list of keys and drops every object carrying any of them, in one
request, or raises: the caller (an event handler) retries. `BRIEFS_EDGE_BACKEND` names the
backend by dotted path; Varnish with the xkey module is the one implemented here. A CDN that
purges by tag (Fastly's surrogate keys, Cloudflare's cache tags) is another class with the same
`purge(keys)`.
"""

import functools
import urllib.error
import urllib.request

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string


class PurgeFailed(Exception):
    pass


class PurgeBackend:
    def purge(self, keys):
        """Drop every object carrying any of `keys` (a list of strings without spaces)."""
        raise NotImplementedError


class NoEdge(PurgeBackend):
    """No cache in front of the site (development, or one server alone): nothing to purge."""

    def purge(self, keys):
        pass


class Varnish(PurgeBackend):
    """Every Varnish in `BRIEFS_EDGE_PURGE_URLS`, each sent `PURGE /` with the keys in an
    `xkey-purge` header (deploy/varnish/briefs.vcl); each must answer 200."""

    def __init__(self, urls=None, timeout=None):
        self.urls = urls if urls is not None else settings.BRIEFS_EDGE_PURGE_URLS
        self.timeout = timeout or settings.BRIEFS_EDGE_PURGE_TIMEOUT

    def purge(self, keys):
        failures = []
        for url in self.urls:
            for header in _headers_of(keys):
                request = urllib.request.Request(
                    url, method="PURGE", headers={"xkey-purge": header}
                )
                try:
                    with urllib.request.urlopen(request, timeout=self.timeout) as response:
                        response.read()
                except (urllib.error.URLError, OSError) as error:
                    failures.append(f"{url}: {error}")
        if failures:
            raise PurgeFailed("; ".join(failures))


# Varnish refuses a request header longer than 8 KB (http_req_hdr_len): a change naming more
# keys than fit (a brief that hundreds of others link to) is purged in several requests.
LONGEST_HEADER = 4000


def _headers_of(keys):
    """The keys as xkey-purge header values, each at most LONGEST_HEADER characters."""
    header = ""
    for key in keys:
        if header and len(header) + 1 + len(key) > LONGEST_HEADER:
            yield header
            header = ""
        header = f"{header} {key}" if header else key
    if header:
        yield header


@functools.cache
def purge_backend():
    return import_string(settings.BRIEFS_EDGE_BACKEND)()


def purge_backend_in_front():
    """Whether there is an edge the site can purge. Without one, no page is offered for an
    edge to keep: a cache the site cannot purge would show it stale."""
    return not isinstance(purge_backend(), NoEdge)


@receiver(setting_changed)
def _forget_backend(setting, **kwargs):
    if setting.startswith("BRIEFS_EDGE_"):
        purge_backend.cache_clear()
