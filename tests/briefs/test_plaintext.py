"""Plain-text briefs: `manage.py import_briefs FILE.txt` and the admin's "Import from text".

The seed brief is read from ../shared (tests/seed.py); every other text is ours, in
tests/briefs/plaintext/, each varying the layout in one or two ways.
"""

import json
import string
from collections import Counter
from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.management import CommandError, call_command
from django.utils import timezone
from django.utils.formats import date_format
from hypothesis import given, settings
from hypothesis import strategies as st

from briefs.interchange.documents import brief_to_document, documents_queryset
from briefs.interchange.plaintext import ParseError, parse_brief
from briefs.models import Brief, Issue
from experts.models import Expert, ExpertQuote
from tests.factories import BriefFactory, IssueFactory, RelatedLinkFactory, UserFactory
from tests.pages import elements, form_fields, visible_text
from tests.seed import SEED_ISSUES, seed_document, seed_path, seed_text

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).parent / "plaintext"
ISSUES = SEED_ISSUES + [
    "Arms Control",
    "China",
    "Cyber",
    "Economic Security",
    "Energy",
    "Middle East",
    "Military and Political Power",
    "North Korea",
    "Sanctions and Illicit Finance",
    "Terrorism",
]
FORMATS = ["Flash Brief", "Analysis", "Policy Brief", "Memo"]
# Lines that give the text its shape and are not stored as words: the page prints its own.
LABELS = {"Latest Developments", "Expert Analysis", "Issues:", "Related Reading"}
IMPORT_URL = "/admin/briefs/brief/import-text/"


@pytest.fixture
def known_issues(db):
    return [IssueFactory(name=name) for name in ISSUES]


def run(*args):
    """import_briefs as a user runs it: what it printed, and whether it failed."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_briefs", *map(str, args), stdout=out, stderr=err)
        failed = None
    except CommandError as error:
        failed = str(error)
    return out.getvalue(), err.getvalue(), failed


def stored(slug=None):
    briefs = documents_queryset()
    return brief_to_document(briefs.get(slug=slug) if slug else briefs.get())


def words(text):
    """The words of a text, without the punctuation and quotation marks around them."""
    edges = string.punctuation + "\u201c\u201d\u2018\u2019\u2014\u2013\u2026"
    return Counter(word.strip(edges) for word in text.split() if word.strip(edges))


def text_words(text):
    """The words an author wrote: the text without its labels, a repeated header once."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    if lines[2:4] == lines[0:2]:
        del lines[2:4]
    kept = []
    for line in lines:
        if line.startswith("Issues:"):
            line = line.removeprefix("Issues:")
        if line not in LABELS:
            kept.append(line)
    return words("\n".join(kept))


def brief_words(document):
    """Every word the stored brief holds, as its page shows them."""
    parts = [document["title"], document["latest_developments"]]
    if document["publish_at"]:
        moment = timezone.localtime(datetime.fromisoformat(document["publish_at"]))
        parts += [date_format(moment, "F j, Y"), document["format"]]
    for quote in document["quotes"]:
        parts += [quote["text"], quote["expert"], quote["expert_title"]]
    for section in document["sections"]:
        parts += [section["heading"], section["body"]]
    for link in document["related"]:
        parts += [link["title"], link["byline"]]
    parts += document["issues"]
    return words("\n".join(parts))


def example(name):
    return EXAMPLES / f"{name}.txt"


# The seed


def test_seed_text_becomes_a_draft_holding_the_seed_exactly(known_issues):
    out, err, failed = run(seed_path())

    assert failed is None, err
    assert "1 briefs were created" in out
    expected = {**seed_document(), "publish_at": "2023-08-03T09:00:00-04:00", "status": "draft"}
    document = stored()
    for key, value in expected.items():
        assert document[key] == value, key
    assert document["related"] == [
        {
            "title": "More Evidence That Russia\u2019s Making Iranian Drones",
            "byline": "by John Hardie",
        },
        {
            "title": "Has Russia Begun Producing Iranian-Designed Suicide Drones?",
            "byline": "by John Hardie",
        },
        {
            "title": "Iran, Russia Expedite Building Drone Factory in Russia",
            "byline": "FDD Flash Brief",
        },
    ]
    assert not Brief.objects.published().exists()


