"""Fixtures shared by the tests of the briefs app."""

import os
import socket

import pytest
from django.core.cache import cache

REDIS_LOCATION = "redis://127.0.0.1:6379/15"


def redis_is_running():
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(params=["local memory", "redis", "page cache off"])
def page_cache(request, settings):
    """The page cache on, backed by each of the two backends the settings can choose (the
    local-memory cache, and Redis, REDIS_URL's backend in production); or off, where what
    pages are made of is kept all the same (lists' ids and counts, rendered cards:
    briefs.public.listings, .cards), and must be as exact. Redis at 127.0.0.1:6379 is a real
    part: missing, the Redis runs skip here and fail under CI."""
    settings.BRIEFS_PAGE_CACHE = request.param != "page cache off"
    if request.param == "redis":
        if not redis_is_running():
            if os.environ.get("CI") == "true":
                pytest.fail("Redis is not running at 127.0.0.1:6379 (CI=true: it must be)")
            pytest.skip("Redis is not running at 127.0.0.1:6379")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": REDIS_LOCATION,
            }
        }
    cache.clear()
    yield request.param
    cache.clear()
