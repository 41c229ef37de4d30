"""The write API: staff with personal tokens write briefs as documents and move them through
the workflow, through the one write path, with the admin's permissions."""

import re
from datetime import timedelta

import pytest

from api.models import ApiToken
from briefs.models import Brief
from events.models import Event, Kind
from tests.factories import BriefFactory

pytestmark = pytest.mark.django_db

DOCUMENT = {
    "title": "Grain Corridor Reopens",
    "format": "Flash Brief",
    "summary": "Ships move again.",
    "latest_developments": "Ships left Odesa on *Monday*.",
    "quotes": [{"expert": "Ada Lane", "expert_title": "Fellow", "text": "It will not last."}],
    "sections": [{"heading": "Background", "body": "The deal lapsed in July."}],
    "related": [{"title": "Earlier", "byline": "by Ada Lane", "url": "https://example.org/e"}],
    "issues": ["Ukraine", "Food Security"],
}


def token_for(user, name="Newsroom importer"):
    token = ApiToken(user=user, name=name)
    made = token.issue()
    token.save()
    return made


@pytest.fixture
def api(client):
    def call(method, path, token=None, **kwargs):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        return getattr(client, method)(
            f"/api/v1/staff/{path}", content_type="application/json", **headers, **kwargs
        )

    return call


def test_a_token_is_made_in_the_admin_shown_once_and_kept_only_as_a_digest(analyst_client, analyst):
    page = analyst_client.post("/admin/api/apitoken/add/", {"name": "My laptop"})
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    token = re.search(r'value="(briefs_[^"]+)"', page.content.decode()).group(1)
    stored = ApiToken.objects.get()
    assert stored.user == analyst and stored.name == "My laptop"
    assert token not in (stored.digest, stored.shown_start)
    assert token.startswith(stored.shown_start)
    listing = analyst_client.get("/admin/api/apitoken/").content.decode()
    assert stored.shown_start in listing and token not in listing


def test_people_see_only_their_own_tokens(analyst_client, editor):
    token_for(editor, name="Editor's token")
    assert "Editor&#x27;s token" not in analyst_client.get("/admin/api/apitoken/").content.decode()


def test_an_analyst_writes_a_draft_and_submits_it_but_cannot_publish(api, analyst):
    token = token_for(analyst)
    made = api("post", "briefs/", token, data=DOCUMENT)
    assert made.status_code == 201, made.json()
    draft = made.json()
    assert (draft["slug"], draft["state"], draft["url"]) == (
        "grain-corridor-reopens",
        "draft",
        None,
    )
    assert draft["quotes"][0]["expert"] == "Ada Lane"
    assert draft["issues"] == ["Food Security", "Ukraine"]

    changed = api(
        "put", "briefs/grain-corridor-reopens/", token,
        data={**DOCUMENT, "summary": "Ships move again, for now."},
        HTTP_IF_MATCH=made["ETag"],
    )  # fmt: skip
    assert changed.status_code == 200, changed.json()
    assert changed.json()["summary"] == "Ships move again, for now."

    submitted = api("post", "briefs/grain-corridor-reopens/submit/", token, data={})
    assert submitted.json()["state"] == "review"
    refused = api("post", "briefs/grain-corridor-reopens/publish/", token, data={})
    assert refused.status_code == 403
    assert "Only an editor" in refused.json()["detail"]
    later = (Brief.objects.get().created_at + timedelta(days=1)).isoformat()
    scheduling = api(
        "post", "briefs/grain-corridor-reopens/schedule/", token, data={"publish_at": later}
    )
    assert scheduling.status_code == 403
    assert Brief.objects.get().state == "review"
    assert not Brief.objects.published().exists()


def test_an_editor_publishes_schedules_and_withdraws_through_the_write_path(
    api, editor, client, now
):
    token = token_for(editor)
    api("post", "briefs/", token, data=DOCUMENT)
    published = api("post", "briefs/grain-corridor-reopens/publish/", token, data={})
    assert published.json()["state"] == "published"
    assert client.get("/briefs/grain-corridor-reopens/").status_code == 200
    assert Event.objects.filter(kind=Kind.BRIEF_PUBLISHED).count() == 1

    refused = api("post", "briefs/grain-corridor-reopens/withdraw/", token, data={})
    assert refused.status_code == 400
    assert "reason for withdrawing" in refused.json()["detail"]
    withdrawn = api(
        "post", "briefs/grain-corridor-reopens/withdraw/", token, data={"comment": "Wrong figures."}
    )
    assert withdrawn.json()["state"] == "withdrawn"
    assert client.get("/briefs/grain-corridor-reopens/").status_code == 404

    tomorrow = (now + timedelta(days=1)).isoformat()
    scheduled = api(
        "post", "briefs/grain-corridor-reopens/schedule/", token, data={"publish_at": tomorrow}
    )
    assert scheduled.json()["state"] == "scheduled", scheduled.json()
    assert client.get("/api/v1/briefs/grain-corridor-reopens/").status_code == 404
    unscheduled = api("post", "briefs/grain-corridor-reopens/unschedule/", token, data={})
    assert unscheduled.json()["state"] == "draft"


