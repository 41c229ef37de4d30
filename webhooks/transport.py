"""One webhook request: a POST to an address already checked (webhooks.addresses), within the
time-out, following nothing.

The connection opens a socket to the checked address itself rather than looking the name up
again, so that what DNS says a moment later (rebinding to an internal address) cannot change
where it goes; the Host header, TLS's server name (SNI) and the certificate's check are still
for the host name. Redirects are not followed: a 3xx is an answer like any other. The
time-out bounds the connection and the whole answer, however slowly a server trickles it out,
and only the first few kilobytes of the answer's body are read, for the admin.
"""

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

# What is kept of an answer's body: enough for an error message, not a page.
EXCERPT_BYTES = 4096


@dataclass(frozen=True)
class Answer:
    status: int
    reason: str
    location: str
    excerpt: str
    elapsed_ms: int


class Deadline:
    def __init__(self, seconds):
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def left(self):
        left = self.ends - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"No answer within {self.seconds:g} s.")
        return left


def open_socket(address, timeout):
    """A TCP connection to `address`, a (family, socket address) pair, and nothing else."""
    family, socket_address = address
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.connect(socket_address)
    except BaseException:
        sock.close()
        raise
    return sock


class PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = open_socket(self.address, self.timeout)


class PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, timeout):
        # The system's trusted certificates, with the host name checked.
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.address = address

    def connect(self):
        # Kept on the connection during the handshake, for close() and the Watchdog.
        self.sock = open_socket(self.address, self.timeout)
        self.sock = self.tls.wrap_socket(self.sock, server_hostname=self.host)


CONNECTIONS = {"http": PinnedHTTPConnection, "https": PinnedHTTPSConnection}


class Watchdog:
    """Ends a request that outlives its deadline by shutting the socket of the connection it
    watches, which wakes a read waiting on it: a socket's own time-out bounds each read, not
    the whole answer (nor a TLS handshake) of a server that trickles it out."""

    def __init__(self, seconds):
        self.fired = False
        self.connection = None
        self.timer = threading.Timer(seconds, self.fire)
        self.timer.daemon = True

    def fire(self):
        self.fired = True
        with contextlib.suppress(AttributeError, OSError):  # not connected yet, or closed
            self.connection.sock.shutdown(socket.SHUT_RDWR)

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc_info):
        self.timer.cancel()


def connect(target, addresses, deadline, watchdog):
    """A connection to the first of `addresses` that answers; the last error if none does."""
    error = None
    for address in addresses:
        connection = CONNECTIONS[target.scheme](target.host, target.port, address, deadline.left())
        watchdog.connection = connection
        try:
            connection.connect()
            return connection
        except OSError as refused:
            connection.close()
            error = refused
    raise error


def post(target, addresses, body, headers, timeout):
    """POST `body` to `target` at one of `addresses` (checked); the Answer, or an exception
    (OSError, TimeoutError among them, or http.client.HTTPException)."""
    started = time.monotonic()
    deadline = Deadline(timeout)
    with Watchdog(timeout) as watchdog:
        try:
            connection = connect(target, addresses, deadline, watchdog)
            try:
                connection.request("POST", target.path, body=body, headers=headers)
                response = connection.getresponse()
                excerpt = response.read(EXCERPT_BYTES)
            finally:
                connection.close()
        except Exception:
            if watchdog.fired:
                raise TimeoutError(f"No answer within {timeout:g} s.") from None
            raise
    return Answer(
        status=response.status,
        reason=response.reason,
        location=response.getheader("Location", ""),
        excerpt=excerpt.decode("utf-8", errors="replace"),
        elapsed_ms=round((time.monotonic() - started) * 1000),
    )
