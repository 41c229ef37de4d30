"""Search on PostgreSQL does bounded work however many briefs match (briefs.public.search):
counts and facets estimated from a sample beyond a few thousand matches, the newest
candidates ranked, snippets made for the page shown. What a reader sees of each."""

import re
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from briefs.models import SearchEntry
from briefs.public import search
from tests.factories import BriefFactory
from tests.pages import card_titles, visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the search entries and their sample are PostgreSQL's (SQLite uses FTS5)")


@pytest.fixture
def walruses(postgresql, now):
    """Twelve briefs about walruses, a day apart, the newest first."""
    return [
        BriefFactory(
            title=f"Walrus count {number}",
            issues=["Arctic"],
            publish_at=now - timedelta(days=number + 1),
        )
        for number in range(12)
    ]


def test_a_few_matches_are_counted_exactly(client, walruses):
    response = client.get("/search/", {"q": "walrus"})
    text = visible_text(response)
    assert "12 briefs found" in text
    assert "About 12" not in text
    assert "≈" not in text


def test_many_matches_are_counted_from_a_sample_and_say_so(client, walruses, monkeypatch):
    # As if the archive were thousands of times larger: four matches in sample bucket 0, the
    # others elsewhere, and a sample of one bucket, which stands for 1 in 1,024.
    for position, brief in enumerate(walruses):
        SearchEntry.objects.filter(pk=brief.pk).update(sample=0 if position % 3 == 0 else 1)
    monkeypatch.setattr(search, "SAMPLE_SIZE", 4)
    response = client.get("/search/", {"q": "walrus"})
    text = visible_text(response)
    assert "About 4,100 briefs found" in text
    assert "Arctic about ≈4,100" in text
    # The twelve are still all listed: ranking does not sample.
    assert len(card_titles(response)) == 12


def test_when_more_match_than_are_ranked_the_newest_are_listed_and_the_page_says_so(
    client, walruses, monkeypatch
):
    monkeypatch.setattr(search, "NEWEST_CANDIDATES", 3)
    monkeypatch.setattr(search, "HEADING_CANDIDATES", 1)
    response = client.get("/search/", {"q": "walrus"})
    text = visible_text(response)
    assert "12 briefs found" in text
    assert "The 3 most relevant of the newest are listed" in text
    assert sorted(card_titles(response)) == ["Walrus count 0", "Walrus count 1", "Walrus count 2"]


@pytest.fixture
def few_ranked(monkeypatch):
    """Three of the newest matches ranked, and one of the newest with a word in the heading:
    as on an archive where thousands match, the newest are looked for in a window of time."""
    monkeypatch.setattr(search, "NEWEST_CANDIDATES", 3)
    monkeypatch.setattr(search, "HEADING_CANDIDATES", 1)


def test_the_newest_matches_are_listed_to_the_hour_and_none_still_to_come(
    client, postgresql, now, few_ranked
):
    for hours in (0, 1, 2, *range(30, 2000, 97)):
        BriefFactory(title=f"Walrus {hours} hours ago", publish_at=now - timedelta(hours=hours))
    BriefFactory(title="Walrus in an hour", publish_at=now + timedelta(hours=1))
    titles = card_titles(client.get("/search/", {"q": "walrus"}))
    assert sorted(titles) == ["Walrus 0 hours ago", "Walrus 1 hours ago", "Walrus 2 hours ago"]


def test_a_year_s_newest_matches_are_listed_when_more_match_than_are_ranked(
    client, postgresql, few_ranked
):
    zone = timezone.get_current_timezone()
    for month in range(1, 13):
        BriefFactory(
            title=f"Walrus of 2024, month {month}",
            publish_at=datetime(2024, month, 28, 23, tzinfo=zone),
        )
    BriefFactory(title="Walrus of 2025", publish_at=datetime(2025, 1, 1, tzinfo=zone))
    titles = card_titles(client.get("/search/", {"q": "walrus", "year": "2024"}))
    assert sorted(titles) == [f"Walrus of 2024, month {month}" for month in (10, 11, 12)]


