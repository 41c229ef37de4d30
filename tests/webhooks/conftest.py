import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO

import pytest
from django.core.management import call_command

from webhooks.delivery import send_due
from webhooks.models import PUBLIC_KINDS, Endpoint

# The address a test says a public name resolves to (TEST-NET-3 is not public, so an address
# of a real site, which nothing here ever connects to).
PUBLIC_ADDRESS = "93.184.215.14"


class Names(dict):
    """What the fake DNS knows, and (`asked`) the names it was asked for, in order."""

    def __init__(self):
        super().__init__()
        self.asked = []


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """Names resolve only as a test says (`dns["hooks.example.org"] = ["93.184.215.14"]`): no
    test asks a real DNS server. Addresses written out resolve as themselves."""
    names = Names()
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        names.asked.append(host)
        if host in names:
            return [answer(address, port) for address in names[host]]
        return real_getaddrinfo(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return names


def answer(address, port):
    if ":" in address:
        return (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0))
    return (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def document(self):
        return json.loads(self.body)


class Receiver:
    """A webhook receiver on 127.0.0.1 (http.server, in a thread): it keeps every request and
    answers each with the next of `answers` (a status, or "hang" to answer nothing until the
    test ends, or "trickle" to send its answer a byte at a time), then 200."""

    def __init__(self):
        self.requests = []
        self.answers = []
        self.released = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(Received(self.path, dict(self.headers), body))
                receiver.answer(self, receiver.answers.pop(0) if receiver.answers else 200)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # Asked to stop, it notices within the poll interval.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self):
        return self.server.server_address[1]

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def answer(self, handler, how):
        if how == "hang":
            self.released.wait(30)
            return
        if how == "trickle":
            # Never silent for long enough to trip a socket's own time-out.
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"." * 60:
                if self.released.is_set():
                    return
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
                time.sleep(0.05)
            return
        status, headers = how if isinstance(how, tuple) else (how, {})
        content = b"received" if status < 400 else b"something went wrong here"
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def loopback_allowed(settings):
    settings.BRIEFS_WEBHOOKS_ALLOW_LOOPBACK = True


@pytest.fixture
def receiver(loopback_allowed):
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def another_receiver(loopback_allowed):
    receiver = Receiver().start()
    yield receiver
    receiver.stop()


@pytest.fixture
def deliver(db):
    """What the worker does: hand over due events (the handler queues the deliveries), then
    send the deliveries due. Returns how many were attempted."""

    def run():
        call_command("dispatch_events", stdout=StringIO())
        return send_due()

    return run


def make_endpoint(url, kinds=PUBLIC_KINDS, name="Partner site", **fields):
    return Endpoint.objects.create(name=name, url=url, kinds=list(kinds), **fields)
