"""Previews of briefs that are not public: staff look from the admin, and outside reviewers
without an account open a shared link that expires and can be revoked. Every preview stays
out of caches and search engines; the public page of the same brief still answers 404."""

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from django.test import Client

from briefs.models import Brief, PreviewLink
from briefs.public.previews import make_token
from tests.factories import BriefFactory, RelatedLinkFactory, UserFactory
from tests.pages import elements, form_fields, visible_text

pytestmark = pytest.mark.django_db

# A Friday morning in New York; the scheduled brief is due a week and a half later.
CLOCK = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
DEVELOPMENTS = "Tankers queued outside the strait for a third day."
BANNER = "Preview: not public"


def change_url(brief):
    return f"/admin/briefs/brief/{brief.pk}/change/"


def preview_url(brief):
    return f"/admin/briefs/brief/{brief.pk}/preview/"


def create_url(brief):
    return f"/admin/briefs/brief/{brief.pk}/preview-links/"


def unpublished_brief(**fields):
    """A draft unless told otherwise."""
    defaults = {
        "title": "Strait Closure Talks Stall",
        "latest_developments": DEVELOPMENTS,
        "status": Brief.Status.DRAFT,
        "publish_at": None,
    }
    return BriefFactory(**{**defaults, **fields})


def anonymous_get(address):
    return Client().get(urlsplit(address).path)


def robots_meta(response):
    return [tag["content"] for tag in elements(response, "meta") if tag.get("name") == "robots"]


def assert_private(response):
    """Kept by no cache and indexed by no search engine, by header and by meta tag."""
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert robots_meta(response) == ["noindex, nofollow"]


def share_section(page):
    """The addresses, statuses and revoke forms of the brief's preview links, newest first."""
    text = visible_text(page)
    section = text[text.index("Share a preview") :] if "Share a preview" in text else ""
    addresses = [
        tag["value"] for tag in elements(page, "input") if "preview-address" in tag.get("class", "")
    ]
    revoke_actions = [
        form["action"] for form in elements(page, "form") if form.get("class") == "revoke"
    ]
    return section, addresses, revoke_actions


def share(client, brief, **data):
    """Click "Create a preview link" on the brief's change page; the new link's address."""
    response = client.post(create_url(brief), data, follow=True)
    assert response.redirect_chain == [(change_url(brief), 302)]
    _, addresses, _ = share_section(response)
    assert addresses[0] in visible_text(response)  # the success message gives it too
    return addresses[0]


@pytest.mark.parametrize(
    "fields, state",
    [
        ({}, "Draft"),
        ({"status": Brief.Status.REVIEW}, "In review"),
        (
            {
                "status": Brief.Status.PUBLISHED,
                "publish_at": datetime(2026, 12, 1, 14, 0, tzinfo=UTC),
            },
            "Scheduled for Dec. 1, 2026, 9 a.m. EST",
        ),
        (
            {
                "status": Brief.Status.PUBLISHED,
                "publish_at": datetime(2026, 11, 1, 14, 0, tzinfo=UTC),
                "withdraw_at": datetime(2026, 11, 10, 14, 0, tzinfo=UTC),
            },
            "Expired Nov. 10, 2026, 9 a.m. EST",
        ),
        ({"status": Brief.Status.WITHDRAWN}, "Withdrawn"),
    ],
)
def test_staff_preview_shows_the_brief_in_the_public_template_under_a_banner(
    editor_client, time_machine, fields, state
):
    time_machine.move_to(CLOCK, tick=False)
    brief = unpublished_brief(**fields)

    response = editor_client.get(preview_url(brief))

    assert response.status_code == 200
    text = visible_text(response)
    assert f"{BANNER} {state}" in text
    assert "Strait Closure Talks Stall" in text and DEVELOPMENTS in text
    back = [a for a in elements(response, "a") if a.get("href") == change_url(brief)]
    assert back, "the banner links back to the brief's form"
    assert_private(response)
    assert anonymous_get(brief.get_absolute_url()).status_code == 404


def test_staff_preview_of_a_published_brief_is_still_marked_as_a_preview(editor_client):
    brief = BriefFactory(title="Already Out")
    response = editor_client.get(preview_url(brief))
    # Marked as a preview, without calling a public brief "not public".
    assert "Preview: this brief is public Published" in visible_text(response)
    assert BANNER not in visible_text(response)
    assert_private(response)