def test_a_match_deep_in_a_long_brief_is_shown_in_its_snippet(client, postgresql):
    filler = " ".join(f"word{number}" for number in range(200))
    BriefFactory(
        title="Long Read",
        latest_developments=f"{filler} The narwhal surfaced. {filler} Narwhals again.",
    )
    html = client.get("/search/", {"q": "narwhal"}).content.decode()
    snippet = re.search(r'<p class="snippet">(.*?)</p>', html).group(1)
    assert re.findall(r"<mark>(.*?)</mark>", snippet) == ["narwhal", "Narwhals"]
    assert " … " in snippet
    assert "word100 " not in snippet


def test_a_phrase_of_common_words_finds_only_the_phrase(client, postgresql):
    BriefFactory(title="Forces", latest_developments="The military forces moved north.")
    BriefFactory(title="Scattered", latest_developments="Forces of habit; military music.")
    assert card_titles(client.get("/search/", {"q": '"military forces"'})) == ["Forces"]


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_search_entries_finds_its_briefs_once_migrated(client):
    BriefFactory(title="Walrus Census", latest_developments="Counted from the air.")
    MigrationExecutor(connection).migrate([("briefs", "0010_unsaved_edit")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert card_titles(client.get("/search/", {"q": "counted air"})) == ["Walrus Census"]


@pytest.mark.parametrize(
    "weeks_ago",
    [range(104), range(8, 112), [1, 5, *range(8, 112)]],
    ids=["steady", "after a pause", "a trickle after a pause"],
)
def test_the_newest_matches_are_ranked_at_once_however_thinly_the_last_weeks_were_published(
    client, postgresql, now, few_ranked, weeks_ago
):
    # A match a week for two years, then a pause in publishing, or a few briefs in it: the
    # newest are looked for among the newest briefs, not in the weeks before now (or the
    # newest brief), which may hold none, so that every match would be ranked instead.
    for weeks in weeks_ago:
        BriefFactory(title=f"Walrus, {weeks} weeks ago", publish_at=now - timedelta(weeks=weeks))
    with CaptureQueriesContext(connection) as statements:
        titles = card_titles(client.get("/search/", {"q": "walrus"}))
    assert sorted(titles) == sorted(f"Walrus, {weeks} weeks ago" for weeks in sorted(weeks_ago)[:3])
    assert len(statements) <= 8
    assert len([one for one in statements if "ts_rank" in one["sql"]]) == 1


@pytest.fixture
def word_gone_out_of_use(postgresql, now, few_ranked):
    """A brief a week for 110 weeks, about walruses for a year two years ago and once since:
    the newest briefs hold fewer walruses than the word's share of all briefs says."""
    for weeks in range(110):
        subject = "Walrus" if weeks >= 60 or weeks == 30 else "Narwhal"
        BriefFactory(title=f"{subject}, {weeks} weeks ago", publish_at=now - timedelta(weeks=weeks))


def test_the_newest_matches_of_a_word_gone_out_of_use_are_still_listed(
    client, word_gone_out_of_use
):
    titles = card_titles(client.get("/search/", {"q": "walrus"}))
    assert sorted(titles) == [
        "Walrus, 30 weeks ago",
        "Walrus, 60 weeks ago",
        "Walrus, 61 weeks ago",
    ]


@pytest.mark.parametrize(
    "in_first_bucket",
    [[], ["Walrus, 60 weeks ago"], ["Narwhal, 0 weeks ago", "Walrus, 61 weeks ago"]],
    ids=["no match in the sample's first bucket", "one match there", "two briefs there"],
)
def test_a_word_gone_out_of_use_is_looked_for_only_as_far_back_as_ranking_may_read(
    client, word_gone_out_of_use, monkeypatch, in_first_bucket
):
    # Which briefs fall in the sample's first bucket (by id) does not change what is looked
    # for: on a small archive one match there would stand for a thousand.
    SearchEntry.objects.update(sample=1)
    SearchEntry.objects.filter(brief__title__in=in_first_bucket).update(sample=0)
    # Ranking allowed to read about 20 entries: on a million briefs, ranking every match of a
    # word used for years took seconds.
    monkeypatch.setattr(search, "READ_FOR_RANKING", 20)
    response = client.get("/search/", {"q": "walrus"})
    assert card_titles(response) == ["Walrus, 30 weeks ago"]
    assert "The 1 most relevant of the newest are listed" in visible_text(response)
