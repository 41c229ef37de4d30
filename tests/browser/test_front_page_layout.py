"""The front page and a brief's printout as Chromium lays them out: on a phone the issues to
browse are on the first screen, under the lead and above the other briefs; on a desktop they
head the side column; printed, a brief is all there and nothing of the screen's furniture is."""

import pytest

from tests.factories import (
    BriefFactory,
    BriefSectionFactory,
    ExpertQuoteFactory,
    RelatedLinkFactory,
)

pytestmark = pytest.mark.slow

ISSUES = ["Arctic", "China", "Cyber", "Energy", "Iran", "Russia", "Shipping", "Ukraine"]


@pytest.fixture
def front_page(site):
    BriefFactory(
        title="Iran's Currency Slides as Subsidy Reforms Stall",
        summary="The rial fell to a new low after the government postponed subsidy changes, "
        "underscoring the strain that sanctions have placed on the economy.",
        issues=["Iran", "Energy", "Shipping"],
    )
    for number, issue in enumerate(ISSUES):
        BriefFactory(title=f"Older brief {number}", issues=[issue])


def box(page, selector):
    return page.locator(selector).first.bounding_box()


@pytest.mark.parametrize("width, height", [(390, 844), (375, 667)])
def test_on_a_phone_the_issues_come_on_the_first_screen_under_the_lead(
    new_context, front_page, width, height
):
    page = new_context(width=width, height=height).new_page()
    page.goto("/")
    lead, issues = box(page, ".lead-brief"), box(page, ".front-issues")
    first_issue, first_card = box(page, ".front-issues a"), box(page, ".front-latest .card")
    assert lead["y"] + lead["height"] <= issues["y"] < first_card["y"]
    assert first_issue["y"] + first_issue["height"] <= height, "the first issue is below the fold"
    # A row of links that wraps: several on a line, none wider than the screen.
    tops = page.locator(".front-issues a").evaluate_all(
        "links => links.map(link => link.getBoundingClientRect().top)"
    )
    assert len(set(tops)) < len(tops)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")


def test_on_a_desktop_the_issues_head_the_side_column(new_context, front_page):
    page = new_context(width=1280, height=900).new_page()
    page.goto("/")
    lead, issues = box(page, ".lead-brief"), box(page, ".front-issues")
    first_card, subscribe = box(page, ".front-latest .card"), box(page, ".subscribe-box")
    assert issues["x"] > first_card["x"] + first_card["width"]
    assert issues["y"] == pytest.approx(lead["y"], abs=1), "beside a lead of text alone"
    # The list starts right under the lead, whatever the side column holds.
    assert first_card["y"] - (lead["y"] + lead["height"]) < 50
    assert subscribe["x"] == pytest.approx(issues["x"], abs=1)
    assert subscribe["y"] > issues["y"] + issues["height"]
    titles = page.locator(".lead-brief-title, .card-title").evaluate_all(
        "titles => titles.map(title => parseFloat(getComputedStyle(title).fontSize))"
    )
    assert titles[0] > 1.5 * max(titles[1:]), titles


def test_a_printed_brief_has_every_part_and_no_screen_furniture(new_context, site):
    brief = BriefFactory(
        title="Drones Over the Black Sea",
        latest_developments="Something happened at [the port](https://example.org/port).",
        issues=["Russia", "Ukraine"],
    )
    ExpertQuoteFactory(brief=brief, text="A quote worth keeping whole.")
    BriefSectionFactory(brief=brief, heading="Domestic Supply", body="Factories work nights.")
    RelatedLinkFactory(brief=brief, title="An outside analysis", url="https://example.org/a")
    BriefFactory(title="Another on Russia", issues=["Russia"])
    page = new_context().new_page()
    page.emulate_media(media="print")
    page.goto(brief.get_absolute_url())

    for hidden in (".site-nav", ".site-footer", ".subscribe-box", ".share", ".more-on"):
        assert not page.locator(hidden).first.is_visible(), hidden
    for shown in (
        "h1",
        ".brief-meta time",
        "#latest-developments",
        "#expert-analysis",
        "figure.quote blockquote",
        ".brief-section h2 >> text=Domestic Supply",
        ".related",
        ".brief-issues",
        ".print-only",
    ):
        assert page.locator(shown).first.is_visible(), shown
    after = page.locator(".brief-section a[href^='http']").first.evaluate(
        "link => getComputedStyle(link, '::after').content"
    )
    assert after == '" (https://example.org/port)"'
    colour = page.locator("h1").evaluate("h1 => getComputedStyle(h1).color")
    assert colour == "rgb(0, 0, 0)"
