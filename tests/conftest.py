from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from briefs.public import freshness
from briefs_site.celery import app as worker_app
from tests.factories import UserFactory

# What the site sends to the worker goes nowhere: tests hand events over themselves, with
# `manage.py dispatch_events` (tests/events/test_worker.py starts a real worker).
worker_app.conf.broker_url = "memory://"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploads and thumbnails go to a temporary folder, never the developer's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with nothing cached: the database it sees is new, and its clock may
    stand anywhere."""
    cache.clear()
    freshness.forget_in_process()


@pytest.fixture(autouse=True)
def site_address(settings):
    """The site's configured address, as the test client's requests name it."""
    settings.SITE_URL = "http://testserver"


@pytest.fixture(autouse=True)
def no_second_factor_unless_asked(settings):
    """Tests sign editors in with force_login() and no second factor, whatever DJANGO_DEBUG
    says; the tests of two-factor sign-in (security/test_two_factor.py) turn it on."""
    settings.BRIEFS_REQUIRE_2FA = False


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Tests log users in often; the deliberately slow production hasher only costs time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def yesterday(now):
    return now - timedelta(days=1)


@pytest.fixture
def tomorrow(now):
    return now + timedelta(days=1)


@pytest.fixture
def analyst(db):
    return UserFactory(username="analyst", group="Analysts")


@pytest.fixture
def editor(db):
    return UserFactory(username="editor", group="Editors")


@pytest.fixture
def analyst_client(client, analyst):
    client.force_login(analyst)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def pytest_collection_modifyitems(items):
    """Browser tests start Chromium and a live server: slow, run by `make test-slow`."""
    for item in items:
        if "browser" in item.path.parts:
            item.add_marker(pytest.mark.slow)
