"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

A missing part (the chromium binary, the playwright module, axe-core from npm) skips these
tests with the reason on a developer's machine, and fails them on CI (CI=true), where
`.ci/run` installs every part.
"""

import contextlib
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from briefs.editorial.roles import ROLE_PERMISSIONS, ensure_editorial_groups

# Playwright's sync API keeps an asyncio loop running in this thread; Django's ORM would
# otherwise refuse to run here (SynchronousOnlyOperation), though every call stays sync.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
AXE_SCRIPT = REPO / "node_modules" / "axe-core" / "axe.min.js"
LOOPBACK_ONLY = "MAP * ~NOTFOUND, " + ", ".join(
    f"EXCLUDE {host}" for host in ("localhost", "127.0.0.1", "[::1]")
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    # Nothing but the live server on loopback: no update checks, sync or first-run calls.
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Debian's Chromium still looks up Google's hosts by itself: no name resolves but loopback.
    f"--host-resolver-rules={LOOPBACK_ONLY}",
]
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
DEFAULT_TIMEOUT_MS = 10_000


def missing(reason):
    """Skip on a developer's machine, fail on CI: there a missing part is a broken setup."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: browser tests must run here)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def sync_api():
    try:
        from playwright import sync_api
    except ImportError:
        missing(
            "the playwright Python package is not installed (pip install -r requirements-dev.txt)"
        )
    return sync_api


@pytest.fixture(scope="module")
def chromium_path():
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return str(CHROMIUM)


@pytest.fixture(scope="module")
def browser(sync_api, chromium_path):
    """One headless Chromium per test module; the asyncio loop stops with it, so tests in
    other modules run without a loop in their thread."""
    playwright = sync_api.sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def axe_script():
    if not AXE_SCRIPT.is_file():
        if shutil.which("npm") is None:
            missing(f"{AXE_SCRIPT.relative_to(REPO)} is missing and npm is not installed")
        missing(f"{AXE_SCRIPT.relative_to(REPO)} is missing (run `npm ci` in the repository)")
    return AXE_SCRIPT


class RequestsAnswered:
    """The live server's application, counting the requests it is answering: the test's
    database is emptied only once none is (a page's background request, such as the brief
    form's autosave, may still be at work when the test ends, on the same connection). From
    the end of the test until its database is emptied, it takes no new request: a beacon the
    browser sends as its pages close (the autosave's "closed") may reach the server after the
    count was looked at, and would be answered on a database being emptied ("database table
    is locked" on SQLite)."""

    def __init__(self, app):
        self.app, self.active, self.changed = app, 0, threading.Condition()
        self.taking = True

    def __call__(self, environ, start_response):
        with self.changed:
            if not self.taking:
                start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
                return [b"The test is over."]
            self.active += 1
        try:
            return _Answered(self.app(environ, start_response), self._done)
        except BaseException:
            self._done()
            raise

    def _done(self):
        with self.changed:
            self.active -= 1
            self.changed.notify_all()

    def take_requests(self):
        with self.changed:
            self.taking = True

    def stop_and_wait(self):
        """Take no new request, and wait for those at work to be answered."""
        with self.changed:
            self.taking = False
            self.changed.wait_for(lambda: self.active == 0, timeout=DEFAULT_TIMEOUT_MS / 1000)


class _Answered:
    """A response whose end (the server closing it, after the last byte) is told."""

    def __init__(self, response, done):
        self.response, self.done = response, done

    def __iter__(self):
        return iter(self.response)

    def close(self):
        try:
            if hasattr(self.response, "close"):
                self.response.close()
        finally:
            self.done()


