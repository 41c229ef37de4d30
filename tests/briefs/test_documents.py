import json

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError

from briefs.interchange.documents import DocumentError, export_documents, import_documents
from briefs.management.commands import import_briefs
from briefs.models import Brief, Issue, RelatedLink
from experts.models import Expert, ExpertQuote
from tests.factories import BriefFactory, ExpertQuoteFactory, RelatedLinkFactory
from tests.pages import visible_text
from tests.seed import SEED_ISSUES, seed_document

pytestmark = pytest.mark.django_db


def document(**changes):
    base = {
        "title": "A Brief About Something",
        "format": "Flash Brief",
        "status": "draft",
        "latest_developments": "What happened.",
        "quotes": [{"expert": "Jane Example", "expert_title": "Fellow", "text": "Words."}],
        "sections": [{"heading": "More", "body": "Further words."}],
        "related": [
            {"title": "Elsewhere", "byline": "by Jane Example", "url": "https://example.org/a"}
        ],
        "issues": ["Iran", "Russia"],
    }
    return {**base, **changes}


def assert_in_order(text, fragments):
    """Each fragment appears in the text, after the one before it."""
    position = 0
    for fragment in fragments:
        found = text.find(fragment, position)
        assert found >= 0, f"{fragment!r} missing after position {position}"
        position = found + len(fragment)


def test_seed_brief_imported_and_published_shows_every_part_in_reading_order(client):
    seed = seed_document()
    import_documents(seed)
    brief = Brief.objects.get()
    brief.status = Brief.Status.PUBLISHED
    brief.save()

    page = visible_text(client.get(brief.get_absolute_url()))

    expected = ["August 3, 2023", "Flash Brief", seed["title"], "Latest Developments"]
    expected += seed["latest_developments"].split("\n\n")
    expected.append("Expert Analysis")
    for quote in seed["quotes"]:
        expected += [quote["text"], f"{quote['expert']}, {quote['expert_title']}"]
    for section in seed["sections"]:
        expected += [section["heading"], *section["body"].split("\n\n")]
    for link in seed["related"]:
        expected += [link["title"], link["byline"]]
    expected += SEED_ISSUES
    assert_in_order(page, expected)
    assert len(seed["quotes"]) == 2 and len(seed["related"]) == 3 and len(SEED_ISSUES) == 5


def test_seed_brief_is_held_exactly(client):
    seed = seed_document()
    import_documents(seed)
    exported = export_documents()[0]
    for key in ("title", "format", "latest_developments", "quotes", "sections", "issues"):
        assert exported[key] == seed[key]
    assert exported["related"] == [{**link} for link in seed["related"]]
    assert exported["publish_at"] == "2023-08-03T09:00:00-04:00"


def test_export_wipe_import_gives_back_the_same_site():
    target = BriefFactory(title="Target Brief", issues=["Iran"])
    brief = BriefFactory(title="Linking Brief", issues=["Iran", "Ukraine"])
    ExpertQuoteFactory(brief=brief, expert__name="Ann Expert", expert_title="Old Title")
    ExpertQuoteFactory(brief=brief, expert__name="Bo Expert")
    RelatedLinkFactory(brief=brief, url="", target=target, byline="Flash Brief")
    RelatedLinkFactory(brief=brief, url="https://example.org/x", title="Outside")
    RelatedLinkFactory(brief=brief, url="", title="A citation without an address")
    BriefFactory(title="Draft Brief", status=Brief.Status.DRAFT, publish_at=None)
    before = export_documents()

    Brief.objects.all().delete()
    Expert.objects.all().delete()
    Issue.objects.all().delete()
    import_documents(json.loads(json.dumps(before)))

    assert export_documents() == before
    assert sorted(Expert.objects.values_list("name", flat=True)) == ["Ann Expert", "Bo Expert"]
    assert sorted(Issue.objects.values_list("name", flat=True)) == ["Iran", "Ukraine"]
    assert ExpertQuote.objects.get(expert__name="Ann Expert").expert_title == "Old Title"


def test_importing_the_same_document_again_updates_instead_of_duplicating():
    import_documents(document())
    report = import_documents(document(title="A Brief About Something", summary="New summary"))
    assert Brief.objects.count() == 1
    assert report.updated == ["a-brief-about-something"]
    assert report.changes["a-brief-about-something"] == ["summary"]
    assert Brief.objects.get().summary == "New summary"
    assert ExpertQuote.objects.count() == 1 and RelatedLink.objects.count() == 1


