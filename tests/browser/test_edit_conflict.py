"""Two editors edit the same brief in two browsers: the second save is refused, shows what
the first changed, and keeps the second editor's text so that nothing typed is lost."""

from briefs.models import Brief
from tests.browser.test_publishing_workflow import log_in, make_user
from tests.factories import BriefFactory, ExpertQuoteFactory, FormatFactory

THEIR_TITLE = "Port Strikes Spread Along the Adriatic"
OUR_SUMMARY = "Dockworkers in three more ports walked out on Thursday, stalling grain exports."
OUR_DEVELOPMENTS = "Unions in Split and Rijeka joined the strike at dawn.\n\nTalks resume Monday."


def test_the_second_editor_gets_the_conflict_with_their_text_intact(new_context, sync_api):
    expect = sync_api.expect
    FormatFactory(name="Flash Brief")
    brief = BriefFactory(
        title="Port Strikes in the Adriatic",
        summary="Dockworkers walked out.",
        status=Brief.Status.REVIEW,
        publish_at=None,
    )
    ExpertQuoteFactory(brief=brief, text="Strikes travel fast along this coast.")
    first, second = make_user("Editors"), make_user("Editors")
    first.first_name, first.last_name = "Ines", "Kovač"
    first.save()
    change = f"/admin/briefs/brief/{brief.pk}/change/"

    theirs = new_context().new_page()
    log_in(theirs, first, change)
    ours = new_context().new_page()
    log_in(ours, second, change)
    # The second editor is told who else has the brief open.
    expect(ours.locator(".brief-others-editing")).to_contain_text("Ines Kovač opened this brief")

    theirs.fill("#id_title", THEIR_TITLE)
    theirs.locator("button[name=_move][value=save]").last.click()
    expect(theirs.locator(".messagelist .success")).to_be_visible()

    ours.fill("#id_summary", OUR_SUMMARY)
    ours.fill("#id_latest_developments", OUR_DEVELOPMENTS)
    ours.locator("button[name=_move][value=save]").last.click()

    conflict = ours.locator(".brief-conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Someone else saved this brief while you were editing")
    expect(conflict).to_contain_text("Ines Kovač")
    changes = conflict.locator(".revision-changes")
    expect(changes.locator("dt")).to_have_text(["Title"])
    expect(changes.locator("del")).to_have_text(["in"])
    expect(changes.locator("ins")).to_have_text(["Spread Along"])
    expect(ours.locator("#id_summary")).to_have_value(OUR_SUMMARY)
    expect(ours.locator("#id_latest_developments")).to_have_value(OUR_DEVELOPMENTS)
    brief.refresh_from_db()
    assert (brief.title, brief.summary) == (THEIR_TITLE, "Dockworkers walked out.")

    # Having read their change, the second editor takes the new title and saves again.
    ours.fill("#id_title", THEIR_TITLE)
    ours.locator("button[name=_move][value=save]").last.click()
    expect(ours.locator(".messagelist .success")).to_be_visible()
    brief.refresh_from_db()
    assert (brief.title, brief.summary) == (THEIR_TITLE, OUR_SUMMARY)
    assert brief.latest_developments == OUR_DEVELOPMENTS
