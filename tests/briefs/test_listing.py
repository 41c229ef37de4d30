"""/briefs/: every public brief, newest first, narrowed by ?issue=a&issue=b to all of them."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefs.models import Brief
from tests.factories import BriefFactory, IssueFactory
from tests.pages import card_titles, elements, visible_text

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
ISSUE_NAMES = ["Iran", "Russia", "Ukraine", "China"]


def listed_titles(response):
    return card_titles(response)


def test_list_shows_public_briefs_newest_first(client, now):
    BriefFactory(title="Older", publish_at=now - timedelta(days=2))
    BriefFactory(title="Newer", publish_at=now - timedelta(days=1))
    BriefFactory(title="Draft", status=Brief.Status.DRAFT)
    BriefFactory(title="Scheduled", publish_at=now + timedelta(days=1))
    assert listed_titles(client.get("/briefs/")) == ["Newer", "Older"]


def test_issue_filter_narrows_to_briefs_under_all_chosen_issues(client):
    BriefFactory(title="Both", issues=["Iran", "Russia"])
    BriefFactory(title="Only Iran", issues=["Iran"])
    BriefFactory(title="Only Russia", issues=["Russia"])
    assert listed_titles(client.get("/briefs/?issue=iran&issue=russia")) == ["Both"]
    assert sorted(listed_titles(client.get("/briefs/?issue=iran"))) == ["Both", "Only Iran"]


def test_each_chosen_issue_is_shown_and_removable(client):
    BriefFactory(issues=["Iran", "Russia", "Ukraine"])
    response = client.get("/briefs/?issue=iran&issue=russia&utm_source=mail")
    text = visible_text(response)
    assert "Briefs on Iran and Russia" in text
    removers = {a["aria-label"]: a["href"] for a in elements(response, "a") if "aria-label" in a}
    assert removers["Remove Iran"] == "/briefs/?issue=russia"
    assert removers["Remove Russia"] == "/briefs/?issue=iran"
    adders = [a["href"] for a in elements(response, "a")]
    assert "/briefs/?issue=iran&issue=russia&issue=ukraine" in adders


def test_pagination_keeps_the_issue_filter(client, settings):
    settings.BRIEFS_PAGE_SIZE = 2
    for _ in range(3):
        BriefFactory(issues=["Iran"])
    response = client.get("/briefs/?issue=iran")
    assert {"rel": "next", "href": "/briefs/?issue=iran&page=2"} in elements(response, "a")
    second = client.get("/briefs/?issue=iran&page=2")
    assert len(listed_titles(second)) == 1
    assert {"rel": "prev", "href": "/briefs/?issue=iran"} in elements(second, "a")


@pytest.mark.parametrize(
    "query",
    [
        "issue=nowhere",
        "issue=draft-only",
        "page=0",
        "page=2",
        "page=-1",
        "page=x",
    ],
)
def test_bad_list_parameters_answer_404(client, query):
    BriefFactory(issues=["Iran"])
    BriefFactory(status=Brief.Status.DRAFT, issues=["Draft Only"])
    for n in range(9):
        BriefFactory(issues=[f"I{n}"])
    assert client.get(f"/briefs/?{query}").status_code == 404


SIX_ISSUES = ["Iran", "Russia", "Ukraine", "China", "Sanctions", "Energy"]


def issue_query(names):
    return "&".join(f"issue={name.lower()}" for name in names)


@pytest.mark.parametrize("count", [6, 94])
def test_more_issues_than_the_list_takes_answer_400_saying_so(client, count):
    """Each issue is one more join to match (94 took 3.5 s): more than five are refused, with
    a page saying which filter to trim, even when every issue exists."""
    BriefFactory(title="Everywhere", issues=SIX_ISSUES)
    names = (SIX_ISSUES * 16)[:count]

    response = client.get(f"/briefs/?{issue_query(names)}")

    assert response.status_code == 400
    text = visible_text(response)
    assert "Too many filters" in text
    assert f"This address asks for {count} issues at once; choose at most 5 issues." in text
    assert '<a href="/briefs/">start again without filters</a>' in response.content.decode()
    assert "Everywhere" not in text


def test_five_issues_are_taken_and_then_no_link_offers_a_sixth(client):
    BriefFactory(title="Everywhere", issues=SIX_ISSUES)

    response = client.get(f"/briefs/?{issue_query(SIX_ISSUES[:5])}")

    assert response.status_code == 200
    assert listed_titles(response) == ["Everywhere"]
    assert "At most 5 issues at once: remove one to choose another." in visible_text(response)
    assert not [a for a in elements(response, "a") if "issue=energy" in a.get("href", "")]


def test_a_repeated_issue_counts_once(client):
    BriefFactory(title="Filed", issues=["Iran"])
    assert listed_titles(client.get("/briefs/?issue=iran&issue=iran")) == ["Filed"]


brief_rows = st.lists(
    st.tuples(
        st.sets(st.sampled_from(range(len(ISSUE_NAMES)))),
        st.sampled_from(list(Brief.Status)),
        st.integers(min_value=-72, max_value=72),
    ),
    max_size=12,
)
chosen_issues = st.lists(st.sampled_from(range(len(ISSUE_NAMES))), min_size=1, max_size=3)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=brief_rows, chosen=chosen_issues)
def test_issue_filter_matches_a_plain_python_oracle(client, time_machine, rows, chosen):
    time_machine.move_to(NOW, tick=False)
    with transaction.atomic():
        issues = [IssueFactory(name=name) for name in ISSUE_NAMES]
        briefs = []
        for index, (issue_indexes, status, hours) in enumerate(rows):
            brief = BriefFactory(
                title=f"Brief {index}",
                status=status,
                publish_at=NOW + timedelta(hours=hours),
                issues=[issues[i] for i in issue_indexes],
            )
            briefs.append((brief, issue_indexes))

        public = [(b, idx) for b, idx in briefs if b.status == "published" and b.publish_at <= NOW]
        public_issues = {i for _, idx in public for i in idx}
        slugs = "&".join(f"issue={issues[i].slug}" for i in chosen)
        response = client.get(f"/briefs/?{slugs}")

        if not set(chosen) <= public_issues:
            assert response.status_code == 404
        else:
            expected = sorted(
                (b for b, idx in public if set(chosen) <= idx),
                key=lambda b: (b.publish_at, b.pk),
                reverse=True,
            )
            assert response.status_code == 200
            assert listed_titles(response) == [b.title for b in expected]
        transaction.set_rollback(True)


def test_a_card_without_a_summary_shows_the_opening_of_latest_developments(client):
    words = " ".join(f"word{n}" for n in range(60))
    BriefFactory(
        title="No Summary Here",
        summary="",
        latest_developments=f"Oil & gas *talks* resumed. {words}",
    )
    page = client.get("/briefs/").content.decode()
    assert "Oil &amp; gas talks resumed. word0" in page
    assert "&amp;amp;" not in page
    # Forty words, "&" among them, then the cut.
    assert "word34…" in page
    assert "word35" not in page


@pytest.mark.parametrize("url", ["/briefs/", "/issues/iran/", "/briefs/?issue=iran&issue=russia"])
def test_every_page_of_a_long_list_holds_its_own_briefs_in_order(
    client, settings, monkeypatch, time_machine, url
):
    """A list's pages are worked out a run at a time (briefs.public.listings), the runs after
    the middle read from the oldest end: read in any order, each page holds the briefs it
    would in the whole list, and none is skipped or repeated."""
    settings.BRIEFS_PAGE_SIZE = 2
    monkeypatch.setattr("briefs.public.listings.PAGES_KEPT_TOGETHER", 2)
    time_machine.move_to(NOW, tick=False)
    for day in range(1, 12):
        BriefFactory(
            title=f"Day {day:02}", publish_at=NOW - timedelta(days=day), issues=["Iran", "Russia"]
        )
    expected = [f"Day {day:02}" for day in range(1, 12)]
    separator = "&" if "?" in url else "?"
    pages = {}
    for number in (6, 1, 4, 3, 5, 2):
        pages[number] = listed_titles(client.get(f"{url}{separator}page={number}"))
    assert [title for number in sorted(pages) for title in pages[number]] == expected
    assert client.get(f"{url}{separator}page=7").status_code == 404