def test_every_word_of_the_seed_is_in_the_stored_brief(known_issues):
    run(seed_path())
    assert brief_words(stored()) == text_words(seed_text())


def test_seed_body_keeps_the_authors_quotes_and_loses_only_whitespace(known_issues):
    run(seed_path())
    document = stored()
    assert "Ukraine\u2019s National Resistance Center" in document["latest_developments"]
    assert document["quotes"][1]["expert_title"] == (
        "Senior Director of FDD\u2019s Center on Military and Political Power"
    )
    assert "\xa0" not in json.dumps(document, ensure_ascii=False)
    assert document["title"] == "Iran and Belarus Sign Defense Cooperation Agreements"
    assert Expert.objects.count() == 2


def test_seed_experts_are_matched_by_name_and_keep_the_quoted_title(known_issues):
    Expert.objects.create(name="john hardie", title="A newer title")
    run(seed_path())
    quote = ExpertQuote.objects.get(expert__name="john hardie")
    assert quote.expert_title == "FDD Russia Program Deputy Director"
    assert Expert.objects.get(name="john hardie").title == "A newer title"
    assert Expert.objects.count() == 2


# Our examples, each a different layout


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.txt")), ids=lambda path: path.stem)
def test_every_word_of_each_example_is_in_the_stored_brief(known_issues, path):
    out, err, failed = run(path)
    assert failed is None, err
    text = path.read_bytes().decode("utf-8")
    assert brief_words(stored()) == text_words(text)


def test_brief_without_expert_analysis_has_no_quotes_and_keeps_its_sections(known_issues):
    run(example("no_quotes"))
    document = stored()
    assert document["format"] == "Memo"
    assert document["publish_at"] == "2024-03-14T09:00:00-04:00"
    assert document["quotes"] == []
    assert [section["heading"] for section in document["sections"]] == [
        "Why It Matters",
        "Sanctions Exposure",
    ]
    assert document["related"] == [
        {"title": "Tracking the Caspian\u2019s Quiet Boom", "byline": "by Mira Castellan"},
        {"title": "Who Insures the Ferries?", "byline": "Halden Analysis"},
    ]
    assert document["issues"] == ["Energy", "Iran", "Russia", "Sanctions and Illicit Finance"]


def test_four_quotes_in_every_layout_the_parser_reads(known_issues):
    run(example("four_quotes"))
    quotes = stored()["quotes"]
    assert [(quote["expert"], quote["expert_title"]) for quote in quotes] == [
        ("Ines Okafor", "Halden Institute Research Fellow"),
        ("Piet Ardan", "Director of Halden\u2019s Nonproliferation Program"),
        ("Mira Castellan", "Halden Institute Senior Fellow"),
        ("Tomas Vireo", "Halden Institute Korea Analyst"),
    ]
    # Straight quotes around the second; the third's name on the line after it; the fourth
    # runs over two paragraphs, each opening with a quotation mark, and ends "— Name".
    assert quotes[1]["text"].startswith("Each test teaches") and '"' not in quotes[1]["text"]
    assert quotes[3]["text"] == (
        "There are two audiences for this test. The first sits in Washington and Seoul.\n\n"
        "The second is at home, where the leadership needs proof that its spending on "
        "missiles still buys something."
    )


def test_related_link_right_after_the_quotes_with_both_quotation_marks(known_issues):
    run(example("four_quotes"))
    assert stored()["related"] == [
        {"title": "Reading the Launch Pad Imagery", "byline": "by Piet Ardan"}
    ]


def test_brief_without_related_links(known_issues):
    run(example("no_related_links"))
    document = stored()
    assert document["related"] == []
    assert document["sections"] == [
        {
            "heading": "What Comes Next",
            "body": "Operators plan a longer test next spring, once two new synchronous "
            "condensers are commissioned.",
        }
    ]


