import pytest


@pytest.fixture(autouse=True)
def no_api_allowance(settings):
    """Tests read the API far faster than a client may; the allowance has tests of its own."""
    settings.BRIEFS_API_REQUESTS_PER_MINUTE = 0


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def slugs(response):
    return [brief["slug"] for brief in results(response)]