def test_importing_unchanged_document_reports_unchanged():
    import_documents(document())
    report = import_documents(document())
    assert report.unchanged == ["a-brief-about-something"] and not report.updated


def test_experts_and_issues_are_matched_by_name_not_duplicated():
    import_documents(document())
    import_documents(
        document(
            title="Second",
            quotes=[{"expert": "jane example", "text": "More words."}],
            issues=["IRAN", "New Issue"],
        )
    )
    assert Expert.objects.count() == 1
    assert sorted(Issue.objects.values_list("name", flat=True)) == ["Iran", "New Issue", "Russia"]
    quote = ExpertQuote.objects.get(brief__slug="second")
    assert quote.expert_title == "Fellow"


def test_related_brief_is_matched_by_slug_within_the_same_batch():
    linking = document(title="Linking", related=[{"title": "T", "brief": "target"}])
    import_documents([linking, document(title="Target")])
    link = RelatedLink.objects.get(title="T")
    assert link.target.slug == "target" and link.url == ""


def test_dry_run_reports_and_changes_nothing():
    report = import_documents(document(), dry_run=True)
    assert report.created == ["a-brief-about-something"]
    assert not Brief.objects.exists() and not Expert.objects.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "title: is required"),
        ({"format": "Novel"}, "unknown format 'Novel' (known: Flash Brief, Analysis"),
        ({"status": "live"}, "'live' is not one of draft, review, published, withdrawn"),
        ({"status": "published"}, "a published brief needs its publication time"),
        ({"publish_at": "yesterday"}, "'yesterday' is not an ISO 8601 date"),
        (
            {"related": [{"title": "x", "url": "javascript:alert(1)"}]},
            "not an http, https or mailto",
        ),
        (
            {"related": [{"title": "x", "url": "ftp://example.org/"}]},
            "not an http, https or mailto",
        ),
        ({"related": [{"title": "x", "brief": "no-such-brief"}]}, "no brief has the slug"),
        (
            {"related": [{"title": "x", "url": "https://example.org", "brief": "b"}]},
            "either url or brief, not both",
        ),
        ({"quotes": [{"text": "Words."}]}, "quotes[0].expert: is required"),
        ({"issues": "Iran"}, "expected a list of issue names"),
        ({"titel": "Typo"}, "unknown key 'titel'"),
        ({"slug": "Not a slug!"}, "is not a slug"),
    ],
)
def test_bad_documents_are_refused_with_a_message_saying_where(changes, message):
    with pytest.raises(DocumentError) as raised:
        import_documents(document(**changes))
    assert message in str(raised.value)
    assert not Brief.objects.exists()


def test_one_bad_document_in_a_batch_writes_nothing_and_reports_every_problem():
    with pytest.raises(DocumentError) as raised:
        import_documents([document(title="Fine"), document(title="", format="Nope")])
    assert len(raised.value.problems) == 2
    assert "brief 2" in raised.value.problems[0]
    assert not Brief.objects.exists()


def test_import_command_imports_files_and_reports_each_failure(tmp_path, capsys):
    good = tmp_path / "good.json"
    good.write_text(json.dumps([document()]), encoding="utf-8")
    broken = tmp_path / "broken.json"
    broken.write_text('{"title": ', encoding="utf-8")
    text = tmp_path / "brief.txt"
    text.write_text("August 3, 2023 | Flash Brief", encoding="utf-8")

    with pytest.raises(CommandError, match="2 of 3 files were not imported"):
        call_command("import_briefs", str(good), str(broken), str(text))

    output = capsys.readouterr()
    assert "good.json: 1 briefs were created" in output.out
    assert "broken.json: not imported" in output.err
    assert "not valid JSON" in output.err
    assert f"{text}:1: expected the brief's title after the date line" in output.err
    assert Brief.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"title": "A\x00Title"},
            "brief 1.title: holds a control character (U+0000) at character 2",
        ),
        ({"summary": "Short\x00"}, ".summary: holds a control character (U+0000) at character 6"),
        (
            {"quotes": [{"expert": "Jane Example", "text": "\x1b[31mWords."}]},
            ".quotes[0].text: holds a control character (U+001B) at character 1",
        ),
        (
            {"related": [{"title": "x", "url": "https://example.org/\x00"}]},
            ".related[0].url: holds a control character (U+0000) at character 21",
        ),
        (
            {"related": [{"title": "x", "brief": "a\x00"}]},
            ".related[0].brief: holds a control character (U+0000) at character 2",
        ),
        ({"issues": ["Iran\x00"]}, "issues: 'Iran\\x00' holds a control character (U+0000)"),
        ({"slug": "a\x7fb"}, ".slug: holds a control character (U+007F) at character 2"),
    ],
)
def test_a_control_character_in_a_document_is_refused_saying_where(changes, message):
    """PostgreSQL refuses a NUL in text; no author writes one (nor an escape or a DEL)."""
    with pytest.raises(DocumentError) as raised:
        import_documents(document(**changes))
    assert message in str(raised.value)
    assert "which a brief may not contain" in str(raised.value)
    assert not Brief.objects.exists()


