"""In a real browser: an editor shares a draft with a preview link, a reader without an account
opens it, and the link stops working the moment the editor revokes it."""

from briefs.models import Brief
from tests.browser.test_publishing_workflow import log_in, make_user
from tests.factories import BriefFactory

TITLE = "Grain Corridor Insurance Talks Resume"
DEVELOPMENTS = "Underwriters met in Istanbul to price cover for ships leaving Odesa."


def test_share_preview_link_opens_for_an_anonymous_reader_and_stops_when_revoked(
    new_context, sync_api
):
    expect = sync_api.expect
    brief = BriefFactory(
        title=TITLE, latest_developments=DEVELOPMENTS, status=Brief.Status.DRAFT, publish_at=None
    )
    editor = make_user("Editors")

    # The editor makes a link on the draft's page and copies its address.
    page = new_context().new_page()
    log_in(page, editor, f"/admin/briefs/brief/{brief.pk}/change/")
    expect(page.locator("#id_title")).to_have_value(TITLE)
    page.get_by_role("button", name="Create a preview link").click()
    expect(page.locator(".messagelist .success")).to_contain_text("A preview link was made")
    share_section = page.locator("#share-preview")
    expect(share_section).to_contain_text("Active")
    address = share_section.locator("input.preview-address").first.input_value()

    # A reader without an account opens it: the draft, marked as a preview.
    reader = new_context().new_page()
    response = reader.goto(address)
    assert response.status == 200
    assert "no-store" in response.headers["cache-control"]
    expect(reader.get_by_role("status")).to_contain_text("Preview: not public")
    expect(reader.locator("h1")).to_have_text(TITLE)
    expect(reader.get_by_text(DEVELOPMENTS)).to_be_visible()
    expect(reader.get_by_role("link", name="Back to editing")).to_have_count(0)
    assert reader.request.get(f"/briefs/{brief.slug}/").status == 404

    # The editor revokes it; the reader's next look finds it gone.
    share_section.get_by_role("button", name="Revoke").click()
    expect(page.locator(".messagelist .success")).to_contain_text("revoked")
    expect(page.locator("#share-preview")).to_contain_text("Revoked")

    response = reader.reload()
    assert response.status == 410
    expect(reader.locator("h1")).to_have_text("This preview link no longer works")
    expect(reader.get_by_text("It has expired or was withdrawn.")).to_be_visible()
    expect(reader.get_by_text(TITLE)).to_have_count(0)
    expect(reader.get_by_text(DEVELOPMENTS)).to_have_count(0)
