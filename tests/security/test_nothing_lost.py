"""Nothing lost: a save that fails part-way leaves no trace, and export, wipe and import give
back the same site.

These tests run on a transactional database (`transaction=True`), so the transactions the
admin and the commands open are real ones that commit or roll back, as in production; a
database error is made to happen at a chosen statement, after earlier rows of the same save
were written.
"""

import importlib
import io
import json
from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test import Client
from django.utils import timezone

from briefs.editorial.revisions import snapshot
from briefs.editorial.roles import ensure_editorial_groups
from briefs.interchange.documents import export_documents
from briefs.models import (
    Brief,
    BriefSection,
    Format,
    Issue,
    RelatedLink,
    Revision,
    SearchEntry,
    TaggedBrief,
    Transition,
)
from briefs.public import search
from experts.models import Expert, ExpertQuote
from tests.briefs.test_reading_pages import png
from tests.factories import ExpertFactory, IssueFactory, UserFactory
from tests.pages import card_titles, form_fields, visible_text

pytestmark = pytest.mark.django_db(transaction=True)

ADD_URL = "/admin/briefs/brief/add/"
MOVE_URL = "/admin/briefs/brief/calendar/move/"
TITLE = "Drones Over the Black Sea"

# The statements a brief's save makes, in the order it makes them: the brief, its quotes, its
# links, its revision, and last the admin's own history entry.
QUOTES, LINKS, REVISIONS, ADMIN_LOG = (
    "experts_expertquote",
    "briefs_relatedlink",
    "briefs_revision",
    "django_admin_log",
)


class InjectedFailure(DatabaseError):
    """The database error these tests cause on purpose."""


@contextmanager
def database_fails_on(table, *, containing=None):
    """Every INSERT into `table` (whose values include `containing`, when given) fails as a
    database refusing a write would."""

    def execute(run, sql, params, many, context):
        inserting = sql.lstrip().startswith(f'INSERT INTO "{table}"')
        if inserting and (containing is None or containing in repr(params)):
            raise InjectedFailure(f"injected failure: {sql[:60]}")
        return run(sql, params, many, context)

    with connection.execute_wrapper(execute):
        yield


@pytest.fixture(autouse=True)
def migrated_rows():
    """What `migrate` writes: another transactional test's flush may have taken the formats
    away (the groups come back with the flush's post_migrate signal, but not always)."""
    ensure_editorial_groups()
    formats = importlib.import_module("briefs.migrations.0002_default_formats")
    for position, name in enumerate(formats.DEFAULT_FORMATS):
        Format.objects.get_or_create(name=name, defaults={"position": position})


@pytest.fixture
def editor_browser():
    """An editor whose failed requests come back as the 500 page a browser would get."""
    browser = Client(raise_request_exception=False)
    browser.force_login(UserFactory(username="editor", group="Editors", email="ed@example.org"))
    return browser


def change_url(brief):
    return f"/admin/briefs/brief/{brief.pk}/change/"


def brief_fields():
    """A published brief with two quotes, a section, two links, two issues, and the alt text
    for a lead image."""
    first, second = ExpertFactory(name="Jane Example"), ExpertFactory(name="Omar Example")
    iran, russia = IssueFactory(name="Iran"), IssueFactory(name="Russia")
    return {
        "title": TITLE,
        "format": str(Format.objects.get(name="Flash Brief").pk),
        "summary": "What the drones mean.",
        "latest_developments": "Something happened.\n\nThen more.",
        "status": "published",
        "quotes-TOTAL_FORMS": "2",
        "quotes-0-expert": str(first.pk),
        "quotes-0-text": "A considered view.",
        "quotes-1-expert": str(second.pk),
        "quotes-1-text": "A second view.",
        "sections-TOTAL_FORMS": "1",
        "sections-0-heading": "Supply",
        "sections-0-body": "Where the parts come from.",
        "related_links-TOTAL_FORMS": "2",
        "related_links-0-title": "Background reading",
        "related_links-0-url": "https://example.org/background",
        "related_links-1-title": "Maps",
        "related_links-1-url": "https://example.org/maps",
        "issues": [str(iran.pk), str(russia.pk)],
        "lead_image_alt": "Ships at anchor",
    }


def post_form(browser, url, changes, *, image=False):
    """The form as the browser has it, with the editor's changes, posted back."""
    data = form_fields(browser.get(url), "brief_form")
    data.update(
        {key: value if isinstance(value, list) else [value] for key, value in changes.items()}
    )
    if image:
        data["lead_image"] = png(width=800, height=480)
    return browser.post(url, data)