def test_tabs_and_line_breaks_of_any_system_are_text_a_brief_may_hold():
    import_documents(document(latest_developments="Windows\r\nlines\tand a tab.\n\nMore."))

    assert Brief.objects.get().latest_developments == "Windows\nlines\tand a tab.\n\nMore."


def test_a_nul_in_one_file_is_reported_for_that_file_and_the_next_file_is_imported(
    tmp_path, capsys
):
    bad = tmp_path / "1-bad.json"
    bad.write_text(json.dumps(document(title="Bad", summary="Nul\x00here")), encoding="utf-8")
    assert "\\u0000" in bad.read_text(encoding="utf-8")  # as JSON writes it
    good = tmp_path / "2-good.json"
    good.write_text(json.dumps(document(title="Good")), encoding="utf-8")

    with pytest.raises(CommandError, match="1 of 2 files were not imported"):
        call_command("import_briefs", str(bad), str(good))

    output = capsys.readouterr()
    assert output.err.splitlines() == [
        f"{bad}: not imported",
        "  brief 1 ('Bad').summary: holds a control character (U+0000) at character 4, "
        "which a brief may not contain",
    ]
    assert f"{good}: 1 briefs were created" in output.out
    assert list(Brief.objects.values_list("title", flat=True)) == ["Good"]


def test_an_import_that_loses_a_race_to_another_is_reported_for_its_file_only(
    tmp_path, capsys, monkeypatch
):
    """Two imports of one file at once: the one committing second hits the slugs the other
    just created (IntegrityError, simulated here for the first file). It says so and what to
    do; the other files are imported."""
    first = tmp_path / "1-first.json"
    first.write_text(json.dumps(document(title="Raced")), encoding="utf-8")
    second = tmp_path / "2-second.json"
    second.write_text(json.dumps(document(title="Not raced")), encoding="utf-8")
    real_import = import_briefs.import_documents

    def racing_import(raw, **options):
        if raw["title"] == "Raced":
            raise IntegrityError('duplicate key value violates unique constraint "slug"')
        return real_import(raw, **options)

    monkeypatch.setattr(import_briefs, "import_documents", racing_import)

    with pytest.raises(CommandError, match="1 of 2 files were not imported"):
        call_command("import_briefs", str(first), str(second))

    output = capsys.readouterr()
    assert output.err.splitlines() == [
        f"{first}: not imported",
        "  another import changed the same briefs at the same time; nothing of this file was "
        "imported \N{EM DASH} run it again",
    ]
    assert "duplicate key" not in output.err
    assert f"{second}: 1 briefs were created" in output.out
    assert list(Brief.objects.values_list("title", flat=True)) == ["Not raced"]


def test_import_command_dry_run_changes_nothing(tmp_path, capsys):
    path = tmp_path / "briefs.json"
    path.write_text(json.dumps(document()), encoding="utf-8")
    call_command("import_briefs", str(path), "--dry-run")
    assert "1 briefs would be created" in capsys.readouterr().out
    assert not Brief.objects.exists()


def test_export_command_writes_a_list_of_documents_to_a_file(tmp_path):
    BriefFactory(title="Exported Brief", issues=["Iran"])
    output = tmp_path / "export.json"
    call_command("export_briefs", "--output", str(output))
    exported = json.loads(output.read_text(encoding="utf-8"))
    assert [item["title"] for item in exported] == ["Exported Brief"]
    assert exported[0]["issues"] == ["Iran"]