def test_title_with_a_colon_is_the_title_and_makes_the_slug(known_issues):
    run(example("title_with_colon"))
    document = stored()
    assert document["title"] == "Drones at Sea: What Recent Attacks on Shipping Teach Navies"
    assert document["slug"] == "drones-at-sea-what-recent-attacks-on-shipping-teach-navies"
    assert len(document["sections"]) == 2
    assert document["sections"][0]["body"].count("\n\n") == 1


def test_issue_list_one_per_line_keeps_names_that_contain_other_names(known_issues):
    run(example("issues_one_per_line"))
    assert stored()["issues"] == [
        "Economic Security",
        "Energy",
        "Iran",
        "Iran Politics and Economy",
    ]


def test_brief_without_a_date_line_is_a_draft_with_no_date_in_the_first_format(known_issues):
    run(example("no_date_line"))
    document = stored()
    assert document["publish_at"] is None
    assert document["status"] == "draft"
    assert document["format"] == "Flash Brief"
    assert document["title"] == "Customs Data Hint at Dual-Use Imports Through Central Asia"


def test_windows_line_endings_non_breaking_spaces_and_a_repeated_header(known_issues):
    path = example("windows_line_endings")
    assert b"\r\n" in path.read_bytes() and b"\xc2\xa0" in path.read_bytes()
    run(path)
    document = stored()
    assert document["title"] == "Minsk Hosts Joint Air-Defense Drills"
    assert document["latest_developments"] == (
        "Air-defense units from Belarus and Russia opened a ten-day exercise on February 16 "
        "near the Polish border, the largest such drill since the autumn."
    )
    assert "\r" not in json.dumps(document)
    assert Brief.objects.count() == 1


def test_word_processor_draft_without_date_or_latest_developments_label(known_issues):
    run(example("word_processor_draft"))
    document = stored()
    assert document["latest_developments"].startswith("A port authority audit")
    assert document["latest_developments"].count("\n\n") == 1
    assert document["related"] == [
        {"title": "A Checklist for Port Operators", "byline": "by Piet Ardan"}
    ]
    assert document["issues"] == ["China", "Cyber", "Economic Security"]


def test_related_link_is_matched_to_our_brief_by_title_loosely(known_issues):
    ours = BriefFactory(title="TRACKING THE CASPIAN'S  QUIET BOOM")
    run(example("no_quotes"))
    related = stored("caspian-ferry-routes-shift-cargo-away-from-black-sea-ports")["related"]
    assert related[0] == {
        "title": "Tracking the Caspian\u2019s Quiet Boom",
        "byline": "by Mira Castellan",
        "brief": ours.slug,
    }
    assert "brief" not in related[1]


# Issues


def test_run_together_issues_are_split_against_known_issues_longest_first():
    text = "Title\n\nLatest Developments\n\nA paragraph.\n\nIssues:\n\n" + (
        "iran Iran Global Threat Network IRAN POLITICS AND ECONOMY Russia Ukraine"
    )
    parsed = parse_brief(text, formats=FORMATS, issues=SEED_ISSUES)
    assert parsed.document["issues"] == SEED_ISSUES


def test_unknown_issue_words_are_named_and_nothing_is_imported(db):
    for name in ["Iran", "Russia", "Sanctions and Illicit Finance"]:
        IssueFactory(name=name)

    out, err, failed = run(example("no_quotes"))

    assert failed == "1 of 1 files were not imported."
    assert (
        "no_quotes.txt:25: expected the names of issues we already have, found unknown "
        "\u201cEnergy\u201d (import with --create-issues to create them)"
    ) in err
    assert not Brief.objects.exists() and not Issue.objects.filter(name="Energy").exists()


def test_create_issues_adds_the_words_between_known_issues_as_new_issues(db):
    IssueFactory(name="Russia")
    out, err, failed = run(example("windows_line_endings"), "--create-issues")
    assert failed is None, err
    assert stored()["issues"] == ["Russia", "Ukraine Military and Political Power"]
    assert "new issue  Ukraine Military and Political Power" in out


