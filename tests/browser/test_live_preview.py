"""The live preview beside the brief's form follows the typing, in the public page's look."""

from briefs.models import Brief
from tests.browser.test_publishing_workflow import log_in, make_user
from tests.factories import BriefFactory, FormatFactory

TYPED = "Shipping Insurers Return to the Black Sea"


def test_the_preview_beside_the_form_follows_what_is_typed(new_context, sync_api):
    expect = sync_api.expect
    FormatFactory(name="Flash Brief")
    brief = BriefFactory(title="A Working Title", status=Brief.Status.DRAFT, publish_at=None)
    analyst = make_user("Analysts")
    page = new_context().new_page()
    log_in(page, analyst, f"/admin/briefs/brief/{brief.pk}/change/")

    page.get_by_role("button", name="Show preview beside the form").click()
    preview = page.frame_locator("#brief-live-preview-panel iframe")
    expect(preview.locator("h1")).to_have_text("A Working Title")
    expect(preview.locator(".preview-banner")).to_contain_text("Unsaved: as the form holds it now")

    page.fill("#id_title", TYPED)
    page.fill("#id_latest_developments", "Rates fell **sharply** this week.")
    expect(preview.locator("h1")).to_have_text(TYPED)
    expect(preview.locator("strong", has_text="sharply")).to_have_count(1)
    expect(page.locator(".brief-live-preview-status")).to_have_text("Up to date")
    brief.refresh_from_db()
    assert brief.title == "A Working Title"  # the preview saves nothing

    page.get_by_role("button", name="Hide preview").click()
    expect(page.locator("#brief-live-preview-panel")).to_be_hidden()
