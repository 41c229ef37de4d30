"""The front page: the newest public brief leads, larger than a card and shown once; the issues
to browse come right after it, before the other briefs; a page with no brief or one brief
still reads; and the stylesheet prints a brief as a reader would want it on paper."""

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from briefs.models import Brief
from tests.factories import BriefFactory
from tests.images import run_image_tasks
from tests.pages import card_titles, visible_text

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def days_ago(days):
    return NOW - timedelta(days=days)


class _Inside(HTMLParser):
    """The text inside each element carrying a class, and the attributes of the elements in
    it, in the page's order."""

    def __init__(self, css_class):
        super().__init__(convert_charrefs=True)
        self.css_class = css_class
        self.found = []
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._depth:
            self._depth += tag not in {"img", "source", "br", "input", "meta", "link"}
            self.found[-1]["elements"].append((tag, attrs))
        elif self.css_class in (attrs.get("class") or "").split():
            self._depth = 1
            self.found.append({"text": "", "elements": [(tag, attrs)]})

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1

    def handle_data(self, data):
        if self._depth:
            self.found[-1]["text"] += data


def inside(response, css_class):
    parser = _Inside(css_class)
    parser.feed(response.content.decode())
    return [
        {"text": " ".join(item["text"].split()), "elements": item["elements"]}
        for item in parser.found
    ]


def lead_of(response):
    (lead,) = inside(response, "lead-brief")
    return lead