def uploaded_files(media_root):
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def search_titles(client, words):
    return card_titles(client.get("/search/", {"q": words}))


def search_index_entries():
    """The briefs the search index has entries for: on PostgreSQL a SearchEntry each, on
    SQLite a row of an FTS5 table; both must be rolled back with the brief."""
    if isinstance(search.backend(), search.SqliteSearch):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT rowid FROM {search.FTS_TABLE}")
            return {row[0] for row in cursor.fetchall()}
    return set(SearchEntry.objects.values_list("pk", flat=True))


def stored_state(brief, client):
    """Everything a save changes about a brief, and what a reader sees of it."""
    brief = Brief.objects.get(pk=brief.pk)
    return {
        "document": snapshot(brief),
        "version": brief.version,
        "revisions": list(brief.revisions.values_list("number", "note")),
        "transitions": brief.transitions.count(),
        "admin log": LogEntry.objects.count(),
        "page": visible_text(client.get(brief.get_absolute_url())),
        "found": search_titles(client, "drones"),
    }


@pytest.mark.parametrize("failing_table", [QUOTES, LINKS, REVISIONS, ADMIN_LOG])
def test_a_new_brief_whose_save_fails_part_way_leaves_nothing_behind(
    editor_browser, client, failing_table
):
    fields = brief_fields()
    experts, issues = Expert.objects.count(), Issue.objects.count()
    indexed = search_index_entries()

    # The second quote fails, after the brief and the first quote were written.
    second_quote = "A second view." if failing_table == QUOTES else None
    with database_fails_on(failing_table, containing=second_quote):
        response = post_form(editor_browser, ADD_URL, fields, image=True)

    assert response.status_code == 500
    assert not Brief.objects.exists()
    for model in (ExpertQuote, BriefSection, RelatedLink, TaggedBrief, Revision, Transition):
        assert not model.objects.exists(), model.__name__
    assert not LogEntry.objects.exists()
    assert search_index_entries() == indexed
    assert (Expert.objects.count(), Issue.objects.count()) == (experts, issues)
    assert client.get("/briefs/drones-over-the-black-sea/").status_code == 404
    assert search_titles(client, "drones") == []
    assert mail.outbox == []

    # Nothing half-made stands in the way of saving it again.
    assert post_form(editor_browser, ADD_URL, fields, image=True).status_code == 302
    brief = Brief.objects.get()
    assert (brief.quotes.count(), brief.related_links.count(), brief.revisions.count()) == (2, 2, 1)
    assert search_titles(client, "drones") == [TITLE]


@pytest.mark.parametrize("failing_table", [QUOTES, LINKS, REVISIONS, ADMIN_LOG])
def test_an_edit_whose_save_fails_part_way_leaves_the_brief_as_it_was(
    editor_browser, client, failing_table
):
    assert post_form(editor_browser, ADD_URL, brief_fields(), image=True).status_code == 302
    brief = Brief.objects.get()
    before = stored_state(brief, client)
    edit = {
        "title": "Drones Over the Black Sea Coast",
        "quotes-0-text": "A revised view.",
        "quotes-TOTAL_FORMS": "3",
        "quotes-2-expert": str(Expert.objects.get(name="Omar Example").pk),
        "quotes-2-text": "A third view, by Omar.",
        "related_links-0-DELETE": "on",
        "related_links-TOTAL_FORMS": "3",
        "related_links-2-title": "Satellite pictures",
        "related_links-2-url": "https://example.org/pictures",
        "issues": [str(Issue.objects.get(name="Iran").pk)],
    }

    with database_fails_on(failing_table):
        response = post_form(editor_browser, change_url(brief), edit)

    assert response.status_code == 500
    assert stored_state(brief, client) == before


def test_a_new_brief_whose_save_fails_leaves_no_uploaded_image_behind(editor_browser, media_root):
    with database_fails_on(LINKS):
        assert post_form(editor_browser, ADD_URL, brief_fields(), image=True).status_code == 500
    assert uploaded_files(media_root) == []


def test_restoring_a_revision_that_fails_part_way_leaves_the_brief_as_it_was(
    editor_browser, client
):
    assert post_form(editor_browser, ADD_URL, brief_fields()).status_code == 302
    brief = Brief.objects.get()
    edit = {"title": "Drones Over the Black Sea Coast", "quotes-0-text": "A revised view."}
    assert post_form(editor_browser, change_url(brief), edit).status_code == 302
    before = stored_state(brief, client)

    with database_fails_on(REVISIONS):
        response = editor_browser.post(f"/admin/briefs/brief/{brief.pk}/revisions/1/restore/")

    assert response.status_code == 500
    assert stored_state(brief, client) == before


