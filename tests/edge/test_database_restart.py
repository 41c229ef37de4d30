"""PostgreSQL restarted under load: requests in the gap get a 503 page saying to try again in a
moment (never a traceback), and every request after it is answered."""

import os
import subprocess
import sys
import time

import pytest

from deploy import stack
from tests.edge.servers import Readers, collect_static, production_env, started, wait_for

pytestmark = [pytest.mark.slow]


def test_a_database_restart_under_load_is_a_503_page_in_the_gap_and_nothing_after(tmp_path):
    port = stack.free_port()
    database = started(stack.start_postgres, tmp_path / "postgres", port)
    app = None
    try:
        url = f"postgres://postgres@127.0.0.1:{port}/briefs"
        stack.ensure_database(url)
        env = production_env(url, None, "http://127.0.0.1")
        for command in (["migrate", "--noinput", "-v", "0"], ["load_demo"]):
            subprocess.run(
                [sys.executable, "manage.py", *command],
                cwd=stack.REPO,
                env={**os.environ, **env, "DJANGO_DEBUG": "1"},  # the demo's accounts
                check=True,
                capture_output=True,
            )
        collect_static(env)
        app_port = stack.free_port()
        app = stack.start_app(tmp_path, app_port, env, workers=2)
        base = f"http://127.0.0.1:{app_port}"
        with Readers([f"{base}/", f"{base}/briefs/", f"{base}/issues/"]) as readers:
            wait_for(
                lambda: readers.statuses()[200] > 20,
                "answers before the restart",
                seen=readers.statuses,
            )
            database.stop()
            stopped_at = time.monotonic()
            wait_for(
                lambda: readers.statuses(since=stopped_at)[503] > 0,
                "a 503 in the gap",
                seen=lambda: readers.statuses(since=stopped_at),
            )
            database = stack.start_postgres(tmp_path / "postgres", port)
            back_at = time.monotonic()
            wait_for(
                lambda: readers.statuses(since=back_at)[200] > 50,
                "answers after it",
                seen=lambda: readers.statuses(since=back_at),
            )
        in_the_gap = [body for sent, _, status, body in readers.answers if status != 200]
        assert set(readers.statuses()) == {200, 503}, readers.statuses()
        for body in in_the_gap:
            assert "Back in a moment" in body and "Traceback" not in body
        assert set(readers.statuses(since=back_at)) == {200}, readers.statuses(since=back_at)
        print(f"answers: {dict(readers.statuses())}; in the gap: {len(in_the_gap)}")
    finally:
        if app is not None:
            app.stop()
        database.stop()