def test_create_issues_takes_each_name_of_a_list_whole(db):
    out, err, failed = run(example("issues_one_per_line"), "--create-issues")
    assert failed is None, err
    assert sorted(Issue.objects.values_list("name", flat=True)) == [
        "Economic Security",
        "Energy",
        "Iran",
        "Iran Politics and Economy",
    ]


# Importing again, dry runs, publishing


def test_importing_the_same_text_again_updates_the_draft_instead_of_adding_one(
    known_issues, tmp_path
):
    path = tmp_path / "brief.txt"
    text = example("no_related_links").read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    run(path)

    path.write_text(text.replace("next spring", "next summer"), encoding="utf-8")
    out, _, _ = run(path)
    assert "0 briefs were created, 1 updated" in out
    assert "updated  baltic-grid-operators-rehearse-island-mode (sections)" in out

    out, _, _ = run(path)
    assert "1 unchanged" in out
    assert Brief.objects.count() == 1
    assert "next summer" in stored()["sections"][0]["body"]


def test_importing_again_keeps_the_summary_and_link_addresses_added_in_the_admin(known_issues):
    run(example("no_quotes"))
    brief = Brief.objects.get()
    Brief.objects.filter(pk=brief.pk).update(summary="Written in the admin.")
    brief.related_links.filter(position=1).update(url="https://example.org/caspian")

    run(example("no_quotes"))

    document = stored()
    assert document["summary"] == "Written in the admin."
    assert document["related"][0]["url"] == "https://example.org/caspian"


def test_importing_again_finds_the_draft_by_title_after_its_slug_was_changed(known_issues):
    run(example("no_related_links"))
    Brief.objects.update(slug="baltic-island-mode")

    out, err, failed = run(example("no_related_links"))

    assert failed is None, err
    assert "1 unchanged" in out
    assert list(Brief.objects.values_list("slug", flat=True)) == ["baltic-island-mode"]


def test_dry_run_prints_the_brief_document_as_json_and_changes_nothing(known_issues):
    out, err, failed = run(example("four_quotes"), "--dry-run")

    assert failed is None, err
    assert "four_quotes.txt: 1 briefs would be created" in out
    document = json.loads(out[out.index("{") :])
    assert document["title"] == "Pyongyang Tests a New Solid-Fuel Motor"
    assert document["status"] == "draft"
    assert len(document["quotes"]) == 4
    assert not Brief.objects.exists() and not Expert.objects.exists()


def test_dry_run_with_create_issues_creates_no_issue(db):
    out, _, failed = run(example("no_date_line"), "--dry-run", "--create-issues")
    assert failed is None
    assert "new issue  Russia Sanctions and Illicit Finance Economic Security" in out
    assert not Issue.objects.exists() and not Brief.objects.exists()


def test_publish_publishes_the_brief_at_the_date_of_its_date_line(known_issues):
    out, err, failed = run(example("no_quotes"), "--publish")
    assert failed is None, err
    brief = Brief.objects.get()
    assert brief.is_public
    assert stored()["publish_at"] == "2024-03-14T09:00:00-04:00"


def test_publish_needs_a_date_line(known_issues):
    _, err, failed = run(example("no_date_line"), "--publish")
    assert failed
    assert "no_date_line.txt:1: expected a date line (Month D, YYYY | Format)" in err
    assert not Brief.objects.exists()


def test_import_never_turns_a_published_brief_back_into_a_draft(known_issues):
    run(example("no_quotes"), "--publish")

    _, err, failed = run(example("no_quotes"))

    assert failed
    assert "is already published; importing this text would turn it back into a draft" in err
    assert Brief.objects.get().is_public


def test_publish_updates_a_published_brief(known_issues, tmp_path):
    run(example("no_quotes"), "--publish")
    path = tmp_path / "changed.txt"
    path.write_text(
        example("no_quotes").read_text(encoding="utf-8").replace("eleven", "twelve"),
        encoding="utf-8",
    )
    out, err, failed = run(path, "--publish")
    assert failed is None, err
    assert "twelve new charter agreements" in stored()["sections"][0]["body"]
    assert Brief.objects.get().is_public


