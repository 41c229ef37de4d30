"""Settings come from environment variables; each case runs manage.py in a fresh process."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "unused-placeholder",  # replaced by a fresh random key per run
    "DJANGO_ALLOWED_HOSTS": "briefs.example.org",
}


def clean_environment(**variables):
    """The caller's environment without any setting of ours, plus the given variables."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("DJANGO_") and name not in {"DATABASE_URL", "REDIS_URL"}
    }
    env.update(variables)
    return env


def manage(*args, **variables):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=clean_environment(**variables),
        capture_output=True,
        text=True,
        timeout=60,
    )


def printed(expression, **variables):
    """What `manage.py shell -c "print(<expression>)"` prints, in a process of its own."""
    result = manage(
        "shell",
        "--verbosity",
        "0",
        "-c",
        f"from django.conf import settings; from django.db import connection; print({expression})",
        **variables,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def production(**overrides):
    variables = {**PRODUCTION, "DJANGO_SECRET_KEY": secrets.token_urlsafe(64)}
    variables.update(overrides)
    return {name: value for name, value in variables.items() if value is not None}


def test_development_runs_with_no_variable_set():
    result = manage("check")

    assert result.returncode == 0, result.stderr


def test_production_settings_pass_the_deployment_checks_without_a_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production())

    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert not re.search(r"\bW\d{3}\b", output), output
    assert "no issues" in output


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_a_required_variable(missing):
    result = manage("check", **production(**{missing: None}))

    assert result.returncode != 0
    assert missing in result.stderr


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_an_empty_required_variable(missing):
    result = manage("check", **production(**{missing: ""}))

    assert result.returncode != 0
    assert missing in result.stderr


def test_database_url_switches_to_postgresql():
    vendor = printed("connection.vendor", DATABASE_URL="postgres://postgres@127.0.0.1:5432/test")

    assert vendor == "postgresql"


def test_without_database_url_the_database_is_sqlite():
    assert printed("connection.vendor") == "sqlite"


def test_time_zone_defaults_to_new_york():
    assert printed("settings.TIME_ZONE") == "America/New_York"


def test_time_zone_follows_its_variable():
    assert printed("settings.TIME_ZONE", DJANGO_TIME_ZONE="Europe/Kyiv") == "Europe/Kyiv"


def test_redis_url_switches_the_cache_to_redis():
    backend = printed(
        'settings.CACHES["default"]["BACKEND"], settings.CACHES["default"]["LOCATION"]',
        REDIS_URL="redis://127.0.0.1:6379/1",
    )

    assert backend == ("django.core.cache.backends.redis.RedisCache redis://127.0.0.1:6379/1")


def test_without_redis_url_the_cache_is_local_memory():
    backend = printed('settings.CACHES["default"]["BACKEND"]')

    assert backend == "django.core.cache.backends.locmem.LocMemCache"