def test_a_calendar_move_that_fails_part_way_leaves_the_brief_where_it_was(
    editor_browser, client, tomorrow
):
    scheduled = {
        "publish_at": f"{timezone.localtime(tomorrow):%Y-%m-%d}T09:00",
    }
    assert post_form(editor_browser, ADD_URL, {**brief_fields(), **scheduled}).status_code == 302
    brief = Brief.objects.get()
    before = stored_state(brief, client)
    local = timezone.localtime(brief.publish_at)
    page = editor_browser.get("/admin/briefs/brief/calendar/", {"month": f"{local:%Y-%m}"})
    data = form_fields(page, f"move-{brief.pk}-grid")
    data["date"] = [f"{local + timedelta(days=2):%Y-%m-%d}"]

    with database_fails_on(REVISIONS):
        response = editor_browser.post(MOVE_URL, data)

    assert response.status_code == 500
    assert stored_state(brief, client) == before


def test_an_import_whose_second_brief_fails_part_way_keeps_nothing_of_the_batch(tmp_path, client):
    existing = {
        "title": "Sanctions at Sea",
        "format": "Flash Brief",
        "status": "published",
        "publish_at": "2025-05-01T09:00:00-04:00",
        "latest_developments": "Tankers went dark.",
        "quotes": [{"expert": "Jane Example", "expert_title": "Fellow", "text": "Watch them."}],
        "issues": ["Sanctions"],
    }
    call_command(
        "import_briefs", write_json(tmp_path / "first.json", [existing]), stdout=io.StringIO()
    )
    before = site_after_import(client)
    updated = {
        **existing,
        "summary": "Now with a summary.",
        "quotes": [{"expert": "Omar New", "expert_title": "Analyst", "text": "Watch closer."}],
        "issues": ["Sanctions", "Arctic"],
    }
    second = {
        **existing,
        "title": "Drones in the Arctic",
        "quotes": [{"expert": "Ida New", "expert_title": "Fellow", "text": "The second brief."}],
        "issues": ["Space"],
    }
    batch = write_json(tmp_path / "batch.json", [updated, second])

    with database_fails_on(QUOTES, containing="The second brief."), pytest.raises(DatabaseError):
        call_command("import_briefs", batch, stdout=io.StringIO())

    assert site_after_import(client) == before
    assert client.get("/briefs/drones-in-the-arctic/").status_code == 404


def site_after_import(client):
    """Every brief as a document, the experts and issues, the history, and a brief's page."""
    return {
        "documents": export_documents(),
        "experts": sorted(Expert.objects.values_list("name", flat=True)),
        "issues": sorted(Issue.objects.values_list("name", flat=True)),
        "revisions": Revision.objects.count(),
        "transitions": Transition.objects.count(),
        "page": visible_text(client.get("/briefs/sanctions-at-sea/")),
    }


def write_json(path, documents):
    path.write_text(json.dumps(documents), encoding="utf-8")
    return str(path)


def pages_to_compare():
    """The pages of the public briefs without a lead image (documents do not carry lead
    images; backup_site keeps them) and the indexes, then the lists."""
    briefs = [brief.get_absolute_url() for brief in Brief.objects.published().filter(lead_image="")]
    lists = ["/", "/briefs/", *(issue.get_absolute_url() for issue in Issue.objects.public())]
    return [*briefs, "/issues/", "/experts/"], lists


def what_readers_see(client, pages, lists):
    """Each page's text, and which briefs each list shows, in order. Lists are compared by
    their briefs: the issue tags on their cards come in no set order."""
    return {
        **{url: visible_text(client.get(url)) for url in pages},
        **{url: card_titles(client.get(url)) for url in lists},
    }


@pytest.mark.django_db
def test_export_wipe_and_import_with_the_commands_give_back_the_demo_site(
    settings, tmp_path, client
):
    settings.DEBUG = True  # load_demo runs only in development
    call_command("load_demo", stdout=io.StringIO())
    pages, lists = pages_to_compare()
    site_before = what_readers_see(client, pages, lists)
    assert len(pages) >= 6 and len(lists) > 6
    export = tmp_path / "briefs.json"
    call_command("export_briefs", "--output", str(export), stderr=io.StringIO())
    exported_before = json.loads(export.read_text(encoding="utf-8"))

    Brief.objects.all().delete()
    assert card_titles(client.get("/briefs/")) == []
    call_command("import_briefs", str(export), stdout=io.StringIO())

    assert export_documents() == exported_before
    assert what_readers_see(client, pages, lists) == site_before
