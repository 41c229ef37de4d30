"""The live preview: the brief's public page made from what its form holds, saved or not."""

import pytest

from briefs.models import Brief, Revision
from tests.briefs.test_admin import ADD_URL, change_url, new_brief_fields
from tests.factories import BriefFactory, ExpertQuoteFactory, UserFactory
from tests.pages import form_fields, visible_text

pytestmark = pytest.mark.django_db


def preview(client, url, **changes):
    """Post the form as it stands, with some fields typed into, to the live preview."""
    data = form_fields(client.get(url), "brief_form")
    data.update(
        {name: value if isinstance(value, list) else [value] for name, value in changes.items()}
    )
    target = (
        url.replace("change/", "live-preview/") if "change" in url else ADD_URL + "live-preview/"
    )
    return client.post(target, data)


def test_the_preview_shows_unsaved_text_in_the_public_template_and_saves_nothing(editor_client):
    brief = BriefFactory(status=Brief.Status.DRAFT, publish_at=None, summary="As saved.")
    ExpertQuoteFactory(brief=brief, text="The saved quote.")
    editor_client.get(change_url(brief))  # opening the form keeps a baseline revision
    revisions = Revision.objects.count()
    response = preview(
        editor_client, change_url(brief),
        title="A Title Typed Just Now", latest_developments="Typed **news**.",
        **{"quotes-0-text": "A quote being edited."},
    )  # fmt: skip
    assert response.status_code == 200
    assert (
        response["Cache-Control"].startswith("private") or "no-store" in response["Cache-Control"]
    )
    html = response.content.decode()
    text = visible_text(response)
    assert "Unsaved: as the form holds it now" in text
    assert "A Title Typed Just Now" in text and "A quote being edited." in text
    assert "<strong>news</strong>" in html
    assert 'class="brief' in html  # the public page's own template
    brief.refresh_from_db()
    assert brief.title != "A Title Typed Just Now"
    assert brief.quotes.get().text == "The saved quote."
    assert Revision.objects.count() == revisions


def test_a_new_brief_is_previewed_before_its_first_save(analyst_client):
    fields = new_brief_fields(title="Drones Over the Black Sea", issues=["Arctic Shipping"])
    response = preview(analyst_client, ADD_URL, **fields)
    text = visible_text(response)
    assert response.status_code == 200
    assert "Drones Over the Black Sea" in text
    assert "A considered view." in text and "Jane Example" in text
    assert "Arctic Shipping" in text and "Background reading" in text
    assert not Brief.objects.exists()


def test_rows_follow_their_positions_and_half_written_rows_wait(editor_client):
    brief = BriefFactory(status=Brief.Status.DRAFT, publish_at=None)
    ExpertQuoteFactory(brief=brief, text="First quote.", position=1)
    ExpertQuoteFactory(brief=brief, text="Second quote.", position=2)
    response = preview(
        editor_client, change_url(brief),
        **{"quotes-0-position": "2", "quotes-1-position": "1", "quotes-0-text": "First quote."},
    )  # fmt: skip
    text = visible_text(response)
    assert text.index("Second quote.") < text.index("First quote.")


def test_the_preview_is_for_people_who_may_see_the_brief_in_the_admin(client):
    brief = BriefFactory(status=Brief.Status.DRAFT, publish_at=None)
    client.force_login(UserFactory())  # staff without any permission
    assert client.post(f"/admin/briefs/brief/{brief.pk}/live-preview/", {}).status_code == 403
    client.logout()
    response = client.post(f"/admin/briefs/brief/{brief.pk}/live-preview/", {})
    assert response.status_code == 302 and "/admin/login/" in response.url


def test_the_form_offers_the_live_preview(editor_client):
    brief = BriefFactory(status=Brief.Status.DRAFT, publish_at=None)
    page = editor_client.get(change_url(brief)).content.decode()
    assert f'data-url="/admin/briefs/brief/{brief.pk}/live-preview/"' in page
    assert "briefs/live_preview.js" in page


def test_a_quote_by_a_new_expert_shows_in_the_preview_before_the_expert_exists(analyst_client):
    fields = new_brief_fields(**{"quotes-0-expert": "Dana Whitfield"})
    text = visible_text(preview(analyst_client, ADD_URL, **fields))
    assert "A considered view." in text and "Dana Whitfield" in text
    assert not Brief.objects.exists()
