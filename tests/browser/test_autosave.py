"""A browser that dies mid-edit loses nothing: the brief form autosaves what was typed, and the
next time the form is opened it offers to put it back."""

from briefs.models import Brief, ExpertQuote
from tests.browser.test_publishing_workflow import log_in, make_user
from tests.factories import BriefFactory, ExpertFactory, FormatFactory

SUMMARY = "Typed in a browser that then crashed."
QUOTE = "A second view, typed into a row added just before the crash."


def test_text_typed_before_a_crash_is_offered_back_and_restored(new_context, sync_api):
    expect = sync_api.expect
    FormatFactory(name="Flash Brief")
    brief = BriefFactory(summary="As saved.", status=Brief.Status.DRAFT, publish_at=None)
    expert = ExpertFactory(name="Dana Whitfield")
    analyst = make_user("Analysts")
    change = f"/admin/briefs/brief/{brief.pk}/change/"

    page = new_context().new_page()
    log_in(page, analyst, change)
    page.fill("#id_summary", SUMMARY)
    page.get_by_role("button", name="Add another Expert quote").click()
    row = page.locator("#quotes-group .dynamic-quotes:not(.empty-form)").last
    row.locator(".select2-selection").click()
    page.fill(".select2-container--open .select2-search__field", "Dana")
    page.click(".select2-results__option:text-is('Dana Whitfield')")
    row.locator("textarea[name$='-text']").fill(QUOTE)
    # The form sends what it holds within a few seconds of a change.
    with page.expect_response(lambda r: r.url.endswith("/autosave/") and r.status == 204):
        pass
    page.context.close()  # the crash: nothing was saved
    brief.refresh_from_db()
    assert brief.summary == "As saved." and not ExpertQuote.objects.filter(text=QUOTE).exists()

    page = new_context().new_page()
    log_in(page, analyst, change)
    notice = page.locator("#brief-unsaved")
    expect(notice).to_contain_text("You have changes to this brief that were never saved")
    page.get_by_role("button", name="Put them back in the form").click()
    expect(notice).to_be_hidden()
    expect(page.locator("#id_summary")).to_have_value(SUMMARY)
    texts = page.locator("#quotes-group textarea[name$='-text']")
    assert QUOTE in texts.evaluate_all("areas => areas.map((area) => area.value)")
    expect(
        page.locator("#quotes-group .select2-selection__rendered", has_text="Dana Whitfield")
    ).to_have_count(1)

    page.get_by_role("button", name="Save draft", exact=True).last.click()
    expect(page.locator(".messagelist .success")).to_contain_text("is saved as a draft")
    brief.refresh_from_db()
    assert brief.summary == SUMMARY
    assert brief.quotes.get(text=QUOTE).expert == expert
    expect(page.locator("#brief-unsaved")).to_have_count(0)
