"""Requests through a real Varnish (deploy/varnish/briefs.vcl) in front of the test's server,
as a browser sends them: cookies kept per client, redirects not followed."""

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from deploy import stack
from tests.workers import missing


@dataclass
class Answer:
    status: int
    headers: object
    content: bytes

    @property
    def text(self):
        return self.content.decode(errors="replace")

    def __getitem__(self, name):
        return self.headers[name]

    def get(self, name, default=None):
        return self.headers.get(name, default)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class _LoopbackCookies(http.cookiejar.DefaultCookiePolicy):
    """Secure cookies (debug off) sent back over the tests' plain HTTP on loopback, which
    stands for the TLS that production has in front."""

    def return_ok_secure(self, cookie, request):
        return True


class EdgeClient:
    def __init__(self, base_url):
        self.base_url = base_url.rstrip("/")
        self.cookies = http.cookiejar.CookieJar(policy=_LoopbackCookies())
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects
        )

    def request(self, path, *, method="GET", data=None, headers=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        request = urllib.request.Request(
            self.base_url + path, data=body, method=method, headers=headers or {}
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                return Answer(response.status, response.headers, response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers, error.read())

    def get(self, path, **headers):
        return self.request(path, headers=headers)

    def post(self, path, data, **headers):
        return self.request(path, method="POST", data=data, headers=headers)

    def sign_in_as(self, session_key, cookie_name="sessionid"):
        """Carry a session made by Django's test client (force_login)."""
        host = urllib.parse.urlsplit(self.base_url).hostname
        self.cookies.set_cookie(
            http.cookiejar.Cookie(
                0, cookie_name, session_key, None, False, host, False, False, "/", True,
                False, None, False, None, None, {},
            )
        )  # fmt: skip


def varnish_in_front_of(folder, backends):
    """A Varnish on a free loopback port in front of `backends`; skips (fails under CI) when
    Varnish or its xkey module is not installed."""
    port = stack.free_port()
    try:
        return stack.start_varnish(folder, port, backends, ["127.0.0.1", "localhost"])
    except stack.Missing as error:
        missing(f"{error}: the edge tests need Varnish (apt-get install varnish varnish-modules)")