def test_anonymous_visitor_is_sent_to_the_admin_login(client):
    brief = unpublished_brief()
    response = client.get(preview_url(brief))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")
    assert BANNER not in visible_text(client.get(response["Location"]))


def test_staff_without_permission_to_see_briefs_gets_403(client):
    client.force_login(UserFactory(username="intern"))
    assert client.get(preview_url(unpublished_brief())).status_code == 403


def test_preview_of_an_unknown_brief_is_404(editor_client):
    assert editor_client.get("/admin/briefs/brief/987654/preview/").status_code == 404


def test_preview_leaves_out_links_to_briefs_that_are_not_public(editor_client):
    brief = unpublished_brief()
    other_draft = unpublished_brief(slug="other-draft")
    RelatedLinkFactory(brief=brief, title="Another Unpublished Draft", url="", target=other_draft)
    RelatedLinkFactory(brief=brief, title="Outside Reading", url="https://example.org/reading")
    text = visible_text(editor_client.get(preview_url(brief)))
    assert "Outside Reading" in text and "Another Unpublished Draft" not in text


def test_preview_names_the_future_public_address_and_gives_no_structured_data(editor_client):
    brief = unpublished_brief()
    response = editor_client.get(preview_url(brief))
    canonical = [
        link["href"] for link in elements(response, "link") if link.get("rel") == "canonical"
    ]
    assert canonical == [f"http://testserver{brief.get_absolute_url()}"]
    scripts = [s for s in elements(response, "script") if s.get("type") == "application/ld+json"]
    assert scripts == []


def test_public_brief_page_is_indexable_and_cached_as_before(client):
    brief = BriefFactory(title="Public and Indexed")
    response = client.get(brief.get_absolute_url())
    assert response.status_code == 200
    assert robots_meta(response) == []
    assert "X-Robots-Tag" not in response
    assert "no-store" not in response.get("Cache-Control", "")
    assert BANNER not in visible_text(response)
    assert [s for s in elements(response, "script") if s.get("type") == "application/ld+json"]


def test_shared_link_opens_the_draft_for_a_reader_without_an_account(editor_client, time_machine):
    time_machine.move_to(CLOCK, tick=False)
    brief = unpublished_brief()

    address = share(editor_client, brief)

    assert urlsplit(address).path.startswith("/preview/")
    link = PreviewLink.objects.get()
    assert (link.brief, link.created_by.username) == (brief, "editor")
    assert link.expires_at == CLOCK + timedelta(hours=72)
    response = anonymous_get(address)
    assert response.status_code == 200
    text = visible_text(response)
    assert f"{BANNER} Draft This link works until Nov. 23, 2026, 9 a.m. EST." in text
    assert "Strait Closure Talks Stall" in text and DEVELOPMENTS in text
    assert "Back to editing" not in text
    assert_private(response)
    # The address names nothing but the link; the brief itself is still not public.
    assert brief.slug not in address
    assert anonymous_get(brief.get_absolute_url()).status_code == 404

    section, _, revoke_actions = share_section(editor_client.get(change_url(brief)))
    assert "editor Nov. 23, 2026, 9 a.m. EST Active" in section
    assert len(revoke_actions) == 1
    history = visible_text(editor_client.get(f"/admin/briefs/brief/{brief.pk}/history/"))
    assert "Shared a preview link, working until Nov. 23, 2026, 9 a.m. EST." in history


def test_revoked_link_answers_410_without_the_brief(editor_client):
    brief = unpublished_brief()
    address = share(editor_client, brief)
    _, _, [revoke] = share_section(editor_client.get(change_url(brief)))

    response = editor_client.post(revoke, follow=True)

    assert response.redirect_chain == [(change_url(brief), 302)]
    assert "The preview link was revoked" in visible_text(response)
    section, _, revoke_actions = share_section(response)
    assert "Revoked" in section and revoke_actions == []
    gone = anonymous_get(address)
    assert gone.status_code == 410
    text = visible_text(gone)
    assert "It has expired or was withdrawn." in text
    assert "Strait Closure Talks Stall" not in text and DEVELOPMENTS not in text
    assert_private(gone)
    assert "already stopped working" in visible_text(editor_client.post(revoke, follow=True))


def test_link_stops_working_after_72_hours(editor_client, time_machine):
    time_machine.move_to(CLOCK, tick=False)
    brief = unpublished_brief()
    address = share(editor_client, brief)

    time_machine.move_to(CLOCK + timedelta(hours=72, seconds=-1), tick=False)
    assert anonymous_get(address).status_code == 200
    time_machine.move_to(CLOCK + timedelta(hours=72), tick=False)
    gone = anonymous_get(address)
    assert gone.status_code == 410 and DEVELOPMENTS not in visible_text(gone)
    section, _, revoke_actions = share_section(editor_client.get(change_url(brief)))
    assert "Expired" in section and revoke_actions == []


