import ipaddress

from django.conf import settings


def client_ip_address(request):
    """The address sign-in failures are counted by.

    Each trusted proxy (settings.TRUSTED_PROXY_HOPS of them) appends the address it got the
    request from to X-Forwarded-For, so the client is the HOPS-th entry from the right: the
    entries before it are whatever the client chose to send. A header with fewer entries did
    not pass through all the proxies, and an entry that is no IP address is not one a proxy
    wrote: REMOTE_ADDR then. With no proxy (0 hops) the header is not read at all.

    This holds only if the app cannot be reached except through the proxies. A client that
    reaches it directly writes the whole header, so with hops >= 1 it can name a new address
    on each attempt and escape the per-address lockout; the per-account lockout still holds,
    as it counts the username whatever the address (tests/security/test_login_throttling.py).
    """
    remote = request.META.get("REMOTE_ADDR")
    hops = settings.TRUSTED_PROXY_HOPS
    if not hops:
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    if len(forwarded) < hops:
        return remote
    try:
        return str(ipaddress.ip_address(forwarded[-hops]))
    except ValueError:
        return remote
