"""The benchmark's floor page exists only for `make bench`, never on a running site."""

import pytest

pytestmark = pytest.mark.django_db


def test_bench_floor_is_not_reachable_by_default(client):
    assert client.get("/_bench/floor/").status_code == 404
