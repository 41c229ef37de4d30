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


HSTS_COMMITMENTS = {"DJANGO_HSTS_INCLUDE_SUBDOMAINS": "1", "DJANGO_HSTS_PRELOAD": "1"}


@pytest.mark.parametrize(
    "hsts",
    [
        pytest.param({}, id="hsts-defaults"),
        pytest.param({"DJANGO_HSTS_INCLUDE_SUBDOMAINS": "1"}, id="hsts-subdomains"),
        pytest.param(HSTS_COMMITMENTS, id="hsts-subdomains-and-preload"),
    ],
)
def test_production_settings_pass_the_deployment_checks_without_a_warning(hsts):
    result = manage("check", "--deploy", "--fail-level", "WARNING", **production(**hsts))

    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert not re.search(r"\bW\d{3}\b", output), output
    assert "no issues" in output


@pytest.mark.parametrize(
    ("hsts", "silenced"),
    [
        ({}, "['security.W005', 'security.W021']"),
        ({"DJANGO_HSTS_INCLUDE_SUBDOMAINS": "1"}, "['security.W021']"),
        (HSTS_COMMITMENTS, "[]"),
    ],
)
def test_only_the_warnings_about_hsts_commitments_left_off_are_silenced(hsts, silenced):
    assert printed("settings.SILENCED_SYSTEM_CHECKS", **production(**hsts)) == silenced


def test_hsts_preload_without_subdomains_refuses_to_start():
    result = manage("check", **production(DJANGO_HSTS_PRELOAD="1"))

    assert result.returncode != 0
    assert "DJANGO_HSTS_PRELOAD=1 needs DJANGO_HSTS_INCLUDE_SUBDOMAINS=1" in result.stderr


@pytest.mark.parametrize(
    ("variables", "hops"),
    [
        ({}, "0"),
        ({"DJANGO_BEHIND_TLS_PROXY": "1"}, "1"),
        ({"DJANGO_BEHIND_TLS_PROXY": "1", "DJANGO_TRUSTED_PROXY_HOPS": ""}, "1"),
        ({"DJANGO_BEHIND_TLS_PROXY": "1", "DJANGO_TRUSTED_PROXY_HOPS": "2"}, "2"),
        ({"DJANGO_BEHIND_TLS_PROXY": "1", "DJANGO_TRUSTED_PROXY_HOPS": "0"}, "0"),
    ],
)
def test_trusted_proxy_hops_default_to_one_behind_a_tls_proxy_and_follow_their_variable(
    variables, hops
):
    assert printed("settings.TRUSTED_PROXY_HOPS", **variables) == hops


@pytest.mark.parametrize("value", ["-1", "two", "1.5", "\u00b2"])
def test_trusted_proxy_hops_that_are_not_a_whole_number_refuse_to_start(value):
    result = manage("check", DJANGO_TRUSTED_PROXY_HOPS=value)

    assert result.returncode != 0
    assert "DJANGO_TRUSTED_PROXY_HOPS must be a whole number" in result.stderr


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

    assert backend == "common.cache.TolerantRedisCache redis://127.0.0.1:6379/1"


def test_without_redis_url_the_cache_is_local_memory():
    backend = printed('settings.CACHES["default"]["BACKEND"]')

    assert backend == "django.core.cache.backends.locmem.LocMemCache"