# Errors, encodings, folders


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "line 1: expected a date line (Month D, YYYY | Format) or the brief's title"),
        ("Expert Analysis\n\nWords.", "line 1: expected the brief's title"),
        (
            "August 3, 2023 | Op-Ed\nTitle",
            "line 1: expected a format we publish (Flash Brief, Analysis, Policy Brief, Memo)",
        ),
        (
            "February 30, 2023 | Memo\nTitle",
            "line 1: expected a real date such as \u201cAugust 3, 2023\u201d",
        ),
        ("August 3, 2023 | Memo", "line 1: expected the brief's title after the date line"),
        (
            "Title\n\nExpert Analysis\n\n\u201cWords.\u201d Jane Doe, Fellow",
            "line 3: expected \u201cLatest Developments\u201d or the first paragraph",
        ),
        (
            "Title\nLatest Developments\nNews.\nExpert Analysis\nNot a quote at all.",
            "line 5: expected a quote under \u201cExpert Analysis\u201d",
        ),
        (
            "Title\nNews.\nExpert Analysis\n\u201cWords.\u201d Jane Doe, Fellow\nA stray sentence.",
            "line 5: expected another quote",
        ),
        (
            "Title\nNews.\nExpert Analysis\n\u201cWords that never close.\nMore words.",
            "line 5: expected the closing quotation mark and the expert's name for the quote "
            "on line 4",
        ),
        (
            "Title\nNews.\nExpert Analysis\n\u201cWords.\u201d",
            "line 4: expected the expert's name and title (Name, Title) after the quote on "
            "line 4, found the end of the text",
        ),
        (
            "Title\nNews.\nA Heading\nIts paragraph.\nExpert Analysis\n\u201cWords.\u201d Jo",
            "line 5: expected a paragraph, a heading, related links or \u201cIssues:\u201d, "
            "found \u201cExpert Analysis\u201d after the further sections",
        ),
        (
            "Title\nNews.\nA Heading\nAnother Heading",
            "line 4: expected a paragraph under the heading on line 3",
        ),
        ("Title\nNews.\nLast Heading", "line 3: expected paragraphs under this heading"),
        (
            "Title\nNews.\nElsewhere,\u201d by Jo Doe\nA sentence after the links.",
            "line 4: expected another related link (Title,\u201d by Name) or \u201cIssues:\u201d",
        ),
        ("Title\nNews.\nIssues:", "line 3: expected issue names after \u201cIssues:\u201d"),
    ],
)
def test_text_that_cannot_be_read_names_the_line_and_what_was_expected(text, message):
    with pytest.raises(ParseError) as raised:
        parse_brief(text, formats=FORMATS, issues=["Iran"])
    assert str(raised.value).startswith(message), str(raised.value)


LINE_SHAPES = [
    "",
    "August 3, 2023 | Flash Brief",
    "A Title Without a Full Stop",
    "Latest Developments",
    "Expert Analysis",
    "Issues:",
    "Issues: Iran, Russia",
    "Iran Russia Ukraine",
    "A paragraph that ends like a sentence.",
    "\u201cA quote.\u201d Jane Doe, Fellow",
    '"A quote." Jane Doe',
    "\u201cA quote that goes on",
    "and ends here.\u201d \u2014 Jo Roe, Director",
    "\u201cA quote.\u201d",
    "Jane Doe, Fellow",
    "A Related Title,\u201d by Jane Doe",
    "A Related Title?\u201d Flash Brief",
    "Related Reading",
    "\u2022 a list item",
]
texts = st.lists(st.sampled_from(LINE_SHAPES) | st.text(max_size=30), max_size=14).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(text=texts)
def test_any_text_is_read_or_refused_with_a_line_and_marks_cover_each_line_exactly(text):
    try:
        parsed = parse_brief(text, formats=FORMATS, issues=["Iran", "Russia"])
    except ParseError as error:
        assert 1 <= error.line_number <= max(1, len(text.splitlines()) + 1)
        lines = error.lines
    else:
        assert parsed.document["title"] and parsed.document["latest_developments"]
        lines = parsed.lines
    for line in lines:
        assert "".join(part for _, part in line.parts) in {"", line.text}