@pytest.mark.parametrize("hours", [24, 168])
def test_a_link_can_work_for_a_day_or_a_week(editor_client, time_machine, hours):
    time_machine.move_to(CLOCK, tick=False)
    share(editor_client, unpublished_brief(), hours=str(hours))
    assert PreviewLink.objects.get().expires_at == CLOCK + timedelta(hours=hours)


def test_default_length_comes_from_the_setting(editor_client, settings, time_machine):
    time_machine.move_to(CLOCK, tick=False)
    settings.BRIEFS_PREVIEW_HOURS = 48
    brief = unpublished_brief()
    editor_client.post(create_url(brief))
    assert PreviewLink.objects.get().expires_at == CLOCK + timedelta(hours=48)
    # The form offers it, chosen.
    choices = form_fields(editor_client.get(change_url(brief)), "preview_link_form")
    assert choices["hours"] == ["48"]


@pytest.mark.parametrize("hours", ["5", "forever", "-72"])
def test_a_bad_duration_makes_no_link_and_says_why(editor_client, hours):
    brief = unpublished_brief()
    response = editor_client.post(create_url(brief), {"hours": hours}, follow=True)
    assert response.redirect_chain == [(change_url(brief), 302)]
    assert "No link was made: choose how long it works" in visible_text(response)
    assert not PreviewLink.objects.exists()


def test_a_tampered_or_unknown_token_is_404(editor_client):
    address = share(editor_client, unpublished_brief())
    path = urlsplit(address).path
    tampered = path[:-2] + ("A" if path[-2] != "A" else "B") + "/"
    for bad in (tampered, "/preview/not-a-token/", f"/preview/{make_token(987654)}/"):
        response = Client().get(bad)
        assert response.status_code == 404, bad
        assert "Page not found" in visible_text(response)


def test_analyst_shares_a_draft_but_not_a_published_brief(analyst_client):
    draft = unpublished_brief()
    assert analyst_client.post(create_url(draft)).status_code == 302
    assert PreviewLink.objects.filter(brief=draft).count() == 1

    published = BriefFactory(title="Approved Already")
    page = analyst_client.get(change_url(published))
    section, addresses, _ = share_section(page)
    assert "Only someone who may change this brief can share it" in section
    sharing_forms = [f for f in elements(page, "form") if "preview" in f.get("action", "")]
    assert addresses == [] and sharing_forms == []
    assert analyst_client.post(create_url(published)).status_code == 403
    assert not PreviewLink.objects.filter(brief=published).exists()
    # The analyst may still look at it, and may not revoke an editor's link to it.
    assert analyst_client.get(preview_url(published)).status_code == 200
    editor_link = PreviewLink.objects.create(
        brief=published, expires_at=datetime(2099, 1, 1, tzinfo=UTC)
    )
    revoke = f"/admin/briefs/brief/{published.pk}/preview-links/{editor_link.pk}/revoke/"
    assert analyst_client.post(revoke).status_code == 403
    editor_link.refresh_from_db()
    assert editor_link.is_active


def test_create_and_revoke_answer_only_post(editor_client):
    brief = unpublished_brief()
    link = PreviewLink.objects.create(brief=brief, expires_at=datetime(2099, 1, 1, tzinfo=UTC))
    assert editor_client.get(create_url(brief)).status_code == 405
    revoke = f"/admin/briefs/brief/{brief.pk}/preview-links/{link.pk}/revoke/"
    assert editor_client.get(revoke).status_code == 405
    assert not PreviewLink.objects.exclude(pk=link.pk).exists()


def test_a_link_of_another_brief_cannot_be_revoked_through_this_one(editor_client):
    brief, other = unpublished_brief(), unpublished_brief(slug="other")
    link = PreviewLink.objects.create(brief=other, expires_at=datetime(2099, 1, 1, tzinfo=UTC))
    revoke = f"/admin/briefs/brief/{brief.pk}/preview-links/{link.pk}/revoke/"
    assert editor_client.post(revoke).status_code == 404


def test_add_page_has_no_share_section(editor_client):
    text = visible_text(editor_client.get("/admin/briefs/brief/add/"))
    assert "Share a preview" not in text and "Create a preview link" not in text
