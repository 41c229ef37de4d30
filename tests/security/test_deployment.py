"""Production, as it starts from its environment (DJANGO_DEBUG=0): what it refuses to start
with, and the headers and cookies a browser gets from it.

Each case runs manage.py in a process of its own, as tests/test_settings.py does (where the
deployment checks and the required variables are tested); requests go through Django's test
client inside that process, with the production settings as they are.
"""

import json
import secrets

import pytest

from briefs_site.security import PERMISSIONS_POLICY
from tests.test_settings import HSTS_COMMITMENTS, manage, production

HOST = "briefs.example.org"
PASSWORD = secrets.token_urlsafe(24)

# Runs in the production process: a few requests, and what came back, as JSON.
REQUESTS = f"""
import json
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

def seen(response):
    return {{
        "status": response.status_code,
        "headers": dict(response.headers),
        "cookies": {{
            name: {{"secure": bool(c["secure"]), "httponly": bool(c["httponly"]),
                    "samesite": c["samesite"]}}
            for name, c in response.cookies.items()
        }},
    }}

# collectstatic has not run here: static URLs come without the manifest's hashes.
plain_static = {{"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES={{**settings.STORAGES, "staticfiles": plain_static}}):
    client = Client(HTTP_HOST="{HOST}")
    get_user_model().objects.create_superuser("admin", password="{PASSWORD}")
    seen_pages = {{
        "http": seen(client.get("/")),
        "front page": seen(client.get("/", secure=True)),
        "front page, kept": seen(client.get("/", secure=True)),
        "login page": seen(client.get("/admin/login/", secure=True)),
        "signed in": seen(client.post(
            "/admin/login/?next=/admin/",
            {{"username": "admin", "password": "{PASSWORD}", "next": "/admin/"}},
            secure=True,
        )),
    }}
print(json.dumps(seen_pages))
"""


def production_responses(folder, **variables):
    """What REQUESTS saw in a production process started with these variables."""
    environment = production(DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}", **variables)
    migrated = manage("migrate", "--verbosity", "0", **environment)
    assert migrated.returncode == 0, migrated.stderr
    result = manage("shell", "--verbosity", "0", "-c", REQUESTS, **environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def responses(tmp_path_factory):
    return production_responses(tmp_path_factory.mktemp("production"))


def hsts_of(response):
    header = response["headers"]["Strict-Transport-Security"]
    return dict(part.strip().partition("=")[::2] for part in header.split(";"))


def directives(policy):
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: sources for name, *sources in parts}


def test_plain_http_is_sent_to_https(responses):
    response = responses["http"]
    assert response["status"] == 301
    assert response["headers"]["Location"] == f"https://{HOST}/"


@pytest.mark.parametrize("page", ["front page", "front page, kept", "login page", "signed in"])
def test_every_response_carries_the_security_headers(responses, page):
    response = responses[page]
    assert response["status"] in {200, 302}, response
    headers = response["headers"]

    hsts = hsts_of(response)
    assert int(hsts["max-age"]) >= 365 * 24 * 60 * 60
    # Commitments beyond this site (every subdomain, the preload list) only when asked for.
    assert "includeSubDomains" not in hsts and "preload" not in hsts
    assert headers["Permissions-Policy"] == PERMISSIONS_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"

    policy = directives(headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert not [source for sources in policy.values() for source in sources if "unsafe" in source]


def test_hsts_covers_subdomains_and_asks_for_preload_when_the_variables_say_so(
    tmp_path_factory,
):
    committed = production_responses(tmp_path_factory.mktemp("hsts"), **HSTS_COMMITMENTS)

    for page in ("front page", "login page", "signed in"):
        hsts = hsts_of(committed[page])
        assert int(hsts["max-age"]) >= 365 * 24 * 60 * 60
        assert "includeSubDomains" in hsts and "preload" in hsts


def test_session_and_csrf_cookies_are_secure_and_http_only(responses):
    csrf = responses["login page"]["cookies"]["csrftoken"]
    signed_in = responses["signed in"]
    assert signed_in["status"] == 302 and signed_in["headers"]["Location"] == "/admin/"
    session = signed_in["cookies"]["sessionid"]

    for cookie in (csrf, session):
        assert cookie == {"secure": True, "httponly": True, "samesite": "Lax"}


@pytest.mark.parametrize(
    "secret",
    [
        pytest.param("development-only-insecure-key-never-used-with-debug-off", id="dev-key"),
        pytest.param("change-me-to-a-long-random-string", id="placeholder"),
        pytest.param("django-insecure-" + secrets.token_urlsafe(50), id="startproject-key"),
        pytest.param(secrets.token_urlsafe(30), id="too-short"),
        pytest.param("abcd" * 20, id="too-few-characters"),
    ],
)
def test_production_refuses_to_start_with_a_default_or_weak_secret_key(secret):
    result = manage("check", **production(DJANGO_SECRET_KEY=secret))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY is a default or weak value" in result.stderr
    assert secret not in result.stderr


def test_development_keeps_its_default_key():
    result = manage("check", DJANGO_DEBUG="1")

    assert result.returncode == 0, result.stderr
