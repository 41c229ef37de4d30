"""With Redis away, the site answers from the database: slower, not down (common.cache)."""

import json

import pytest

from deploy.stack import free_port
from tests.factories import BriefFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def redis_away(settings):
    """The cache is a Redis on a loopback port that nothing listens on."""
    settings.CACHES = {
        "default": {
            "BACKEND": "common.cache.TolerantRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


def test_pages_are_made_from_the_database_while_redis_is_away(client, redis_away):
    brief = BriefFactory(title="Grid Drill", issues=["Iran"])
    for address in ("/", f"/briefs/{brief.slug}/", "/issues/iran/", "/feeds/briefs/"):
        for _ in range(2):
            response = client.get(address)
            assert response.status_code == 200, address
            assert "Grid Drill" in response.content.decode(), address


def test_the_health_check_reports_the_cache_away_but_still_passes(client, redis_away):
    """Taking every app server out of the balancer for a cache would take the site down."""
    response = client.get("/_health/")
    assert response.status_code == 200
    assert json.loads(response.content)["cache"] == "down"
