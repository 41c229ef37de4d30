"""One write path: every entry point changes briefs as one operation (briefs.editorial.changes),
with each side effect once, and public changes become events the worker acts on."""

import json
from collections import Counter
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.utils import timezone

from briefs.editorial import changes
from briefs.editorial.workflow import ChangeRefused, moves_table
from briefs.models import Brief, Revision, Transition
from briefs.public import freshness, search
from events.models import Activity, Event, HandlerRun
from tests.briefs.test_admin import ADD_URL, change_url, new_brief_fields, submit
from tests.briefs.test_calendar import move
from tests.briefs.test_plaintext import IMPORT_URL, example, known_issues  # noqa: F401
from tests.factories import BriefFactory, ExpertFactory, ExpertQuoteFactory, UserFactory
from tests.pages import form_fields, visible_text

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]
INDEX, TOKEN = "search index updates", "content version changes"


@pytest.fixture
def effects(monkeypatch):
    """Counts each search-index update and content-version change as it happens."""
    counted = Counter()

    def counting(name, real):
        def counted_call(*args, **kwargs):
            counted[name] += 1
            return real(*args, **kwargs)

        return counted_call

    monkeypatch.setattr(search, "reindex", counting(INDEX, search.reindex))
    monkeypatch.setattr(freshness, "bump", counting(TOKEN, freshness.bump))
    return counted


def side_effects(effects, action):
    """What `action` left behind: new revisions, transitions and events, and how often the
    index and the content version were changed."""
    tables = {"revisions": Revision, "transitions": Transition, "events": Event}
    before = {name: model.objects.count() for name, model in tables.items()}
    effects.clear()
    action()
    made = {name: model.objects.count() - before[name] for name, model in tables.items()}
    return {**made, INDEX: effects[INDEX], TOKEN: effects[TOKEN]}


def once(events, **changed):
    return {"revisions": 1, "transitions": 1, "events": events, INDEX: 1, TOKEN: 1, **changed}


def event_kinds():
    return list(Event.objects.order_by("pk").values_list("kind", flat=True))


def dispatch():
    call_command("dispatch_events", stdout=StringIO())


def activity():
    return list(Activity.objects.order_by("pk").values_list("description", flat=True))


def publication_activity():
    """The activity log but for scheduling, which is logged when it is done."""
    return [line for line in activity() if not line.startswith("Brief scheduled")]


# Each entry point, its side effects once


def test_admin_form_with_inlines_is_one_operation(editor_client, effects):
    section = {"sections-0-heading": "Supply", "sections-0-body": "Words."}
    fields = new_brief_fields(status="published", **section, **{"sections-TOTAL_FORMS": "1"})
    made = side_effects(effects, lambda: submit(editor_client, ADD_URL, **fields))
    assert made == once(events=1)
    brief = Brief.objects.get()
    assert (brief.quotes.count(), brief.sections.count(), brief.related_links.count()) == (1, 1, 1)
    assert event_kinds() == ["brief.published"]


def test_editing_a_public_brief_in_the_admin_is_an_update(editor_client, effects):
    brief = BriefFactory(title="Before")
    editor_client.get(change_url(brief))  # keeps the baseline revision
    made = side_effects(effects, lambda: submit(editor_client, change_url(brief), title="After"))
    assert made == once(events=1, transitions=0)
    assert event_kinds() == ["brief.updated"]
    assert Event.objects.get().payload["title"] == "After"


def test_saving_a_public_brief_unchanged_raises_no_event(editor_client, effects, yesterday):
    # In whole seconds, as the admin's form gives times.
    brief = BriefFactory(publish_at=yesterday.replace(microsecond=0))
    editor_client.get(change_url(brief))
    made = side_effects(effects, lambda: submit(editor_client, change_url(brief)))
    assert made == once(events=0, transitions=0)


def test_a_draft_changes_nothing_the_public_sees(analyst_client, effects):
    made = side_effects(
        effects, lambda: submit(analyst_client, ADD_URL, **new_brief_fields(status="draft"))
    )
    assert made == once(events=0, **{TOKEN: 0})


def test_calendar_move_is_one_operation_and_moves_the_pending_event(editor, editor_client, effects):
    when = timezone.now() + timedelta(days=3)
    brief = changes.schedule(BriefFactory(status=Brief.Status.DRAFT, publish_at=None), editor, when)
    later = timezone.localdate(when) + timedelta(days=2)
    made = side_effects(effects, lambda: move(editor_client, brief, later.isoformat()))
    assert made == once(events=1)
    assert Event.objects.order_by("pk").last().kind == "brief.scheduled"
    event = Event.objects.get(kind="brief.published")
    brief.refresh_from_db()
    assert event.kind == "brief.published" and event.due_at == brief.publish_at
    assert brief.publish_at - when == timedelta(days=2)