def test_command_reports_file_line_and_what_was_expected(db, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("Shopping list\n\nLatest Developments\n\nEggs\n\nMilk\n", encoding="utf-8")

    _, err, failed = run(path)

    assert failed == "1 of 1 files were not imported."
    assert "notes.txt: not imported" in err
    assert f"{path}:5: expected the first paragraph of the latest developments" in err


def test_file_that_is_not_utf8_is_read_as_windows_1252_with_a_warning(known_issues, tmp_path):
    path = tmp_path / "old-site.txt"
    text = example("no_quotes").read_text(encoding="utf-8")
    path.write_bytes(text.encode("cp1252"))

    out, err, failed = run(path)

    assert failed is None, err
    assert f"{path}: warning: not UTF-8 text; read as Windows-1252" in err
    assert stored()["related"][0]["title"] == "Tracking the Caspian\u2019s Quiet Boom"


def test_folder_imports_every_file_and_reports_the_bad_one(known_issues, tmp_path):
    for name in ["no_quotes", "four_quotes"]:
        (tmp_path / f"{name}.txt").write_bytes(example(name).read_bytes())
    (tmp_path / "b_broken.txt").write_text("Title only\n", encoding="utf-8")
    (tmp_path / "readme.md").write_text("not a brief", encoding="utf-8")

    out, err, failed = run(tmp_path)

    assert failed == "1 of 3 files were not imported."
    assert f"{tmp_path / 'b_broken.txt'}:1: expected the latest developments" in err
    assert "four_quotes.txt: 1 briefs were created" in out
    assert "no_quotes.txt: 1 briefs were created" in out
    assert "readme.md" not in out + err
    assert Brief.objects.count() == 2


# The admin page


def test_change_list_offers_import_from_text_to_analysts(analyst_client):
    page = analyst_client.get("/admin/briefs/brief/")
    assert {"href": IMPORT_URL, "class": "addlink"} in elements(page, "a")
    assert "Import from text" in visible_text(page)


def test_import_page_needs_permission_to_add_briefs(client):
    client.force_login(UserFactory(username="visitor"))
    assert client.get(IMPORT_URL).status_code == 403


def test_analyst_previews_the_seed_and_sees_what_each_line_became(analyst_client, known_issues):
    page = analyst_client.post(IMPORT_URL, {"text": seed_text(), "preview": "Preview"})

    text = visible_text(page)
    assert "Your text, line by line" in text and "The draft as it will be stored" in text
    for marked in [
        "1 date format August 3, 2023 | Flash Brief",
        "3 title Iran and Belarus Sign Defense Cooperation Agreements",
        "5 repeated header, read once August 3, 2023 | Flash Brief",
        "9 heading Latest Developments",
        "11 paragraph The Iranian and Belarussian defense ministers",
        "17 quote attribution \u201cBoth Belarus and Iran",
        "21 heading Domestic Supply",
        "27 related link byline More Evidence That Russia\u2019s Making Iranian Drones,\u201d by "
        "John Hardie",
        "35 issue Iran Iran Global Threat Network Iran Politics and Economy Russia Ukraine",
    ]:
        assert marked in text
    assert "Creates a new draft" in text
    assert "John Hardie, FDD Russia Program Deputy Director new expert" in text
    marks = [(mark["class"]) for mark in elements(page, "mark")]
    assert marks.count("part-issue") == 5 and marks.count("part-quote") == 2
    assert form_fields(page, "import_text_form")["text"] == [seed_text()]
    assert {"type": "submit", "name": "create", "value": "Create draft", "class": "default"} in (
        elements(page, "input")
    )
    assert not Brief.objects.exists()


def test_analyst_creates_the_draft_and_lands_on_its_change_page(analyst_client, known_issues):
    preview = analyst_client.post(IMPORT_URL, {"text": seed_text(), "preview": "Preview"})
    data = form_fields(preview, "import_text_form")

    response = analyst_client.post(IMPORT_URL, {**data, "create": "Create draft"}, follow=True)

    brief = Brief.objects.get()
    assert response.redirect_chain == [(f"/admin/briefs/brief/{brief.pk}/change/", 302)]
    assert (
        "The draft \u201cIran and Belarus Sign Defense Cooperation Agreements\u201d was created "
        "from the text." in visible_text(response)
    )
    assert brief.status == Brief.Status.DRAFT
    assert stored()["quotes"] == seed_document()["quotes"]
    entry = LogEntry.objects.get()
    assert entry.action_flag == ADDITION and entry.get_change_message() == (
        "Created from pasted text."
    )


def test_pasting_the_same_text_again_updates_the_draft(analyst_client, known_issues):
    pasted = example("no_related_links").read_text(encoding="utf-8")
    analyst_client.post(IMPORT_URL, {"text": pasted, "create": "Create draft"})
    changed = pasted.replace("next spring", "next summer")

    preview = analyst_client.post(IMPORT_URL, {"text": changed, "preview": "Preview"})
    assert "Updates the draft Baltic Grid Operators Rehearse Island Mode" in visible_text(preview)
    response = analyst_client.post(
        IMPORT_URL, {"text": changed, "create": "Create draft"}, follow=True
    )

    assert "was updated from the text (sections)" in visible_text(response)
    assert Brief.objects.count() == 1
    assert "next summer" in stored()["sections"][0]["body"]


def test_bad_paste_keeps_the_text_and_names_the_line(analyst_client):
    pasted = "A Title\r\n\r\nLatest Developments\r\n\r\nExpert Analysis\r\n\r\nWords."

    page = analyst_client.post(IMPORT_URL, {"text": pasted, "create": "Create draft"})

    assert page.status_code == 200
    text = visible_text(page)
    assert (
        "Line 5: expected the first paragraph of the latest developments, found "
        "\u201cExpert Analysis\u201d." in text
    )
    assert "5 not understood Expert Analysis" in text
    assert "7 not read Words." in text
    assert form_fields(page, "import_text_form")["text"] == [pasted]
    assert not Brief.objects.exists()


def test_unknown_issues_are_marked_until_create_new_issues_is_ticked(analyst_client, db):
    IssueFactory(name="Russia")
    pasted = example("windows_line_endings").read_text(encoding="utf-8")

    page = analyst_client.post(IMPORT_URL, {"text": pasted, "preview": "Preview"})
    assert (
        "found unknown \u201cUkraine Military and Political Power\u201d. Tick \u201cCreate new "
        "issues\u201d to create them" in visible_text(page)
    )
    assert {"class": "part-unknown-issue"} in elements(page, "mark")

    data = {"text": pasted, "create_issues": "on", "create": "Create draft"}
    analyst_client.post(IMPORT_URL, data)
    assert stored()["issues"] == ["Russia", "Ukraine Military and Political Power"]


def test_analyst_cannot_overwrite_a_brief_in_review_from_text(analyst_client, known_issues):
    BriefFactory(
        title="Baltic Grid Operators Rehearse Island Mode",
        status=Brief.Status.REVIEW,
        publish_at=None,
    )
    pasted = example("no_related_links").read_text(encoding="utf-8")

    page = analyst_client.post(IMPORT_URL, {"text": pasted, "create": "Create draft"})

    message = visible_text(page)
    assert "is already in review; importing this text would turn it back into a draft" in message
    assert "Change it in its form in the admin instead." in message
    # A page speaks of what is on it, not of a command's flags.
    assert "--" not in message
    assert Brief.objects.get().status == Brief.Status.REVIEW


def test_preview_shows_which_related_link_is_one_of_ours(analyst_client, known_issues):
    ours = BriefFactory(title="Tracking the Caspian\u2019s Quiet Boom")
    RelatedLinkFactory(brief=ours)
    pasted = example("no_quotes").read_text(encoding="utf-8")

    page = analyst_client.post(IMPORT_URL, {"text": pasted, "preview": "Preview"})

    text = visible_text(page)
    assert "\u2192 our brief Tracking the Caspian\u2019s Quiet Boom" in text
    assert "no address yet: shown as a citation until one is added" in text
