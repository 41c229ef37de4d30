"""The page for an error the site did not expect."""

import sys

from django.db import InterfaceError, OperationalError
from django.template.response import SimpleTemplateResponse
from django.views.defaults import server_error as django_server_error

# How long to tell browsers and the edge to wait before asking again when the database is
# away (a restart takes seconds).
RETRY_AFTER_SECONDS = 10


def server_error(request):
    """A 503 "back in a moment" while the database cannot be reached (a restart, a failover):
    the request may be tried again and will work. Anything else is a 500. Django calls this
    while handling the exception, so it is the one being handled."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = SimpleTemplateResponse("503.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response.render()
    return django_server_error(request)
