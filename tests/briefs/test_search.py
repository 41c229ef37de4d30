"""/search/?q=: full text over public briefs, ranked, highlighted, faceted; on both databases."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from briefs.models import Brief, BriefSection, SearchEntry
from tests.briefs.test_markdown import executable_parts
from tests.factories import (
    BriefFactory,
    BriefSectionFactory,
    ExpertQuoteFactory,
    RelatedLinkFactory,
)
from tests.pages import card_titles, elements, visible_text

pytestmark = pytest.mark.django_db


def found(client, query, **params):
    response = client.get("/search/", {"q": query, **params})
    assert response.status_code == 200, query
    return card_titles(response)


@pytest.fixture
def library(now):
    drones = BriefFactory(
        title="Drone Factories in Tatarstan",
        summary="Moscow builds its own attack drones.",
        latest_developments="Satellite images show a second assembly hall near Yelabuga.",
        issues=["Russia", "Iran"],
        publish_at=datetime(2025, 3, 1, 14, tzinfo=UTC),
    )
    ExpertQuoteFactory(
        brief=drones, expert__name="Hana Quartermain", text="Production is accelerating."
    )
    BriefSectionFactory(
        brief=drones, heading="Supply Lines", body="Engines still come from abroad."
    )
    RelatedLinkFactory(brief=drones, title="Counting the Shahed launches")
    sanctions = BriefFactory(
        title="Sanctions on Shipping Registries",
        summary="Flags of convenience under pressure.",
        latest_developments="Treasury sanctioned three registries that flag tankers.",
        issues=["Sanctions", "Iran"],
        publish_at=datetime(2026, 2, 1, 14, tzinfo=UTC),
    )
    ExpertQuoteFactory(
        brief=sanctions, expert__name="Ola Brandt", text="Registries are the weak link."
    )
    BriefFactory(
        title="Gomel Drone Plant Rumours",
        latest_developments="Reports of a drone plant in Gomel remain unconfirmed.",
        issues=["Belarus"],
        format__name="Analysis",
        publish_at=datetime(2026, 5, 1, 14, tzinfo=UTC),
    )
    for status, offset in (("draft", -1), ("review", -1), ("published", 2), ("withdrawn", -1)):
        BriefFactory(
            title=f"Hidden {status} drone brief",
            latest_developments="Drone drones Gomel sanctions Tatarstan.",
            status=status,
            issues=["Hidden Issue"],
            publish_at=now + timedelta(days=offset),
        )
    return drones


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("Tatarstan", "Drone Factories in Tatarstan"),
        ("convenience", "Sanctions on Shipping Registries"),
        ("Yelabuga", "Drone Factories in Tatarstan"),
        ("accelerating", "Drone Factories in Tatarstan"),
        ("Quartermain", "Drone Factories in Tatarstan"),
        ("Belarus", "Gomel Drone Plant Rumours"),
        ("Supply Lines", "Drone Factories in Tatarstan"),
        ("Shahed", "Drone Factories in Tatarstan"),
    ],
)
def test_finds_words_in_every_part_of_a_brief(client, library, query, title):
    assert found(client, query) == [title]


def test_english_stemming_matches_other_forms(client, library):
    assert "Sanctions on Shipping Registries" in found(client, "sanction")
    assert "Gomel Drone Plant Rumours" in found(client, "drones")


def test_title_weighs_more_than_body(client):
    BriefFactory(title="Mentions", latest_developments="Walrus, walrus and walrus again.")
    BriefFactory(title="The Walrus Question", latest_developments="Nothing else.")
    assert found(client, "walrus") == ["The Walrus Question", "Mentions"]


def test_web_search_syntax_phrase_exclusion_and_or(client, library):
    assert found(client, '"drone plant"') == ["Gomel Drone Plant Rumours"]
    assert found(client, "drone -Gomel") == ["Drone Factories in Tatarstan"]
    assert sorted(found(client, "Gomel or convenience")) == [
        "Gomel Drone Plant Rumours",
        "Sanctions on Shipping Registries",
    ]


def test_only_public_briefs_are_found_counted_or_faceted(client, library):
    response = client.get("/search/", {"q": "drone Gomel Tatarstan sanctions or drones"})
    text = visible_text(response)
    assert "Hidden" not in text
    assert "Hidden Issue" not in text
    for query in ("Gomel", "Tatarstan", "sanctions", "drones"):
        assert not [title for title in found(client, query) if title.startswith("Hidden")]


def test_scheduled_brief_is_found_once_its_time_comes(client, library, now, time_machine):
    time_machine.move_to(now + timedelta(days=3))
    assert "Hidden published drone brief" in found(client, "Gomel")


def test_hits_show_date_format_issues_and_a_highlighted_snippet(client, library):
    response = client.get("/search/", {"q": "Yelabuga"})
    html = response.content.decode()
    assert "<mark>Yelabuga</mark>" in html
    text = visible_text(response)
    assert "March 1, 2025 · Flash Brief Drone Factories in Tatarstan" in text
    assert "Russia" in text and "Iran" in text


def test_snippet_is_safe_even_when_the_text_holds_markup(client):
    BriefFactory(
        title="Payload",
        latest_developments=(
            'Warning <script>alert(1)</script> <img src=x onerror=alert(2)> zebra & "quotes"'
        ),
    )
    response = client.get("/search/", {"q": "zebra"})
    html = response.content.decode()
    assert "<mark>zebra</mark>" in html
    assert [part for part in executable_parts(html) if part != "form"] == []
    assert [form["action"] for form in elements(response, "form")] == ["/search/"]


def test_facets_count_the_current_query_and_narrow_it(client, library):
    response = client.get("/search/", {"q": "drone or registries"})
    text = visible_text(response)
    assert "Issue Iran 2 Belarus 1 Russia 1 Sanctions 1" in text
    assert "Format Flash Brief 2 Analysis 1" in text
    assert "Year 2026 2 2025 1" in text
    links = [a["href"] for a in elements(response, "a")]
    assert "?q=drone+or+registries&issue=iran" in links

    assert sorted(found(client, "drone or registries", issue="iran")) == [
        "Drone Factories in Tatarstan",
        "Sanctions on Shipping Registries",
    ]
    assert found(client, "drone or registries", issue="iran", year="2026") == [
        "Sanctions on Shipping Registries"
    ]
    assert found(client, "drone", expert="hana-quartermain") == ["Drone Factories in Tatarstan"]
    assert found(client, "drone", format="analysis") == ["Gomel Drone Plant Rumours"]
    narrowed = client.get("/search/", {"q": "drone", "issue": "iran", "year": "2025"})
    remove = [
        a["href"] for a in elements(narrowed, "a") if a.get("aria-label") == "Remove Issue: Iran"
    ]
    assert remove == ["?q=drone&year=2025"]


def test_a_year_is_the_site_s_year_at_its_turn(client, now):
    """A brief of New Year's Eve evening in New York is of the old year there, though it is
    the new one in UTC, and the facet counts it where the filter finds it."""
    eve = BriefFactory(title="Harbour Fireworks", publish_at=datetime(2026, 1, 1, 3, tzinfo=UTC))
    BriefFactory(title="Harbour Dawn", publish_at=datetime(2026, 1, 1, 6, tzinfo=UTC))
    assert "Year 2026 1 2025 1" in visible_text(client.get("/search/", {"q": "harbour"}))
    assert found(client, "harbour", year="2025") == [eve.title]
    assert found(client, "harbour", year="2026") == ["Harbour Dawn"]


@pytest.mark.parametrize(
    "params",
    [
        {"issue": "hidden-issue"},
        {"issue": "nowhere"},
        {"expert": "nobody"},
        {"format": "novel"},
        {"year": "20x6"},
    ],
)
def test_facet_values_that_name_nothing_public_answer_404(client, library, params):
    assert client.get("/search/", {"q": "drone", **params}).status_code == 404


SIX_ISSUES = ["Iran", "Russia", "Ukraine", "China", "Sanctions", "Energy"]


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        (
            "q=drone&" + "&".join(f"issue={name.lower()}" for name in SIX_ISSUES),
            "This address asks for 6 issues at once; choose at most 5 issues.",
        ),
        (
            "q=drone&" + "&".join(["issue=iran"] * 94),
            "This address asks for 94 issues at once; choose at most 5 issues.",
        ),
        (
            "q=drone&expert=hana-quartermain&expert=ola-brandt",
            "This address asks for 2 experts at once; choose at most 1 expert.",
        ),
        (
            "q=drone&format=analysis&format=flash-brief",
            "This address asks for 2 formats at once; choose at most 1 format.",
        ),
        (
            "q=drone&year=2025&year=2026",
            "This address asks for 2 years at once; choose at most 1 year.",
        ),
        (
            "q=drone&q=sanctions",
            "This address asks for 2 searches at once; choose at most 1 search.",
        ),
    ],
)
def test_more_filters_than_the_search_takes_answer_400_saying_so(client, library, query, problem):
    """Each value is work (an issue one more join; 94 took 3.5 s) and is copied into every
    facet link: more than five issues, or more than one of anything else, are refused with
    a page saying which filter to trim."""
    BriefFactory(title="Everywhere drone", issues=SIX_ISSUES)

    response = client.get(f"/search/?{query}")

    assert response.status_code == 400
    text = visible_text(response)
    assert "Too many filters" in text
    assert problem in text
    assert '<a href="/search/">start again without filters</a>' in response.content.decode()
    assert "Everywhere drone" not in text


def test_five_issues_are_taken_and_then_no_facet_link_adds_a_sixth(client):
    BriefFactory(title="Everywhere drone", issues=SIX_ISSUES)
    chosen = [name.lower() for name in SIX_ISSUES[:5]]

    response = client.get("/search/", {"q": "drone", "issue": chosen})

    assert response.status_code == 200
    assert card_titles(response) == ["Everywhere drone"]
    assert "Energy 1" in visible_text(response)
    assert not [a for a in elements(response, "a") if "issue=energy" in a.get("href", "")]
    removers = [a for a in elements(response, "a") if a.get("aria-label", "").startswith("Remove")]
    assert len(removers) == 5


def test_results_are_paginated_keeping_the_query(client, settings):
    settings.BRIEFS_PAGE_SIZE = 2
    for day in range(3):
        BriefFactory(
            title=f"Quokka report {day}", publish_at=datetime(2026, 1, 1 + day, tzinfo=UTC)
        )
    response = client.get("/search/", {"q": "quokka"})
    assert {"rel": "next", "href": "/search/?q=quokka&page=2"} in elements(response, "a")
    assert len(found(client, "quokka", page="2")) == 1
    assert client.get("/search/", {"q": "quokka", "page": "3"}).status_code == 404


def test_index_follows_every_change_to_a_brief(client, library):
    quote = library.quotes.get()
    quote.text = "Output is now measured in thousands of airframes."
    quote.save()
    assert found(client, "airframes") == ["Drone Factories in Tatarstan"]
    assert found(client, "accelerating") == []

    expert = quote.expert
    expert.name = "Hana Featherstonehaugh"
    expert.save()
    assert found(client, "Featherstonehaugh") == ["Drone Factories in Tatarstan"]

    library.issues.add("Arctic Affairs")
    assert found(client, "Arctic") == ["Drone Factories in Tatarstan"]

    BriefSection.objects.filter(brief=library).delete()
    assert found(client, "engines") == []

    library.title = "Assembly Halls East of Kazan"
    library.save()
    assert found(client, "Kazan") == ["Assembly Halls East of Kazan"]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "x" * 10_000,
        "drone " * 2_000,
        "!!! ??? ...",
        "' OR 1=1 --",
        "'; DROP TABLE briefs_brief; --",
        "a & b | !c",
        "drone:* <-> (fleet",
        'unbalanced "quote',
        "NEAR(drone fleet)",
        "title:drone",
        "drone\x00fleet",
        "-",
        "--drone",
        "or",
        "\\",
        "😀 ✈",
    ],
)
def test_odd_queries_answer_a_normal_page(client, library, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert "Search the briefs" in visible_text(response)


def test_search_page_runs_a_fixed_number_of_queries(client, library, django_assert_max_num_queries):
    for index in range(30):
        brief = BriefFactory(title=f"Drone survey {index}", issues=["Iran", f"Region {index % 4}"])
        ExpertQuoteFactory(brief=brief)
    with django_assert_max_num_queries(8):
        assert client.get("/search/", {"q": "drone", "issue": "iran"}).status_code == 200


def test_rebuild_command_indexes_every_brief(client, library):
    Brief.objects.update(search_document="")
    SearchEntry.objects.all().delete()
    call_command("rebuild_search_index")
    assert found(client, "Yelabuga") == ["Drone Factories in Tatarstan"]


def test_a_link_to_an_unpublished_brief_does_not_make_its_title_searchable(client):
    draft = BriefFactory(title="Secret Walrus Plan", status=Brief.Status.DRAFT)
    brief = BriefFactory(title="Public Piece")
    RelatedLinkFactory(brief=brief, url="", target=draft, title="Secret Walrus Plan")
    RelatedLinkFactory(brief=brief, url="https://example.org/", title="Narwhal Survey")
    assert found(client, "walrus") == []
    assert found(client, "narwhal") == ["Public Piece"]


def test_markup_looking_text_does_not_hide_the_rest_of_a_brief(client):
    brief = BriefFactory(title="Talks", latest_developments="Envoys met in Muscat.")
    BriefSectionFactory(brief=brief, heading="<script or <!-- notes", body="Kharg terminal idle.")
    RelatedLinkFactory(brief=brief, title="<style> guide to Kharg exports")
    assert found(client, "Kharg") == ["Talks"]
    assert found(client, "Muscat") == ["Talks"]
