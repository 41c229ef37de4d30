"""Each client address's allowance of API requests: BRIEFS_API_REQUESTS_PER_MINUTE in each
minute of the clock, counted in the shared cache (Redis in production), so every app server
counts against one allowance.

A middleware rather than DRF's throttles: a public answer is usually served by the page cache
before any view runs, and a kept answer counts as much as a made one. A count that cannot be
kept (Redis away) lets the request through: the site stays up, unthrottled, until Redis is
back (common.cache)."""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse

from common.clients import client_ip_address

MINUTE = 60


def requests_this_minute(address, minute):
    key = f"api:requests:{address}:{minute}"
    try:
        return cache.incr(key)
    except ValueError:
        if cache.add(key, 1, timeout=MINUTE + 1):
            return 1
        return cache.incr(key)  # another request of the same client added it meanwhile


class ApiAllowanceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        allowance = settings.BRIEFS_API_REQUESTS_PER_MINUTE
        if not allowance or not request.path.startswith("/api/"):
            return self.get_response(request)
        now = time.time()
        minute = int(now // MINUTE)
        if requests_this_minute(client_ip_address(request), minute) <= allowance:
            return self.get_response(request)
        wait = MINUTE * (minute + 1) - int(now)
        return JsonResponse(
            {
                "detail": (
                    f"Too many requests: this address may make {allowance} a minute. "
                    f"Try again in {wait} seconds."
                )
            },
            status=429,
            headers={"Retry-After": str(wait), "Cache-Control": "no-store"},
        )