@pytest.fixture
def site(request, live_server, transactional_db, settings):
    """The live server on a database its thread can see, with the editorial groups.

    transactional_db flushes the tables after each test, and the flush's post_migrate
    signal makes the groups again; ensure_editorial_groups() covers a database where it
    did not run. The flush waits for the requests the server is still answering, and the
    server takes no new one until the database is emptied.
    """
    server = live_server.thread.httpd
    if not isinstance(server.get_app(), RequestsAnswered):
        server.set_app(RequestsAnswered(server.get_app()))
    # Taking requests again once the test's database is emptied (pytest_runtest_teardown).
    request.node.requests_answered = server.get_app()
    if Group.objects.filter(name__in=ROLE_PERMISSIONS).count() < len(ROLE_PERMISSIONS):
        ensure_editorial_groups()
    # Absolute links (a shared preview's, the canonical ones) then lead to the live server.
    settings.SITE_URL = live_server.url
    yield live_server
    server.get_app().stop_and_wait()


def _route(route):
    """Loopback only; uploads under MEDIA_URL are served from MEDIA_ROOT, as the web server
    in front of the site does in production (Django serves them only with debug on)."""
    url = urlsplit(route.request.url)
    if url.hostname not in LOOPBACK:
        route.abort("blockedbyclient")
        return
    media_root = Path(settings.MEDIA_ROOT).resolve()
    if url.path.startswith(settings.MEDIA_URL):
        file = (media_root / unquote(url.path.removeprefix(settings.MEDIA_URL))).resolve()
        if file.is_relative_to(media_root) and file.is_file():
            route.fulfill(path=file)
            return
    route.continue_()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    try:
        return (yield)
    finally:
        # The test's database is emptied: the live server, shared by the session's tests (the
        # edge's too), takes requests again.
        answered = getattr(item, "requests_answered", None)
        if answered is not None:
            answered.take_requests()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_test_failed = report.failed
    return report


@pytest.fixture
def new_context(request, browser, site, tmp_path, sync_api):
    """Makes browser contexts (each a separate visitor with its own cookies) for the live
    server, in the site's time zone, that reach nothing but loopback addresses.

    When the test fails, each open page is kept as a screenshot and its HTML, for a human.
    """
    contexts = []
    problems = []
    # Requests the pages sent that are not yet answered or failed.
    unanswered = set()

    def make(width=1280, height=900):
        context = browser.new_context(
            base_url=site.url,
            viewport={"width": width, "height": height},
            timezone_id=settings.TIME_ZONE,
            locale="en-US",
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        context.route("**/*", _route)
        context.on("requestfailed", lambda r: problems.append(f"failed: {r.url} {r.failure}"))
        context.on(
            "response",
            lambda r: r.status >= 500 and problems.append(f"{r.status}: {r.url}"),
        )
        context.on("weberror", lambda e: problems.append(f"script error: {e.error}"))
        context.on("request", lambda r: unanswered.add(r))
        context.on("requestfinished", lambda r: unanswered.discard(r))
        context.on("requestfailed", lambda r: unanswered.discard(r))
        contexts.append(context)
        return context

    yield make
    if getattr(request.node, "browser_test_failed", False):
        for number, page in enumerate(page for context in contexts for page in context.pages):
            page.screenshot(path=tmp_path / f"page-{number}.png", full_page=True)
            (tmp_path / f"page-{number}.html").write_text(page.content(), encoding="utf-8")
        print(f"Screenshots and HTML of the open pages: {tmp_path}")
        print("Failed requests, server errors and script errors:", *problems, sep="\n  ")
    for context in contexts:
        # No background request (the brief form's autosave, heartbeat, "closed" on leaving)
        # starts once the test is over.
        with contextlib.suppress(sync_api.Error):  # a context the test closed itself
            context.route("**/autosave/", lambda route: route.abort())
    # A background request already on its way (a heartbeat the routing let through just
    # now) is answered before the contexts close: the live server may not have begun it when
    # the site's teardown looks for requests at work, and would begin it on a database being
    # emptied ("database table is locked" on SQLite).
    while unanswered:
        with contextlib.suppress(sync_api.Error):
            response = unanswered.pop().response()
            if response is not None:
                response.finished()
    for context in contexts:
        context.close()