def test_json_import_is_one_operation(effects, tmp_path):
    ExpertFactory(name="Jane Example")
    document = {
        "title": "Grid Drill",
        "format": "Flash Brief",
        "status": "published",
        "publish_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "latest_developments": "Operators ran a drill.",
        "quotes": [{"expert": "Jane Example", "expert_title": "Fellow", "text": "Good."}],
        "sections": [{"heading": "Supply", "body": "More."}],
        "related": [
            {"title": "Background", "byline": "by Jane Example", "url": "https://example.org/a"}
        ],  # fmt: skip
        "issues": ["Energy", "Baltics"],
    }
    path = tmp_path / "brief.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    made = side_effects(effects, lambda: call_command("import_briefs", path, stdout=StringIO()))
    assert made == once(events=1)
    assert event_kinds() == ["brief.published"]
    assert Event.objects.get().payload["issues"] == ["baltics", "energy"]


def test_a_json_import_of_many_briefs_changes_the_index_and_version_once(effects, tmp_path):
    documents = [
        {"title": f"Brief {n}", "format": "Flash Brief", "status": "published",
         "publish_at": "2023-08-03T09:00:00-04:00", "latest_developments": "Words."}
        for n in range(5)
    ]  # fmt: skip
    path = tmp_path / "briefs.json"
    path.write_text(json.dumps(documents), encoding="utf-8")
    made = side_effects(effects, lambda: call_command("import_briefs", path, stdout=StringIO()))
    assert made == {"revisions": 5, "transitions": 5, "events": 5, INDEX: 1, TOKEN: 1}


def test_text_import_is_one_operation(analyst_client, known_issues, effects):  # noqa: F811
    pasted = example("no_related_links").read_text(encoding="utf-8")
    made = side_effects(
        effects,
        lambda: analyst_client.post(IMPORT_URL, {"text": pasted, "create": "Create draft"}),
    )
    assert made == once(events=0, **{TOKEN: 0})
    assert Brief.objects.get().status == Brief.Status.DRAFT


def test_revision_restore_is_one_operation(editor_client, effects):
    brief = BriefFactory(title="First words")
    editor_client.get(change_url(brief))
    submit(editor_client, change_url(brief), title="Second words")
    restore = f"/admin/briefs/brief/{brief.pk}/revisions/1/restore/"
    made = side_effects(effects, lambda: editor_client.post(restore))
    assert made == once(events=1, transitions=0)
    assert Event.objects.order_by("-pk").first().payload["title"] == "First words"


# States and moves in one place


def test_the_moves_documented_are_the_moves_allowed():
    assert moves_table() in (REPO / "docs" / "workflow.md").read_text(encoding="utf-8")


def test_the_admin_filters_by_every_state(editor_client):
    text = visible_text(editor_client.get("/admin/briefs/brief/"))
    for label in ["Draft", "In review", "Scheduled", "Published", "Expired", "Withdrawn"]:
        assert label in text


def test_an_analyst_may_not_publish_through_the_write_path(analyst):
    brief = BriefFactory(status=Brief.Status.REVIEW, publish_at=None)
    with pytest.raises(ChangeRefused, match="Only an editor"):
        changes.publish_now(brief, analyst)
    brief.refresh_from_db()
    assert brief.status == Brief.Status.REVIEW and not Event.objects.exists()


def test_withdrawing_needs_a_reason_through_the_write_path(editor):
    with pytest.raises(ChangeRefused, match="reason"):
        changes.withdraw(BriefFactory(), editor, comment=" ")


def test_a_text_import_over_an_expired_brief_is_a_form_error(analyst_client, known_issues):  # noqa: F811
    now = timezone.now()
    BriefFactory(
        title="Baltic Grid Operators Rehearse Island Mode",
        publish_at=now - timedelta(days=2),
        withdraw_at=now - timedelta(days=1),
    )
    pasted = example("no_related_links").read_text(encoding="utf-8")
    page = analyst_client.post(IMPORT_URL, {"text": pasted, "create": "Create draft"})
    assert page.status_code == 200
    assert "is already expired" in visible_text(page)


# Events: at their time, moved or cancelled before it, never twice


def test_a_scheduled_brief_is_handed_over_at_its_time_and_not_before(editor, now):
    brief = BriefFactory(title="At nine", status=Brief.Status.DRAFT, publish_at=None)
    changes.schedule(brief, editor, now + timedelta(hours=3))
    changes.schedule(brief, editor, now + timedelta(hours=5))
    with time_machine.travel(now + timedelta(hours=4)):
        dispatch()
    assert publication_activity() == []
    with time_machine.travel(now + timedelta(hours=5, seconds=1)):
        dispatch()
        dispatch()
    published = publication_activity()
    assert len(published) == 1 and "At nine" in published[0]


@pytest.mark.parametrize(
    "take_back",
    [
        lambda brief, editor: changes.withdraw(brief, editor, comment="Overtaken by events."),
        lambda brief, editor: changes.move(brief, editor, Brief.Status.DRAFT),
    ],
    ids=["withdrawn", "unscheduled"],
)
def test_a_brief_taken_back_before_its_time_is_never_handed_over(editor, now, take_back):
    brief = BriefFactory(status=Brief.Status.DRAFT, publish_at=None)
    changes.schedule(brief, editor, now + timedelta(hours=1))
    take_back(brief, editor)
    with time_machine.travel(now + timedelta(days=2)):
        dispatch()
    assert publication_activity() == []


