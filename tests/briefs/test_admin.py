"""Authoring in the admin, through its real URLs, as analysts and editors use it."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.admin.models import LogEntry

from briefs.models import Brief
from tests.factories import BriefFactory, ExpertFactory, IssueFactory, RelatedLinkFactory
from tests.pages import elements, form_fields, visible_text

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/briefs/brief/add/"


def change_url(brief):
    return f"/admin/briefs/brief/{brief.pk}/change/"


def history(client, brief):
    return visible_text(client.get(f"/admin/briefs/brief/{brief.pk}/history/"))


def submit(client, url, **changes):
    """GET the form as a browser would, change some fields, and POST it back."""
    page = client.get(url)
    assert page.status_code == 200
    data = form_fields(page, "brief_form")
    data.update(
        {name: value if isinstance(value, list) else [value] for name, value in changes.items()}
    )
    return client.post(url, data)


def new_brief_fields(**changes):
    expert = ExpertFactory(name="Jane Example", title="Senior Fellow")
    iran, russia = IssueFactory(name="Iran"), IssueFactory(name="Russia")
    fields = {
        "title": "Drones Over the Black Sea",
        "format": "1",
        "latest_developments": "Something happened.\n\nThen more.",
        "quotes-0-expert": str(expert.pk),
        "quotes-0-text": "A considered view.",
        "related_links-0-title": "Background reading",
        "related_links-0-url": "https://example.org/background",
        "issues": [str(iran.pk), str(russia.pk)],
    }
    return {**fields, **changes}


def test_brief_form_follows_the_reading_order(editor_client):
    html = editor_client.get(ADD_URL).content.decode()
    markers = [
        'name="title"', 'name="format"', 'name="latest_developments"', 'id="quotes-group"',
        'id="sections-group"', 'id="related_links-group"', 'name="issues"', 'name="status"',
        'name="publish_at"',
    ]  # fmt: skip
    positions = [html.index(marker) for marker in markers]
    assert positions == sorted(positions)


def test_slug_is_prefilled_from_the_title_and_made_from_it_when_left_empty(analyst_client):
    page = analyst_client.get(ADD_URL)
    constants = next(
        e
        for e in elements(page, "script")
        if e.get("id") == "django-admin-prepopulated-fields-constants"
    )
    prepopulated = json.loads(constants["data-prepopulated-fields"])
    assert {"id": "#id_slug", "dependency_ids": ["#id_title"]}.items() <= prepopulated[0].items()

    submit(analyst_client, ADD_URL, **new_brief_fields(slug=""))
    assert Brief.objects.get().slug == "drones-over-the-black-sea"


def test_analyst_writes_a_brief_and_submits_it_for_review(analyst_client):
    response = submit(analyst_client, ADD_URL, **new_brief_fields(status="review"))

    assert response.status_code == 302
    brief = Brief.objects.get()
    assert brief.status == "review" and brief.publish_at is None
    quote = brief.quotes.get()
    assert (quote.expert.name, quote.expert_title, quote.position) == (
        "Jane Example",
        "Senior Fellow",
        1,
    )
    assert brief.related_links.get().url == "https://example.org/background"
    assert sorted(issue.name for issue in brief.issues.all()) == ["Iran", "Russia"]
    assert "Submitted for review" in history(analyst_client, brief)


def test_expert_and_brief_autocompletes_answer_the_inline_fields(analyst_client):
    ExpertFactory(name="Jane Example")
    BriefFactory(title="Earlier Brief on Drones")
    experts = analyst_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "experts",
            "model_name": "expertquote",
            "field_name": "expert",
            "term": "jan",
        },
    ).json()
    briefs = analyst_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "briefs",
            "model_name": "relatedlink",
            "field_name": "target",
            "term": "drones",
        },
    ).json()
    assert [item["text"] for item in experts["results"]] == ["Jane Example"]
    assert [item["text"] for item in briefs["results"]] == ["Earlier Brief on Drones"]


def test_analyst_cannot_publish_by_a_crafted_post(analyst_client):
    response = submit(
        analyst_client,
        ADD_URL,
        **new_brief_fields(status="published", publish_at="2026-01-01T09:00"),
    )
    assert response.status_code == 200
    assert "Select a valid choice. published is not one of the available choices." in visible_text(
        response
    )
    assert not Brief.objects.exists()


def test_analyst_cannot_schedule_a_draft_by_a_crafted_post(analyst_client):
    brief = BriefFactory(status=Brief.Status.DRAFT, publish_at=None)
    response = submit(analyst_client, change_url(brief), publish_at="2030-01-01T09:00")
    assert response.status_code == 302
    brief.refresh_from_db()
    assert brief.publish_at is None and brief.status == "draft"

    response = submit(analyst_client, change_url(brief), status="published")
    assert response.status_code == 200
    brief.refresh_from_db()
    assert brief.status == "draft"


@pytest.mark.parametrize("days_from_now", [-1, 1])
def test_analyst_cannot_change_or_withdraw_a_published_or_scheduled_brief(
    analyst_client, now, days_from_now
):
    brief = BriefFactory(title="Approved", publish_at=now + timedelta(days=days_from_now))
    page = analyst_client.get(change_url(brief))
    assert page.status_code == 200
    assert not [e for e in elements(page, "input") if e.get("name") == "_save"]

    data = {"title": "Changed", "status": "withdrawn", "format": "1", "latest_developments": "x"}
    assert analyst_client.post(change_url(brief), data).status_code == 403
    brief.refresh_from_db()
    assert (brief.title, brief.status) == ("Approved", "published")


def test_analyst_cannot_delete_a_published_brief_but_can_delete_a_draft(analyst_client):
    published = BriefFactory()
    draft = BriefFactory(status=Brief.Status.DRAFT)
    delete_url = f"/admin/briefs/brief/{published.pk}/delete/"
    assert analyst_client.get(delete_url).status_code == 403
    assert analyst_client.post(delete_url, {"post": "yes"}).status_code == 403

    bulk = {
        "action": "delete_selected",
        "_selected_action": [published.pk, draft.pk],
        "post": "yes",
    }
    assert analyst_client.post("/admin/briefs/brief/", bulk).status_code == 403
    assert Brief.objects.count() == 2

    response = analyst_client.post(f"/admin/briefs/brief/{draft.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert list(Brief.objects.all()) == [published]


def test_editor_publishes_now(editor_client, time_machine):
    time_machine.move_to(datetime(2026, 5, 1, 16, 0, tzinfo=UTC), tick=False)
    brief = BriefFactory(status=Brief.Status.REVIEW, publish_at=None)

    assert submit(editor_client, change_url(brief), status="published").status_code == 302

    brief.refresh_from_db()
    assert brief.is_public and brief.publish_at == datetime(2026, 5, 1, 16, 0, tzinfo=UTC)
    assert "Published." in history(editor_client, brief)


def test_editor_schedules_in_the_site_time_zone(editor_client, client, time_machine):
    time_machine.move_to(datetime(2026, 11, 20, 12, 0, tzinfo=UTC), tick=False)
    brief = BriefFactory(status=Brief.Status.REVIEW, publish_at=None)

    page = editor_client.get(change_url(brief))
    assert "Publish at (America/New_York)" in visible_text(page)
    response = submit(
        editor_client,
        change_url(brief),
        status="published",
        publish_at="2026-12-01T09:00",
    )

    assert response.status_code == 302
    brief.refresh_from_db()
    assert brief.publish_at == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert "Scheduled for Dec. 1, 2026, 9 a.m. EST" in history(editor_client, brief)
    assert client.get(brief.get_absolute_url()).status_code == 404
    time_machine.move_to(datetime(2026, 12, 1, 14, 0, tzinfo=UTC), tick=False)
    assert client.get(brief.get_absolute_url()).status_code == 200


def test_editor_withdraws_and_the_history_says_so(editor_client, client):
    brief = BriefFactory()
    reason = "Superseded by the agreement's published text."
    response = submit(editor_client, change_url(brief), status="withdrawn", workflow_comment=reason)
    assert response.status_code == 302
    assert "Withdrawn." in history(editor_client, brief)
    assert client.get(brief.get_absolute_url()).status_code == 404
    assert LogEntry.objects.filter(object_id=str(brief.pk)).count() == 1


def test_editor_deletes_a_published_brief(editor_client):
    brief = BriefFactory()
    response = editor_client.post(f"/admin/briefs/brief/{brief.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302 and not Brief.objects.exists()


def test_slug_is_fixed_once_the_brief_has_been_published(editor_client):
    brief = BriefFactory(slug="original-address")
    page = editor_client.get(change_url(brief))
    assert not [e for e in elements(page, "input") if e.get("name") == "slug"]
    submit(editor_client, change_url(brief), slug="new-address", title="A New Title")
    brief.refresh_from_db()
    assert (brief.slug, brief.title) == ("original-address", "A New Title")


def test_positions_follow_the_order_written_when_left_empty(editor_client):
    brief = BriefFactory(status=Brief.Status.DRAFT)
    expert = ExpertFactory()
    fields = {}
    for index, words in enumerate(("First", "Second", "Third")):
        fields[f"quotes-{index}-expert"] = str(expert.pk)
        fields[f"quotes-{index}-text"] = f"{words} quote."
    fields["quotes-TOTAL_FORMS"] = "3"
    submit(editor_client, change_url(brief), **fields)
    assert [(q.text, q.position) for q in brief.quotes.all()] == [
        ("First quote.", 1), ("Second quote.", 2), ("Third quote.", 3),
    ]  # fmt: skip


def test_related_link_accepts_only_http_https_and_mailto_and_one_destination(editor_client):
    brief = BriefFactory(status=Brief.Status.DRAFT)
    other = BriefFactory(title="Other")
    for url in ("javascript:alert(1)", "ftp://example.org/file", "data:text/html,hi"):
        response = submit(
            editor_client,
            change_url(brief),
            **{
                "related_links-TOTAL_FORMS": "1",
                "related_links-0-title": "x",
                "related_links-0-url": url,
            },
        )
        assert response.status_code == 200, url
        assert "Enter an http, https or mailto address." in visible_text(response)
    response = submit(
        editor_client,
        change_url(brief),
        **{
            "related_links-TOTAL_FORMS": "1",
            "related_links-0-title": "x",
            "related_links-0-url": "https://example.org/",
            "related_links-0-target": str(other.pk),
        },
    )
    assert "Give either an outside address or one of our briefs, not both." in visible_text(
        response
    )
    assert not brief.related_links.exists()
    response = submit(
        editor_client,
        change_url(brief),
        **{
            "related_links-TOTAL_FORMS": "1",
            "related_links-0-title": "Write to the author",
            "related_links-0-url": "mailto:author@example.org",
        },
    )
    assert response.status_code == 302
    assert brief.related_links.get().url == "mailto:author@example.org"


def test_changelist_shows_each_state_and_filters_by_it(editor_client, now):
    BriefFactory(title="Live", issues=["Iran"])
    BriefFactory(title="Later", publish_at=datetime(2030, 3, 4, 14, 0, tzinfo=UTC))
    BriefFactory(title="Sketch", status=Brief.Status.DRAFT, publish_at=None)
    BriefFactory(title="Checking", status=Brief.Status.REVIEW, publish_at=None)
    BriefFactory(title="Pulled", status=Brief.Status.WITHDRAWN)

    text = visible_text(editor_client.get("/admin/briefs/brief/"))
    for state in (
        "Published",
        "Scheduled for March 4, 2030, 9 a.m. EST",
        "Draft",
        "In review",
        "Withdrawn",
    ):
        assert state in text

    def titles(query):
        html = editor_client.get(f"/admin/briefs/brief/?{query}").content.decode()
        return {t for t in ("Live", "Later", "Sketch", "Checking", "Pulled") if f">{t}</a>" in html}

    assert titles("state=scheduled") == {"Later"}
    assert titles("state=published") == {"Live"}
    assert titles("state=draft") == {"Sketch"}
    assert titles("state=review") == {"Checking"}
    assert titles("state=withdrawn") == {"Pulled"}
    assert titles("issue=iran") == {"Live"}
    assert titles("q=sketch") == {"Sketch"}
    assert titles("format__id__exact=1") == {"Live", "Later", "Sketch", "Checking", "Pulled"}
    assert titles("format__id__exact=2") == set()
    assert titles("publish_at__year=2030") == {"Later"}


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get(ADD_URL)
    assert response.status_code == 302 and response["Location"].startswith("/admin/login/")


def test_editor_link_to_a_draft_is_kept_but_hidden_from_readers(editor_client, client):
    draft = BriefFactory(title="Unfinished", status=Brief.Status.DRAFT)
    brief = BriefFactory()
    RelatedLinkFactory(brief=brief, url="", target=draft, title="Unfinished work")
    assert "Unfinished work" not in visible_text(client.get(brief.get_absolute_url()))


def test_editor_creating_a_published_brief_is_in_the_history(editor_client):
    response = submit(editor_client, ADD_URL, **new_brief_fields(status="published"))
    assert response.status_code == 302
    brief = Brief.objects.get()
    assert brief.is_public
    assert "Published. Added." in history(editor_client, brief)


def test_unknown_public_address_gets_the_sites_own_404_page(client):
    response = client.get("/briefs/no-such-brief/")
    assert response.status_code == 404
    assert "Page not found" in visible_text(response)


@pytest.mark.parametrize("object_id", ["abc", "99999999999999999999999", "0", "-1"])
def test_a_brief_address_that_names_no_brief_says_so(editor_client, object_id):
    response = editor_client.get(f"/admin/briefs/brief/{object_id}/change/", follow=True)
    assert response.status_code == 200
    assert "doesn’t exist. Perhaps it was deleted?" in visible_text(response)
