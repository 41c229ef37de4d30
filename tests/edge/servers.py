"""App servers started as production runs them (gunicorn, debug off), for the tests of more
than one server, of Redis stopping and of PostgreSQL restarting (deploy/stack.py)."""

import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest

from deploy import stack
from tests.workers import missing


def production_env(database_url, redis_port, site_url, **more):
    """Settings of an app server as production runs it; without `redis_port`, each server
    caches in its own memory."""
    redis = {"REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"} if redis_port else {}
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BRIEFS_SITE_URL": site_url,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "BRIEFS_REQUIRE_2FA": "0",
        "DATABASE_URL": database_url,
        **redis,
        **more,
    }


def collect_static(env):
    """Debug off, pages name their static files by the manifest collectstatic writes, and it
    writes one only with the servers' own settings (`env`, debug off)."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=stack.REPO,
        env={**os.environ, **env},
        check=True,
    )


def started(start, *args, **kwargs):
    try:
        return start(*args, **kwargs)
    except stack.Missing as error:
        missing(str(error))


def fetch(url, timeout=10):
    """(status, body) of a GET, whatever the status."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


class Readers:
    """Readers requesting `urls` in turn from a few threads until stopped, each answer kept
    with the moment its request was sent."""

    def __init__(self, urls, threads=4):
        self.urls, self.answers = urls, []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._read, args=(n,)) for n in range(threads)]

    def _read(self, offset):
        turn = offset
        while not self._stop.is_set():
            url = self.urls[turn % len(self.urls)]
            sent = time.monotonic()
            status, body = fetch(url)
            self.answers.append((sent, url, status, body))
            turn += 1

    def __enter__(self):
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def statuses(self, since=float("-inf"), until=float("inf")):
        return Counter(status for sent, _, status, _ in self.answers if since <= sent < until)


def wait_for(condition, what, seconds=30, seen=None):
    """Poll for something the readers or another process do (not for time to pass); on
    failure, say what `seen()` reports instead."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            instead = f"; seen instead: {seen()}" if seen else ""
            pytest.fail(f"{what} did not happen within {seconds} s{instead}")
        time.sleep(0.05)


def backend_health(varnish):
    """{backend name: "healthy" or "sick"} as Varnish's probes see them now."""
    listing = subprocess.run(
        [stack.require("varnishadm"), "-n", str(varnish.workdir), "backend.list"],
        capture_output=True, text=True, check=True, timeout=10,
    ).stdout  # fmt: skip
    health = {}
    for line in listing.splitlines()[1:]:
        if not line.strip():
            continue
        name, *columns = line.split()
        health[name.rpartition(".")[2]] = "sick" if "sick" in columns else "healthy"
    return health
