"""Relevance over the demo content: for each query, the brief a reader is looking for comes
first. Runs on both databases (CI runs the suite on PostgreSQL as well as SQLite)."""

import pytest
from django.core.management import call_command

from tests.pages import card_titles

pytestmark = pytest.mark.django_db

EXPECTED_FIRST = {
    "shadow fleet": "Sanctions Evasion at Sea: Tracking the Shadow Fleet",
    '"flag registries"': "Sanctions Evasion at Sea: Tracking the Shadow Fleet",
    "tankers insurance": "Sanctions Evasion at Sea: Tracking the Shadow Fleet",
    "Kremlin war budget": "Sanctions Evasion at Sea: Tracking the Shadow Fleet",
    "ransomware": "Ransomware Group Targets Regional Water Utilities",
    "water utilities": "Ransomware Group Targets Regional Water Utilities",
    "solid-fuel missile": "North Korea Tests New Solid-Fuel Missile Engine",
    "Pyongyang": "North Korea Tests New Solid-Fuel Missile Engine",
    "rial": "Iran’s Currency Slides as Subsidy Reforms Stall",
    "subsidy reforms": "Iran’s Currency Slides as Subsidy Reforms Stall",
    "critical minerals": "China Tightens Export Controls on Critical Minerals",
    "export controls": "China Tightens Export Controls on Critical Minerals",
    "Gulf energy infrastructure": "Hardening Gulf Energy Infrastructure Against Proxy Attacks",
    "proxy attacks": "Hardening Gulf Energy Infrastructure Against Proxy Attacks",
    "drone production": "Iran and Russia Deepen Drone Production Ties",
    "Tehran Moscow drones": "Iran and Russia Deepen Drone Production Ties",
}
# Words only the draft, the brief in review and the scheduled brief carry.
UNPUBLISHED_ONLY = ["nuclear risk reduction", "hacktivists", "refineries"]


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("load_demo", stdout=None)
    settings.DEBUG = False


def titles(client, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    return card_titles(response)


def test_the_brief_a_reader_looks_for_comes_first_and_unpublished_ones_never(client, demo):
    misses = {}
    for query, expected in EXPECTED_FIRST.items():
        first = titles(client, query)[:1]
        if first != [expected]:
            misses[query] = first
    assert misses == {}
    assert len(EXPECTED_FIRST) >= 12
    assert {query: titles(client, query) for query in UNPUBLISHED_ONLY} == {
        query: [] for query in UNPUBLISHED_ONLY
    }