def test_a_document_read_from_the_api_can_be_changed_and_sent_back(api, editor, client):
    BriefFactory(title="Round Trip", issues=["Iran"])
    document = client.get("/api/v1/briefs/round-trip/").json()
    token = token_for(editor)
    sent = api("put", "briefs/round-trip/", token, data={**document, "summary": "Edited."})
    assert sent.status_code == 200, sent.json()
    assert client.get("/api/v1/briefs/round-trip/").json()["summary"] == "Edited."


def test_a_bad_document_is_refused_with_every_problem_and_saves_nothing(api, analyst):
    token = token_for(analyst)
    bad = {
        **DOCUMENT,
        "format": "Poem",
        "title": "",
        "quotes": [{"text": "Unsigned."}],
        "colour": "red",
    }
    answer = api("post", "briefs/", token, data=bad)
    assert answer.status_code == 400
    body = answer.json()
    assert "nothing was saved" in body["detail"]
    problems = "\n".join(body["problems"])
    for expected in (
        "unknown format 'Poem'",
        "title: is required",
        "expert: is required",
        "unknown key 'colour'",
    ):
        assert expected in problems
    assert not Brief.objects.exists()


def test_a_stale_write_is_refused_and_loses_nothing(api, analyst):
    token = token_for(analyst)
    first = api("post", "briefs/", token, data=DOCUMENT)
    api("put", "briefs/grain-corridor-reopens/", token, data={**DOCUMENT, "summary": "Theirs."})
    mine = api(
        "put", "briefs/grain-corridor-reopens/", token,
        data={**DOCUMENT, "summary": "Mine."}, HTTP_IF_MATCH=first["ETag"],
    )  # fmt: skip
    assert mine.status_code == 412
    assert "changed since you read it" in mine.json()["detail"]
    assert Brief.objects.get().summary == "Theirs."


def test_workflow_keys_change_only_by_actions(api, analyst, now):
    token = token_for(analyst)
    api("post", "briefs/", token, data=DOCUMENT)
    answer = api(
        "put", "briefs/grain-corridor-reopens/", token, data={**DOCUMENT, "status": "published"}
    )
    assert answer.status_code == 400
    assert "changed by the brief's actions" in answer.json()["detail"]
    made_public = api(
        "post",
        "briefs/",
        token,
        data={**DOCUMENT, "title": "Other", "status": "published", "publish_at": now.isoformat()},
    )
    assert made_public.status_code == 400


def test_an_analyst_cannot_change_a_published_brief(api, analyst):
    BriefFactory(title="Out Already")
    answer = api("put", "briefs/out-already/", token_for(analyst), data=DOCUMENT)
    assert answer.status_code == 403
    assert "Only an editor" in answer.json()["detail"]


def test_a_slug_that_exists_is_a_conflict(api, analyst):
    token = token_for(analyst)
    api("post", "briefs/", token, data=DOCUMENT)
    again = api("post", "briefs/", token, data=DOCUMENT)
    assert again.status_code == 409
    assert "PUT /api/v1/staff/briefs/grain-corridor-reopens/" in again.json()["detail"]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Authentication credentials were not provided."),
        ("Bearer briefs_not-a-real-token", "This token is not one of ours."),
        ("Bearer two words", "with nothing else"),
    ],
)
def test_writes_need_a_valid_token(client, header, message):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    answer = client.post(
        "/api/v1/staff/briefs/", DOCUMENT, content_type="application/json", **extra
    )
    assert answer.status_code == 401
    assert message in answer.json()["detail"]
    assert answer["WWW-Authenticate"] == "Bearer"


def test_a_revoked_token_is_refused(api, analyst_client, analyst):
    token = token_for(analyst)
    assert api("get", "briefs/nothing/", token).status_code == 404
    stored = ApiToken.objects.get()
    analyst_client.post(
        "/admin/api/apitoken/", {"action": "revoke", "_selected_action": [stored.pk]}
    )
    answer = api("post", "briefs/", token, data=DOCUMENT)
    assert answer.status_code == 401
    assert answer.json()["detail"] == "This token has been revoked."
    assert not Brief.objects.exists()


def test_a_deactivated_account_s_token_is_refused(api, analyst):
    token = token_for(analyst)
    analyst.is_active = False
    analyst.save()
    assert api("post", "briefs/", token, data=DOCUMENT).status_code == 401


def test_staff_answers_are_never_kept(api, analyst, client):
    token = token_for(analyst)
    api("post", "briefs/", token, data=DOCUMENT)
    read = api("get", "briefs/grain-corridor-reopens/", token)
    assert read["Cache-Control"] == "private, no-store"
    assert "Surrogate-Control" not in read
    assert client.get("/api/v1/staff/briefs/grain-corridor-reopens/").status_code == 401