def photo():
    buffer = BytesIO()
    Image.new("RGB", (1800, 1200), "#456").save(buffer, "JPEG")
    return SimpleUploadedFile("lead.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_the_newest_public_brief_leads_and_a_scheduled_one_does_not(client):
    BriefFactory(title="Older Brief", publish_at=days_ago(3))
    BriefFactory(title="Newest Brief", publish_at=days_ago(1))
    BriefFactory(title="Scheduled Brief", publish_at=NOW + timedelta(hours=2))
    BriefFactory(title="Draft Brief", publish_at=NOW, status=Brief.Status.DRAFT)

    response = client.get("/")

    assert [title["text"] for title in inside(response, "lead-brief-title")] == ["Newest Brief"]
    assert card_titles(response) == ["Newest Brief", "Older Brief"]


def test_a_scheduled_brief_takes_the_lead_when_its_time_comes(client, time_machine):
    BriefFactory(title="Newest Brief", publish_at=days_ago(1))
    BriefFactory(title="Scheduled Brief", publish_at=NOW + timedelta(hours=2))
    assert "Newest Brief" in lead_of(client.get("/"))["text"]

    time_machine.move_to(NOW + timedelta(hours=2, seconds=1), tick=False)

    response = client.get("/")
    assert "Scheduled Brief" in lead_of(response)["text"]
    assert card_titles(response) == ["Scheduled Brief", "Newest Brief"]


def test_the_lead_is_shown_once_and_the_cards_follow_newest_first(client):
    for day in range(5):
        BriefFactory(title=f"Brief of day {day}", publish_at=days_ago(day + 1))

    response = client.get("/")

    titles = card_titles(response)
    assert titles == [f"Brief of day {day}" for day in range(5)]
    assert visible_text(response).count("Brief of day 0") == 1
    cards = [card["text"] for card in inside(response, "card")]
    assert len(cards) == 4 and not any("Brief of day 0" in card for card in cards)


def test_the_lead_shows_its_date_format_summary_and_issues(client):
    BriefFactory(
        title="Ports Reopen",
        summary="Cranes are moving again after a week.",
        publish_at=datetime(2026, 5, 30, 13, 0, tzinfo=UTC),
        issues=["Shipping", "Labor"],
        format__name="Flash Brief",
    )

    lead = lead_of(client.get("/"))

    assert lead["text"].startswith("May 30, 2026 · Flash Brief Ports Reopen")
    assert "Cranes are moving again after a week." in lead["text"]
    links = [attrs["href"] for tag, attrs in lead["elements"] if tag == "a"]
    assert links == ["/briefs/ports-reopen/", "/issues/labor/", "/issues/shipping/"]


def test_the_lead_shows_its_picture_larger_than_a_card_s_thumbnail(client):
    BriefFactory(
        title="Pictured Lead",
        lead_image=photo(),
        lead_image_alt="Cranes at the quay",
        publish_at=days_ago(1),
    )
    BriefFactory(title="Pictured Card", lead_image=photo(), publish_at=days_ago(2))
    run_image_tasks()

    response = client.get("/")

    (lead_image,) = [attrs for tag, attrs in lead_of(response)["elements"] if tag == "img"]
    (card,) = inside(response, "card")
    (card_image,) = [attrs for tag, attrs in card["elements"] if tag == "img"]
    assert lead_image["alt"] == "Cranes at the quay"
    assert "800w" in lead_image["srcset"] and "1200w" in lead_image["srcset"]
    assert int(lead_image["width"]) > int(card_image["width"])


def test_a_lead_without_a_picture_has_none(client):
    BriefFactory(title="Plain Lead")
    lead = lead_of(client.get("/"))
    assert not [tag for tag, _ in lead["elements"] if tag in {"img", "picture"}]


def test_the_issues_to_browse_come_right_after_the_lead_and_before_the_cards(client):
    BriefFactory(title="Newest Brief", publish_at=days_ago(1), issues=["Iran"])
    BriefFactory(title="Second Brief", publish_at=days_ago(2), issues=["Russia"])
    BriefFactory(title="Third Brief", publish_at=days_ago(3), issues=["Arctic"])

    text = visible_text(client.get("/"))

    order = [
        "Newest Brief",
        "Browse by issue",
        "Arctic 1 brief Iran 1 brief Russia 1 brief",
        "Second Brief",
        "Third Brief",
        "All briefs",
        "Get our briefs by email",
    ]
    positions = [text.index(words) for words in order]
    assert positions == sorted(positions), text


def test_the_issue_links_name_each_issue_and_its_count(client):
    BriefFactory(issues=["Iran", "Russia"])
    BriefFactory(issues=["Iran"])
    (issues,) = inside(client.get("/"), "front-issues")
    links = [attrs["href"] for tag, attrs in issues["elements"] if tag == "a"]
    assert links == ["/issues/iran/", "/issues/russia/"]
    assert issues["text"] == "Browse by issue Iran 2 briefs Russia 1 brief"


def test_the_front_page_with_no_brief(client):
    response = client.get("/")
    assert response.status_code == 200
    text = visible_text(response)
    assert "No briefs yet." in text
    assert not inside(response, "lead-brief") and not inside(response, "front-issues")
    assert card_titles(response) == []


def test_the_front_page_with_one_brief_shows_it_as_the_lead_alone(client):
    BriefFactory(title="Only Brief", issues=["Iran"])
    response = client.get("/")
    assert response.status_code == 200
    assert "Only Brief" in lead_of(response)["text"]
    assert card_titles(response) == ["Only Brief"]
    assert not inside(response, "card")
    assert "No briefs yet." not in visible_text(response)


def test_the_front_page_shows_ten_briefs_in_all(client):
    for day in range(12):
        BriefFactory(title=f"Brief {day}", publish_at=days_ago(day + 1))
    assert card_titles(client.get("/")) == [f"Brief {day}" for day in range(10)]


def test_the_lead_costs_no_query_of_its_own(client, settings, django_assert_max_num_queries):
    """The content's version, the briefs, their issues: the lead is the first of the rows,
    its picture and alt text read with them."""
    settings.BRIEFS_PAGE_CACHE = False
    BriefFactory(lead_image=photo(), lead_image_alt="A picture", issues=["Iran", "Russia"])
    for day in range(12):
        BriefFactory(
            lead_image=photo() if day % 3 == 0 else "",
            publish_at=days_ago(day + 2),
            issues=["Iran", f"Extra {day}"],
        )
    run_image_tasks()
    client.get("/")  # works out what lists share (briefs.public.listings)
    with django_assert_max_num_queries(3):
        response = client.get("/")
    assert response.status_code == 200
    assert 'alt="A picture"' in response.content.decode()


def print_rules():
    """The rules of every @media print block of the site's stylesheet, as one text."""
    css = Path(finders.find("css/site.css")).read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    blocks = []
    for start in (match.end() for match in re.finditer(r"@media print\s*{", css)):
        depth, position = 1, start
        while depth:
            depth += {"{": 1, "}": -1}.get(css[position], 0)
            position += 1
        blocks.append(css[start : position - 1])
    assert blocks, "the stylesheet has no @media print rules"
    return " ".join(" ".join(blocks).split())


def declarations_for(rules, selector):
    """The declarations of every rule whose selector list holds `selector`."""
    found = []
    for selectors, body in re.findall(r"([^{}]+){([^{}]*)}", rules):
        if selector in [part.strip() for part in selectors.split(",")]:
            found.append(body)
    return " ".join(found)


@pytest.mark.parametrize(
    "selector",
    [
        ".site-header",
        ".site-nav",
        ".search-form",
        ".subscribe-box",
        ".share",
        ".site-footer",
        ".pagination",
        ".more-on",
        ".front-issues",
        ".skip-link",
    ],
)
def test_print_hides_what_only_works_on_a_screen(selector):
    assert "display: none" in declarations_for(print_rules(), selector), selector


def test_print_is_black_on_white_and_shows_where_outside_links_lead():
    rules = print_rules()
    everything = declarations_for(rules, "*")
    assert "color: #000" in everything and "background: transparent" in everything
    assert "background: #fff" in declarations_for(rules, "body")
    after = declarations_for(rules, '.brief a[href^="http"]::after')
    assert 'content: " (" attr(href) ")"' in after


def test_print_keeps_quotes_whole_and_headings_with_what_follows():
    rules = print_rules()
    for selector in ("blockquote", ".quote"):
        assert "break-inside: avoid" in declarations_for(rules, selector), selector
    for selector in ("h1", "h2", "h3"):
        assert "break-after: avoid" in declarations_for(rules, selector), selector


@pytest.mark.parametrize(
    "selector",
    [".brief", ".brief-header", ".brief-section", ".quote", ".related", ".brief-issues"],
)
def test_print_hides_no_part_of_a_brief(selector):
    for selectors, body in re.findall(r"([^{}]+){([^{}]*)}", print_rules()):
        if "display: none" in body:
            assert selector not in [part.strip() for part in selectors.split(",")]


def test_every_font_size_is_a_step_of_one_scale():
    css = re.sub(r"/\*.*?\*/", "", Path(finders.find("css/site.css")).read_text(encoding="utf-8"))
    root = css[css.index(":root {") : css.index("}", css.index(":root {"))]
    for step in ("--step--1", "--step-0", "--step-1", "--step-2", "--step-3", "--step-4"):
        assert f"{step}:" in root, step
    assert "--ratio: 1.25" in root
    off_scale = []
    for selectors, body in re.findall(r"([^{}]+){([^{}]*)}", css):
        # Initials are drawn to the size of the photo they stand in for; code is set a
        # little smaller than the text around it.
        if selectors.strip().startswith((".initials", "code")):
            continue
        for size in re.findall(r"font(?:-size)?:\s*([^;]+)", body):
            if "var(--step-" not in size:
                off_scale.append(f"{selectors.strip()}: {size}")
    assert not off_scale
