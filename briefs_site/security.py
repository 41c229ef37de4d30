"""Sign-in throttling with django-axes: who a client is, and what a locked-out client sees."""

import math

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import admin
from django.shortcuts import render


class SignInThrottleBackend(AxesStandaloneBackend):
    """Refuses sign-ins while the address or the account is locked out (django-axes).

    A sign-in without a request (code on the server, such as the test client's login())
    comes from no address and cannot be throttled: it goes on to the next backend instead
    of failing as AxesStandaloneBackend makes it.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def client_ip_address(request):
    """The address sign-in failures are counted by. Behind our TLS proxy every request comes
    from the proxy; the client is the address the proxy added last to X-Forwarded-For, since
    the ones before it are whatever the client chose to send."""
    if settings.BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR")


def lockout_response(request, original_response=None, credentials=None):
    """The admin's sign-in page, saying why signing in is refused and for how long; 429."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    context = {
        **admin.site.each_context(request),
        "title": "Signing in is locked",
        "minutes": minutes,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
    }
    # Rendered here: axes returns it from its middleware, after the view's response.
    response = render(request, "axes/lockout.html", context, status=429)
    response["Retry-After"] = str(minutes * 60)
    return response
