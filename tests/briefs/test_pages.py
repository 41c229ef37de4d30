from datetime import timedelta

import pytest

from briefs.models import Brief
from tests.factories import (
    BriefFactory,
    BriefSectionFactory,
    ExpertQuoteFactory,
    IssueFactory,
    RelatedLinkFactory,
)
from tests.pages import elements, visible_text

pytestmark = pytest.mark.django_db


def test_brief_page_shows_quotes_with_expert_name_title_as_quoted_and_link(client):
    quote = ExpertQuoteFactory(expert__name="Jane Example", expert__title="Senior Fellow")
    quote.expert.title = "Director"
    quote.expert.save()

    response = client.get(quote.brief.get_absolute_url())

    assert "Jane Example, Senior Fellow" in visible_text(response)
    assert {"class": "quote-expert", "href": "/experts/jane-example/"} in elements(response, "a")


def test_quotes_sections_and_links_keep_the_authors_order(client):
    brief = BriefFactory()
    # Given positions come first, in order; rows without one follow in the order written.
    for name, position in (("Second", 2), ("First", 1), ("Third", None)):
        ExpertQuoteFactory(brief=brief, text=f"{name} quote.", position=position)
        BriefSectionFactory(brief=brief, heading=f"{name} heading", position=position)
        RelatedLinkFactory(brief=brief, title=f"{name} link", position=position)

    text = visible_text(client.get(brief.get_absolute_url()))

    for kind in ("quote.", "heading", "link"):
        assert (
            text.index(f"First {kind}") < text.index(f"Second {kind}") < text.index(f"Third {kind}")
        )


def test_brief_page_links_its_issues(client):
    brief = BriefFactory(issues=["Iran Global Threat Network", "Russia"])
    response = client.get(brief.get_absolute_url())
    hrefs = [link.get("href") for link in elements(response, "a")]
    assert "/issues/iran-global-threat-network/" in hrefs and "/issues/russia/" in hrefs


def test_outside_related_link_opens_its_address_and_citation_is_plain_text(client):
    brief = BriefFactory()
    RelatedLinkFactory(brief=brief, title="Outside", url="https://example.org/a")
    RelatedLinkFactory(brief=brief, title="Citation only", url="")
    response = client.get(brief.get_absolute_url())
    links = {link.get("href"): link for link in elements(response, "a")}
    assert links["https://example.org/a"]["rel"] == "noopener"
    assert "Citation only" in visible_text(response)


def test_related_link_to_a_brief_shows_only_while_the_target_is_public(client, now, time_machine):
    target = BriefFactory(title="Target Brief", publish_at=now + timedelta(days=2))
    brief = BriefFactory()
    RelatedLinkFactory(brief=brief, title="See the target", url="", target=target)

    assert "See the target" not in visible_text(client.get(brief.get_absolute_url()))

    time_machine.move_to(now + timedelta(days=3))
    response = client.get(brief.get_absolute_url())
    assert "See the target" in visible_text(response)
    assert target.get_absolute_url() in [link.get("href") for link in elements(response, "a")]

    target.status = Brief.Status.WITHDRAWN
    target.save()
    assert "See the target" not in visible_text(client.get(brief.get_absolute_url()))


@pytest.mark.parametrize(
    ("status", "days_from_now"),
    [
        (Brief.Status.DRAFT, -1),
        (Brief.Status.REVIEW, -1),
        (Brief.Status.PUBLISHED, 1),
        (Brief.Status.WITHDRAWN, -1),
    ],
)
def test_brief_that_is_not_public_answers_404(client, now, status, days_from_now):
    brief = BriefFactory(status=status, publish_at=now + timedelta(days=days_from_now))
    assert client.get(brief.get_absolute_url()).status_code == 404


def test_unknown_slugs_answer_404(client):
    for url in ("/briefs/no-such-brief/", "/issues/no-such-issue/", "/experts/nobody/"):
        assert client.get(url).status_code == 404


def test_staff_do_not_see_unpublished_briefs_on_the_public_site(editor_client):
    brief = BriefFactory(status=Brief.Status.DRAFT)
    assert editor_client.get(brief.get_absolute_url()).status_code == 404


