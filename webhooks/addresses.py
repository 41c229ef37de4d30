"""Where webhooks may go: public addresses over http or https, checked when an endpoint is
saved and again, after resolving its host, at every attempt.

An editor chooses the address, but the request leaves from inside the site's network, and its
answer is shown in the admin. Unchecked, an endpoint could reach the database, the cache, an
internal service or the cloud's metadata service (which hands out the machine's credentials).
So: http or https only, no credentials in the address, and every address the host resolves to
must be public: not loopback, private, link-local, multicast, reserved or unspecified, not
shared (carrier-grade NAT) and not a cloud metadata address, IPv4 addresses written inside IPv6
ones (::ffff:10.0.0.1, 6to4, NAT64) included. The sender then connects to the very address it
checked (webhooks.transport): a name that resolves elsewhere a moment later (DNS rebinding)
reaches nothing else.

settings.BRIEFS_WEBHOOKS_ALLOW_LOOPBACK lets loopback addresses through, and nothing else: for
the tests, whose receivers listen on 127.0.0.1.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.encoding import iri_to_uri

DEFAULT_PORTS = {"http": 80, "https": 443}
# Cloud instance metadata services (AWS, including its IPv6 one and ECS's, Alibaba, Oracle):
# named on their own, since some of them look like ordinary addresses to the rules below.
METADATA_ADDRESSES = {
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",
        "169.254.170.2",
        "fd00:ec2::254",
        "100.100.100.200",
        "192.0.0.192",
    )
}
NAT64 = ipaddress.ip_network("64:ff9b::/96")
PUBLIC_ONLY = "webhooks go only to addresses on the public internet."


class AddressRefused(Exception):
    """An address webhooks may not go to, with the reason in words for editors."""


@dataclass(frozen=True)
class Target:
    """Where a request goes: the host as sent in the Host header and checked by TLS (ASCII),
    its port, and the path with its query."""

    scheme: str
    host: str
    port: int
    path: str


def parse(url):
    """The Target of an endpoint's address, or AddressRefused for one that is not http(s),
    carries credentials or names no host."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        named = f"{scheme}://" if scheme else "an address without http:// or https://"
        raise AddressRefused(
            f"Use an http:// or https:// address: {named} cannot receive webhooks."
        )
    if parts.username is not None or parts.password is not None:
        raise AddressRefused(
            "Take the user name and password out of the address: receivers know a delivery is "
            "ours by its signature, made with the endpoint's secret."
        )
    if not parts.hostname:
        raise AddressRefused("The address names no host.")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise AddressRefused("The address's port is not a number from 1 to 65535.") from None
    path = iri_to_uri((parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
    return Target(scheme, ascii_host(parts.hostname), port, path)


def ascii_host(host):
    """The host as DNS and the Host header take it: an internationalized name in its ASCII
    (IDNA) form."""
    if ip_literal(host) is not None:
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        raise AddressRefused(f"“{host}” is not a valid host name.") from None


def ip_literal(host):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def embedded_ipv4(address):
    """The IPv4 address an IPv6 one stands for, if it carries one (IPv4-mapped, 6to4, NAT64):
    a packet to it may well reach that IPv4 address."""
    if address.version != 6:
        return None
    if address.ipv4_mapped or address.sixtofour:
        return address.ipv4_mapped or address.sixtofour
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def shown(address):
    """An address as people write it: an IPv4-mapped one with its IPv4 part dotted."""
    if address.version == 6 and address.ipv4_mapped:
        return f"::ffff:{address.ipv4_mapped}"
    return str(address)


def refusal(address):
    """Why webhooks may not go to `address` (an ip_address), in words; "" when they may."""
    effective = embedded_ipv4(address) or address
    if effective in METADATA_ADDRESSES or address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if effective.is_loopback:
        return "" if settings.BRIEFS_WEBHOOKS_ALLOW_LOOPBACK else "a loopback address (this server)"
    if effective.is_unspecified:
        return "an unspecified address"
    if effective.is_link_local:
        return "a link-local address"
    if effective.is_multicast:
        return "a multicast address"
    if effective.is_private or (effective.version == 6 and effective.is_site_local):
        return "a private network address"
    if effective.is_reserved or not effective.is_global:
        return "a reserved address, not a public one"
    return ""


def is_local_name(host):
    """Names that stand for this machine whatever DNS says (RFC 6761)."""
    name = host.rstrip(".").lower()
    return name == "localhost" or name.endswith(".localhost")


def check_host(host):
    """Refuse a host that is a refused address written out, or a name for this machine; a
    name is checked by what it resolves to (resolve())."""
    literal = ip_literal(host)
    if literal is not None:
        reason = refusal(literal)
        if reason:
            raise AddressRefused(f"{host} is {reason}: {PUBLIC_ONLY}")
    elif is_local_name(host) and not settings.BRIEFS_WEBHOOKS_ALLOW_LOOPBACK:
        raise AddressRefused(f"{host} is this server itself: {PUBLIC_ONLY}")


def resolve(target):
    """The addresses to connect to for `target`, as (family, socket address) pairs, every one
    of them allowed; AddressRefused if the host cannot be found or any address is refused (one
    refused address among public ones is a sign of rebinding, not a choice to make)."""
    check_host(target.host)
    try:
        found = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        why = getattr(error, "strerror", None) or error
        raise AddressRefused(f"{target.host} could not be found ({why}).") from None
    addresses = []
    for family, _, _, _, socket_address in found:
        address = ipaddress.ip_address(socket_address[0].split("%")[0])
        reason = refusal(address)
        if reason:
            raise AddressRefused(
                f"{target.host} points to {shown(address)}, {reason}: {PUBLIC_ONLY}"
            )
        if (family, socket_address) not in addresses:
            addresses.append((family, socket_address))
    if not addresses:
        raise AddressRefused(f"{target.host} could not be found.")
    return addresses


def validate_endpoint_url(url):
    """The address rules as a model field's validator: checked when an endpoint is saved,
    its host resolved as the sender will resolve it."""
    try:
        resolve(parse(url))
    except AddressRefused as refused:
        raise ValidationError(str(refused), code="address_refused") from None