def test_publishing_a_scheduled_brief_now_moves_its_event_to_now(editor, now):
    brief = BriefFactory(status=Brief.Status.DRAFT, publish_at=None)
    changes.schedule(brief, editor, now + timedelta(days=1))
    changes.publish_now(brief, editor)
    dispatch()
    assert event_kinds() == ["brief.published", "brief.scheduled"]
    with time_machine.travel(now + timedelta(days=2)):
        dispatch()
    assert len(publication_activity()) == 1


def test_withdrawal_by_expiry_is_an_event_due_at_its_time(editor_client, now):
    brief = BriefFactory()
    editor_client.get(change_url(brief))
    local = timezone.localtime(now + timedelta(days=1))
    submit(editor_client, change_url(brief), withdraw_at=f"{local:%Y-%m-%dT%H:%M:%S}")
    withdrawal = Event.objects.get(kind="brief.withdrawn")
    assert withdrawal.due_at == brief.__class__.objects.get().withdraw_at
    dispatch()
    assert not any(line.startswith("Brief withdrawn") for line in activity())
    with time_machine.travel(now + timedelta(days=1, minutes=1)):
        dispatch()
    withdrawn = [line for line in activity() if line.startswith("Brief withdrawn")]
    assert len(withdrawn) == 1
    assert brief.title in withdrawn[0] and "as scheduled for" in withdrawn[0]


def test_withdrawing_and_deleting_public_briefs_are_events(editor):
    withdrawn, deleted = BriefFactory(title="Withdrawn"), BriefFactory(title="Deleted")
    changes.withdraw(withdrawn, editor, comment="Superseded.")
    changes.delete(deleted, editor)
    assert event_kinds() == ["brief.withdrawn", "brief.deleted"]
    assert Event.objects.get(kind="brief.deleted").payload["slug"] == "deleted"


def test_deleting_a_draft_changes_nothing_public(editor, effects):
    draft = BriefFactory(status=Brief.Status.DRAFT, publish_at=None)
    made = side_effects(effects, lambda: changes.delete(draft, editor))
    assert made == {"revisions": 0, "transitions": 0, "events": 0, INDEX: 1, TOKEN: 0}


def test_a_public_expert_renamed_in_the_admin_is_an_event(admin_client):
    public = ExpertQuoteFactory(brief=BriefFactory()).expert
    unquoted = ExpertFactory(name="Not Quoted")
    for expert in (public, unquoted):
        url = f"/admin/experts/expert/{expert.pk}/change/"
        mark = form_fields(admin_client.get(url), "expert_form")["edit_base_digest"]
        admin_client.post(url, {"name": f"{expert.name} Jr", "slug": expert.slug,
                                "edit_base_digest": mark})  # fmt: skip
    assert [(e.kind, e.payload["name"]) for e in Event.objects.all()] == [
        ("expert.changed", f"{public.name} Jr")
    ]


# Side effects never fail a save


class MailServerDown(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


def test_a_mail_server_that_is_down_leaves_the_save_done_and_the_mail_is_retried(
    analyst_client, settings, now
):
    UserFactory(username="ed", email="ed@example.org", group="Editors")
    settings.EMAIL_BACKEND = f"{__name__}.MailServerDown"
    response = submit(analyst_client, ADD_URL, **new_brief_fields(status="review"))
    assert response.status_code == 302
    assert Brief.objects.count() == 1
    dispatch()
    run = HandlerRun.objects.get(handler="review-mail")
    assert run.outcome == "failed" and "mail server is down" in run.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with time_machine.travel(now + timedelta(minutes=1)):
        dispatch()
        dispatch()
    assert [message.to for message in mail.outbox] == [["ed@example.org"]]


def test_the_same_add_form_sent_twice_makes_one_brief(editor_client):
    page = editor_client.get(ADD_URL)
    data = form_fields(page, "brief_form")
    data.update({k: v if isinstance(v, list) else [v] for k, v in new_brief_fields().items()})
    first = editor_client.post(ADD_URL, data)
    second = editor_client.post(ADD_URL, data, follow=True)
    assert first.status_code == 302
    assert Brief.objects.count() == 1
    assert "was already saved from this form" in visible_text(second)


@pytest.mark.parametrize("title", ["Two\r\nlines", "Two\nlines", "Two\u2028lines"])
def test_a_title_with_a_line_break_is_refused(editor_client, title):
    page = submit(editor_client, ADD_URL, **new_brief_fields(title=title))
    assert page.status_code == 200
    assert "Keep this on one line" in visible_text(page)
    assert not Brief.objects.exists()


def test_an_expert_name_with_a_line_break_is_refused(admin_client):
    page = admin_client.post("/admin/experts/expert/add/", {"name": "Jane\r\nBcc: x@example.org"})
    assert page.status_code == 200
    assert "Keep this on one line" in visible_text(page)
