"""Revisions: every save keeps the whole brief; any two compare; an old one restores as new."""

import pytest
from django.test import Client

from briefs.editorial.revisions import inline_diff
from briefs.interchange.documents import import_documents
from briefs.models import Brief
from tests.briefs.test_admin import change_url, new_brief_fields, submit
from tests.pages import elements, visible_text

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/briefs/brief/add/"


def revisions_url(brief):
    return f"/admin/briefs/brief/{brief.pk}/revisions/"


@pytest.fixture
def revised(editor_client):
    """A brief written in the admin, then changed: a quote reworded, a link added, an issue
    dropped, the title retouched."""
    submit(editor_client, ADD_URL, **new_brief_fields(status="draft"))
    brief = Brief.objects.get()
    submit(
        editor_client,
        change_url(brief),
        **{
            "title": "Drones Over the Black Sea Coast",
            "quotes-0-text": "A carefully considered view.",
            "related_links-TOTAL_FORMS": "2",
            "related_links-1-title": "Maps of the coast",
            "related_links-1-url": "https://example.org/maps",
            "issues": [str(brief.issues.get(name="Iran").pk)],
        },
    )
    return brief


def test_every_save_keeps_a_revision_listed_with_who_and_when(editor_client, revised):
    page = editor_client.get(revisions_url(revised))
    rows = visible_text(page)
    assert "1 " in rows and "2 current" in rows
    assert rows.count("editor") >= 2
    assert "Created: Draft" in rows
    stored = {revision.number: revision.document for revision in revised.revisions.all()}
    assert stored[1]["issues"] == ["Iran", "Russia"] and stored[2]["issues"] == ["Iran"]
    assert stored[1]["quotes"][0]["text"] == "A considered view."
    assert [link["title"] for link in stored[2]["related"]] == [
        "Background reading",
        "Maps of the coast",
    ]


def test_comparing_two_revisions_shows_text_quote_link_and_issue_changes(editor_client, revised):
    page = editor_client.get(f"{revisions_url(revised)}compare/?from=1&to=2")
    assert page.status_code == 200
    text = visible_text(page)
    assert "Title Drones Over the Black Sea Coast" in text
    assert (
        "Expert Analysis Changed: Jane Example, Senior Fellow: “A carefully considered view.”"
        in (text)
    )
    assert "Related links Added: Maps of the coast · https://example.org/maps" in text
    assert "Issues Removed: Russia" in text
    html = page.content.decode()
    assert "Black Sea<ins> Coast</ins>" in html and "“A <ins>carefully </ins>considered" in html
    assert "<del>Russia</del>" in html


def test_a_comparison_the_other_way_round_reads_oldest_first(editor_client, revised):
    text = visible_text(editor_client.get(f"{revisions_url(revised)}compare/?from=2&to=1"))
    assert "From revision 1" in text and "to revision 2" in text


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?from=1",
        "?from=1&to=1",
        "?from=1&to=9",
        "?from=x&to=2",
        "?from=-1&to=2",
        "?from=1&to=" + "9" * 30,
    ],
)
def test_a_bad_choice_of_revisions_is_explained(editor_client, revised, query):
    response = editor_client.get(f"{revisions_url(revised)}compare/{query}", follow=True)
    assert response.status_code == 200
    assert "Choose two" in visible_text(response)


def test_restoring_an_old_revision_saves_it_as_a_new_one(editor_client, revised):
    restore_url = f"{revisions_url(revised)}1/restore/"
    confirm = visible_text(editor_client.get(restore_url))
    assert "Issues Added: Russia" in confirm
    assert "Restore revision 1" in confirm

    response = editor_client.post(restore_url)
    assert response.status_code == 302
    assert "Revision 1 was restored as revision 3" in visible_text(editor_client.get(response.url))

    revised.refresh_from_db()
    assert revised.title == "Drones Over the Black Sea"
    assert [q.text for q in revised.quotes.all()] == ["A considered view."]
    assert [link.title for link in revised.related_links.all()] == ["Background reading"]
    assert sorted(issue.name for issue in revised.issues.all()) == ["Iran", "Russia"]
    listing = visible_text(editor_client.get(revisions_url(revised)))
    assert "3 current" in listing and "Restored revision 1" in listing
    assert revised.revisions.count() == 3


def test_restoring_keeps_the_brief_where_it_stands_in_the_workflow(editor_client, revised):
    submit(editor_client, change_url(revised), status="published")
    editor_client.post(f"{revisions_url(revised)}1/restore/")
    revised.refresh_from_db()
    assert revised.status == "published" and revised.is_public
    assert revised.title == "Drones Over the Black Sea"
    assert Client().get(revised.get_absolute_url()).status_code == 200


def test_analysts_see_revisions_but_cannot_restore_an_approved_brief(
    editor_client, revised, analyst
):
    submit(editor_client, change_url(revised), status="published")
    analyst_client = Client()
    analyst_client.force_login(analyst)
    listing = analyst_client.get(revisions_url(revised))
    assert listing.status_code == 200 and "Restore" not in visible_text(listing)
    assert analyst_client.post(f"{revisions_url(revised)}1/restore/").status_code == 403
    revised.refresh_from_db()
    assert revised.title == "Drones Over the Black Sea Coast"


def test_an_unknown_revision_or_brief_answers_404(editor_client, revised):
    assert editor_client.get(f"{revisions_url(revised)}9/restore/").status_code == 404
    assert editor_client.get("/admin/briefs/brief/999/revisions/").status_code == 404


def test_the_change_page_links_to_the_revisions(editor_client, revised):
    links = elements(editor_client.get(change_url(revised)), "a")
    assert {"href": revisions_url(revised)} in links
    assert "Revisions (2)" in visible_text(editor_client.get(change_url(revised)))


def test_markup_in_a_revision_is_shown_as_text(editor_client, revised):
    submit(editor_client, change_url(revised), **{"quotes-0-text": "<script>alert(1)</script>"})
    html = editor_client.get(f"{revisions_url(revised)}compare/?from=2&to=3").content.decode()
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_an_import_keeps_a_revision_too(editor_client):
    document = {
        "title": "Imported Brief",
        "format": "Flash Brief",
        "latest_developments": "Words.",
        "issues": ["Iran"],
    }
    import_documents(document)
    import_documents({**document, "latest_developments": "Other words."})
    brief = Brief.objects.get()
    assert [revision.note for revision in brief.revisions.all()] == ["Imported", "Imported"]
    html = editor_client.get(f"{revisions_url(brief)}compare/?from=1&to=2").content.decode()
    assert "<dt>Latest Developments</dt>" in html
    assert "<del>Words.</del> <ins>Other words.</ins>" in html


def test_an_edit_is_marked_word_by_word_and_a_rewrite_as_a_whole():
    assert str(inline_diff("Talks resume on Monday.", "Talks resume on Tuesday.")) == (
        "Talks resume on <del>Monday.</del><ins>Tuesday.</ins>"
    )
    assert str(inline_diff("A new summary.", "Nothing alike here at all.")) == (
        "<del>A new summary.</del> <ins>Nothing alike here at all.</ins>"
    )
    assert str(inline_diff("<b>", "<i>")) == "<del>&lt;b&gt;</del> <ins>&lt;i&gt;</ins>"