def test_issue_page_lists_public_briefs_newest_first_with_description(client, now):
    issue = IssueFactory(name="Iran", description="Tehran's politics and policies.")
    for days, title in ((3, "Oldest"), (1, "Newest"), (2, "Middle")):
        BriefFactory(title=title, publish_at=now - timedelta(days=days), issues=[issue])
    BriefFactory(title="Elsewhere", issues=["Russia"])
    BriefFactory(title="Tomorrow", publish_at=now + timedelta(days=1), issues=[issue])

    text = visible_text(client.get("/issues/iran/"))

    assert "Tehran's politics and policies." in text
    assert text.index("Newest") < text.index("Middle") < text.index("Oldest")
    assert "Elsewhere" not in text and "Tomorrow" not in text


def test_issue_page_is_paginated_and_bad_pages_answer_404(client, now):
    issue = IssueFactory(name="Iran")
    for day in range(25):
        BriefFactory(
            title=f"Brief of day {day:02}", publish_at=now - timedelta(days=day), issues=[issue]
        )

    first, second = client.get("/issues/iran/"), client.get("/issues/iran/?page=2")

    assert "Brief of day 00" in visible_text(first) and "Brief of day 19" in visible_text(first)
    assert "Brief of day 20" not in visible_text(first)
    assert "Brief of day 24" in visible_text(second)
    assert {"rel": "next", "href": "/issues/iran/?page=2"} in elements(first, "a")
    for page in ("0", "-1", "3", "x", "last", "1.5", "9" * 30, ""):
        assert client.get(f"/issues/iran/?page={page}").status_code == 404, page


def test_issue_without_a_public_brief_is_not_shown(client, now):
    # An issue made for an unpublished brief must not give the brief away.
    BriefFactory(status=Brief.Status.DRAFT, issues=["Operation Example"])
    BriefFactory(publish_at=now + timedelta(days=1), issues=["Operation Example"])
    assert client.get("/issues/operation-example/").status_code == 404
    assert "Operation Example" not in visible_text(client.get("/issues/"))


def test_body_markdown_is_rendered(client):
    brief = BriefFactory(latest_developments="Some *emphasis* and a [link](https://example.org/b).")
    response = client.get(brief.get_absolute_url())
    assert b"Some <em>emphasis</em>" in response.content
    assert {"href": "https://example.org/b", "rel": "noopener noreferrer"} in elements(
        response, "a"
    )


def build_brief(quotes, sections, links, issues):
    brief = BriefFactory(issues=[f"Issue {n}" for n in range(issues)])
    for _ in range(quotes):
        ExpertQuoteFactory(brief=brief)
    for _ in range(sections):
        BriefSectionFactory(brief=brief)
    for n in range(links):
        target = BriefFactory() if n % 2 else None
        RelatedLinkFactory(brief=brief, target=target, url="" if target else "https://example.org/")
    return brief


@pytest.mark.parametrize("size", [(0, 0, 0, 0), (1, 1, 1, 1), (6, 4, 8, 5)])
def test_brief_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries, size):
    # Intended to prevent an n+1: the content's version, brief, issues, quotes with experts,
    # sections, links, and "more on" these issues (worked out once per lists token), which a
    # brief filed under no issue has no need to look for.
    brief = build_brief(*size)
    issues = size[3]
    with django_assert_num_queries(7 if issues else 6):
        assert client.get(brief.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("count", [1, 20, 45])
def test_issue_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries, count):
    issue = IssueFactory(name="Iran")
    for _ in range(count):
        BriefFactory(issues=[issue, "Russia", "Ukraine"])
    # The content's version; once per version, the public issues, the issue's pages
    # and its top experts; the page of briefs with formats, and their issues.
    with django_assert_num_queries(6):
        assert client.get("/issues/iran/").status_code == 200
    # Another address: not a kept page, but what the version's lists hold and their cards
    # are known; only the content's version is read.
    with django_assert_num_queries(1):
        assert client.get("/issues/iran/?page=1").status_code == 200


def test_server_error_page_is_the_sites_own_and_shows_nothing_internal(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/briefs/"))
    text = visible_text(response.content.decode())
    assert response.status_code == 500
    assert "Something went wrong" in text and "Traceback" not in text
    assert {"rel": "stylesheet", "href": "/static/css/site.css"} in elements(
        response.content.decode(), "link"
    )
