"""What the site adds to Django's own defences: sign-in throttling with django-axes (who a
client is, and what a locked-out client sees), the Permissions-Policy header, and the admin's
query parameters cleaned of control characters."""

import math
import unicodedata

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib import admin
from django.http import QueryDict
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


# Browser features no page of ours uses, denied to the page and to anything it might embed:
# a script injected despite the Content-Security-Policy still cannot reach them. A name the
# browser does not know is ignored (a console warning only): tests/browser checks Chromium
# knows each. Security keys (publickey-credentials-*) stay allowed for two-factor sign-in.
DENIED_FEATURES = (
    "accelerometer",
    "browsing-topics",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "hid",
    "interest-cohort",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "serial",
    "usb",
    "xr-spatial-tracking",
)
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in DENIED_FEATURES)


class PermissionsPolicyMiddleware:
    """Sends PERMISSIONS_POLICY with every response (Django has no setting for it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response


def _without_control_characters(text):
    return "".join(" " if unicodedata.category(char) == "Cc" else char for char in text)


class AdminQueryCleaningMiddleware:
    """The admin's query parameters (list filters, search, autocomplete terms) with control
    characters turned into spaces, as the public search does with its query.

    The admin hands these values to the database as they come, and PostgreSQL refuses a
    NUL in text: `?q=%00` or `?status__exact=%00` would be a server error. No filter or
    search of ours needs a control character, so they are taken out once, here, for every
    admin page (ours, the experts' and Django's own) instead of in each list and lookup.
    Forms need nothing of the kind: Django's form fields already refuse NUL."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/admin/") and request.META.get("QUERY_STRING"):
            given = request.GET
            pairs = [(name, value) for name, values in given.lists() for value in values]
            cleaned = [
                (_without_control_characters(name), _without_control_characters(value))
                for name, value in pairs
            ]
            if cleaned != pairs:
                query = QueryDict(mutable=True, encoding=given.encoding)
                for name, value in cleaned:
                    query.appendlist(name, value)
                request.META["QUERY_STRING"] = query.urlencode()
                request.GET = QueryDict(request.META["QUERY_STRING"], encoding=given.encoding)
        return self.get_response(request)
