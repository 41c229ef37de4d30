"""The benchmark's floor page exists only for `make bench`, never on a running site."""

import pytest

from tests.pages import card_titles

pytestmark = pytest.mark.django_db


def test_bench_floor_is_not_reachable_by_default(client):
    assert client.get("/_bench/floor/").status_code == 404


def test_bench_floor_renders_our_listing_of_twenty_cards(rf):
    from bench.floor import floor

    response = floor(rf.get("/_bench/floor/"))
    assert response.status_code == 200
    assert len(card_titles(response)) == 20
