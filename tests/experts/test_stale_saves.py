"""No lost edits of experts and issues: a save from a form opened before someone else saved the
same expert (or issue) is refused, the refused person's text stays in the form, the page says
who saved and what the fields hold now, and saving again keeps the refused person's version
(common/stale_saves.py; the brief form's own guard is tests/briefs/test_edit_conflicts.py)."""

import threading
import time

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from common.stale_saves import DIGEST_FIELD
from experts.admin import ExpertAdmin
from experts.models import Expert
from tests.factories import ExpertFactory, IssueFactory, UserFactory
from tests.pages import form_fields, visible_text

pytestmark = pytest.mark.django_db

REFUSED = "Someone else saved this {} after you opened it. Your changes are not saved yet"


def client_for(username, full_name="", group="Analysts"):
    first, _, last = full_name.partition(" ")
    user = UserFactory(username=username, first_name=first, last_name=last, group=group)
    client = Client()
    client.force_login(user)
    return client


def change_url(obj):
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"


def open_form(client, obj):
    page = client.get(change_url(obj))
    assert page.status_code == 200
    return form_fields(page, f"{obj._meta.model_name}_form")


def post(client, obj, fields, **changes):
    return client.post(change_url(obj), {**fields, **{k: [v] for k, v in changes.items()}})


@pytest.fixture
def expert():
    """Quoted in no public brief: analysts may edit it."""
    return ExpertFactory(name="Mira Sol", bio="Works on grain markets.")


@pytest.fixture
def issue():
    return IssueFactory(name="Food Security", description="Harvests and trade.")


# Two people, one expert


def test_a_stale_expert_save_is_refused_showing_who_saved_and_keeping_the_text(expert):
    alice, bob = client_for("alice", "Alice Ames"), client_for("bob", "Bob Birch")
    alice_fields, bob_fields = open_form(alice, expert), open_form(bob, expert)

    first = post(alice, expert, alice_fields, bio="Leads the institute's work on grain.")
    assert first.status_code == 302

    bob_bio = "Works on grain markets\r\nand Black Sea shipping."
    second = post(bob, expert, bob_fields, bio=bob_bio, program="Economics")
    assert second.status_code == 200
    page = visible_text(second)
    assert REFUSED.format("expert") in page
    assert "save again to keep your version" in page
    assert "Someone else saved this expert while you were editing" in page
    assert "Changed by Alice Ames at" in page
    # Which field someone else changed, and what it holds now.
    assert "Bio Leads the institute's work on grain." in page
    assert "Program" not in page.split("What is stored now")[1].split("Your changes")[0]
    # Bob's typing is still in the form; Alice's save stands.
    kept = form_fields(second, "expert_form")
    assert (kept["bio"], kept["program"]) == ([bob_bio], ["Economics"])
    expert.refresh_from_db()
    assert (expert.bio, expert.program) == ("Leads the institute's work on grain.", "")

    # Having read the notice, Bob saves again on purpose: his version is kept.
    again = bob.post(change_url(expert), kept)
    assert again.status_code == 302
    expert.refresh_from_db()
    assert (expert.bio, expert.program) == (
        "Works on grain markets\nand Black Sea shipping.",
        "Economics",
    )


def test_a_stale_issue_save_is_refused_and_saving_again_keeps_the_second_version(issue):
    alice = client_for("alice", "Alice Ames", group="Editors")
    bob = client_for("bob", "Bob Birch", group="Editors")
    alice_fields, bob_fields = open_form(alice, issue), open_form(bob, issue)

    assert post(alice, issue, alice_fields, description="Harvests, trade and aid.").status_code == (
        302
    )
    second = post(bob, issue, bob_fields, description="Harvests, prices and trade.")

    assert second.status_code == 200
    page = visible_text(second)
    assert REFUSED.format("issue") in page
    assert "Changed by Alice Ames at" in page
    assert "Description Harvests, trade and aid." in page
    kept = form_fields(second, "issue_form")
    assert kept["description"] == ["Harvests, prices and trade."]
    issue.refresh_from_db()
    assert issue.description == "Harvests, trade and aid."

    assert bob.post(change_url(issue), kept).status_code == 302
    issue.refresh_from_db()
    assert issue.description == "Harvests, prices and trade."


def test_the_issue_page_loads_the_notices_styles(issue, editor_client):
    page = editor_client.get(change_url(issue)).content.decode()
    assert 'href="/static/briefs/admin.css"' in page


def test_the_notice_says_when_the_stored_text_is_the_same_as_yours(expert):
    alice, bob = client_for("alice"), client_for("bob")
    alice_fields, bob_fields = open_form(alice, expert), open_form(bob, expert)
    post(alice, expert, alice_fields, title="Director")

    refused = post(bob, expert, bob_fields, title="Director", bio="Also shipping.")

    assert "Current title (the same as in your form) Director" in visible_text(refused)


def test_each_save_since_the_form_was_opened_is_listed(expert):
    alice, bob = client_for("alice", "Alice Ames"), client_for("bob", "Bob Birch")
    carol = client_for("carol", "Carol Chen")
    post(alice, expert, open_form(alice, expert), title="Earlier")  # before Bob opens it
    bob_fields = open_form(bob, expert)
    post(alice, expert, open_form(alice, expert), title="Director")
    post(carol, expert, open_form(carol, expert), program="Economics")

    page = visible_text(post(bob, expert, bob_fields, bio="Bob's bio."))

    assert "Changed by Alice Ames" in page and "(Changed Current title.)" in page
    assert "Changed by Carol Chen" in page and "(Changed Program.)" in page
    assert page.index("Changed by Alice Ames") < page.index("Changed by Carol Chen")
    assert page.count("Changed by") == 2  # Alice's earlier save is not listed


def test_a_change_made_outside_the_admin_is_caught_and_said_so(expert):
    bob = client_for("bob")
    fields = open_form(bob, expert)
    Expert.objects.filter(pk=expert.pk).update(bio="Changed by an import.")

    refused = post(bob, expert, fields, bio="Bob's bio.")

    page = visible_text(refused)
    assert REFUSED.format("expert") in page
    assert "The change is not in the admin's history" in page
    assert "Bio Changed by an import." in page


def test_a_new_photo_makes_an_open_form_stale(expert):
    expert.photo = "experts/photos/first.png"
    expert.save()
    bob = client_for("bob")
    fields = open_form(bob, expert)
    Expert.objects.filter(pk=expert.pk).update(photo="experts/photos/second.png")

    refused = post(bob, expert, fields, bio="Bob's bio.")

    page = visible_text(refused)
    assert "Photo experts/photos/second.png" in page
    assert "A file chosen in this form must be chosen again." in page


# Saves that lose nothing go through


def test_a_fresh_form_saves(expert):
    alice = client_for("alice")
    assert post(alice, expert, open_form(alice, expert), bio="First.").status_code == 302
    # A form opened after that save is fresh too.
    assert post(alice, expert, open_form(alice, expert), bio="Second.").status_code == 302
    expert.refresh_from_db()
    assert expert.bio == "Second."


def test_a_save_that_changed_nothing_does_not_make_other_forms_stale(expert):
    alice, bob = client_for("alice"), client_for("bob")
    alice_fields, bob_fields = open_form(alice, expert), open_form(bob, expert)
    assert post(alice, expert, alice_fields).status_code == 302

    assert post(bob, expert, bob_fields, bio="Bob's bio.").status_code == 302
    expert.refresh_from_db()
    assert expert.bio == "Bob's bio."


def test_a_change_to_what_the_form_does_not_edit_does_not_make_it_stale(expert):
    bob = client_for("bob")
    fields = open_form(bob, expert)
    # The worker writes the thumbnail; the form has no such field.
    Expert.objects.filter(pk=expert.pk).update(photo_thumbnail="experts/thumbnails/x.jpg")
    assert post(bob, expert, fields, bio="Bob's bio.").status_code == 302


def test_the_mark_is_not_in_the_history(expert):
    alice = client_for("alice")
    post(alice, expert, open_form(alice, expert), bio="New bio.")
    entry = LogEntry.objects.get(object_id=str(expert.pk))
    assert entry.get_change_message() == "Changed Bio."


# A form without its mark, or with a garbled one


@pytest.mark.parametrize(
    "mark",
    [
        None,
        "",
        "garbage",
        "123",
        "1700000000000:name=zzzz",
        "9999999999999:name=0123456789abcdef",
        "99999999999999999999999:",
        "1700000000000:name=0123456789abcdef,slug=0123456789abcdef",
        "\x00" * 5000,
    ],
    ids=[
        "missing",
        "empty",
        "words",
        "no-digests",
        "not-hex",
        "far-future",
        "too-long-time",
        "wrong-digests",
        "nul-bytes",
    ],  # fmt: skip
)
def test_a_missing_or_garbled_mark_is_refused_in_words_and_saving_again_works(expert, mark):
    alice = client_for("alice", "Alice Ames")
    post(alice, expert, open_form(alice, expert), title="Director")
    bob = client_for("bob")
    fields = open_form(bob, expert)
    if mark is None:
        del fields[DIGEST_FIELD]
    else:
        fields[DIGEST_FIELD] = [mark]

    refused = post(bob, expert, fields, bio="Bob's bio.")

    assert refused.status_code == 200
    page = visible_text(refused)
    assert "Your changes are not saved yet: they are still in the form below" in page
    assert "save again to keep your version" in page
    # The latest save is named, since the form cannot say which came after it was opened.
    assert "Changed by Alice Ames at" in page
    expert.refresh_from_db()
    assert expert.bio == "Works on grain markets."
    kept = form_fields(refused, "expert_form")
    assert kept["bio"] == ["Bob's bio."]
    assert bob.post(change_url(expert), kept).status_code == 302
    expert.refresh_from_db()
    assert expert.bio == "Bob's bio."


def test_a_form_opened_for_another_expert_does_not_pass(expert):
    other = ExpertFactory(name="Other Person", bio="Works on grain markets.")
    bob = client_for("bob")
    other_mark = open_form(bob, other)[DIGEST_FIELD]
    fields = {**open_form(bob, expert), DIGEST_FIELD: other_mark}
    assert post(bob, expert, fields, bio="Bob's bio.").status_code == 200


def test_an_expert_deleted_after_the_form_was_opened_is_not_made_again(expert, editor_client):
    fields = open_form(editor_client, expert)
    real_get_object = ExpertAdmin.get_object

    def get_object_then_deleted(self, request, object_id, from_field=None):
        found = real_get_object(self, request, object_id, from_field)
        Expert.objects.filter(pk=object_id).delete()  # between the admin's read and the lock
        return found

    ExpertAdmin.get_object = get_object_then_deleted
    try:
        response = post(editor_client, expert, fields, bio="Too late.")
    finally:
        ExpertAdmin.get_object = real_get_object

    assert response.status_code == 200
    assert "Someone else deleted this expert after you opened it" in visible_text(response)
    assert not Expert.objects.exists()


# The add form, and people who may only look


def test_adding_an_expert_needs_no_mark(analyst_client):
    response = analyst_client.post("/admin/experts/expert/add/", {"name": "New Person"})
    assert response.status_code == 302
    assert Expert.objects.get().name == "New Person"


def test_the_mark_is_a_hidden_row_of_the_form(expert, analyst_client):
    page = analyst_client.get(change_url(expert)).content.decode()
    assert f'<input type="hidden" name="{DIGEST_FIELD}"' in page
    assert f'<div class="form-row hidden field-{DIGEST_FIELD}">' in page


# What it costs


def count_queries(request):
    with CaptureQueriesContext(connection) as queries:
        response = request()
    return response, [query["sql"] for query in queries.captured_queries]


def test_the_change_form_reads_no_history_and_takes_no_lock(expert, django_assert_max_num_queries):
    alice = client_for("alice")
    for n in range(5):
        post(alice, expert, open_form(alice, expert), bio=f"Version {n}.")
    response, queries = count_queries(lambda: alice.get(change_url(expert)))
    assert response.status_code == 200
    assert not [sql for sql in queries if "django_admin_log" in sql or "FOR UPDATE" in sql]
    with django_assert_max_num_queries(12):
        alice.get(change_url(expert))


@pytest.mark.parametrize("model", ["expert", "issue"])
def test_a_refused_save_costs_the_same_however_many_saves_came_first(model):
    def queries_of_a_refused_save(saves):
        obj = ExpertFactory() if model == "expert" else IssueFactory()
        field = "bio" if model == "expert" else "description"
        alice, bob = client_for(f"alice{saves}", group="Editors"), client_for(f"bob{saves}")
        bob_fields = open_form(bob, obj)
        for n in range(saves):
            post(alice, obj, open_form(alice, obj), **{field: f"Version {n}."})
        response, queries = count_queries(lambda: post(bob, obj, bob_fields, **{field: "Bob."}))
        assert response.status_code == 200
        return queries

    one, many = queries_of_a_refused_save(1), queries_of_a_refused_save(8)
    assert len(one) == len(many)
    assert len([sql for sql in one if "django_admin_log" in sql]) == 1


def test_a_fresh_save_takes_the_lock_once(expert):
    alice = client_for("alice")
    fields = open_form(alice, expert)
    response, queries = count_queries(lambda: post(alice, expert, fields, bio="New."))
    assert response.status_code == 302
    locks = [sql for sql in queries if '"experts_expert"' in sql and "FOR UPDATE" in sql]
    assert len(locks) == (1 if connection.features.has_select_for_update else 0)


# Two saves at once (PostgreSQL: real row locks between two connections)


@pytest.mark.django_db(transaction=True)
def test_two_saves_at_once_cannot_both_pass(monkeypatch):
    """Alice's save has written the row but not committed when Bob's stale-free form (opened at
    the same moment) is checked: Bob waits for the lock, then sees Alice's save and is
    refused. Without the lock Bob's check would read the row as it was and overwrite her."""
    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent writers: PostgreSQL")
    expert = ExpertFactory(name="Mira Sol", bio="Works on grain markets.")
    alice, bob = client_for("alice", "Alice Ames"), client_for("bob", "Bob Birch")
    alice_fields, bob_fields = open_form(alice, expert), open_form(bob, expert)
    alice_saved, go_on = threading.Event(), threading.Event()
    real_log_change = ExpertAdmin.log_change

    def log_change_and_wait(self, request, obj, message):
        entry = real_log_change(self, request, obj, message)
        if request.user.username == "alice":  # saved, inside the admin's transaction
            alice_saved.set()
            assert go_on.wait(timeout=30)
        return entry

    monkeypatch.setattr(ExpertAdmin, "log_change", log_change_and_wait)
    responses = {}

    def save(name, client, fields, bio):
        try:
            responses[name] = post(client, expert, fields, bio=bio)
        finally:
            connection.close()

    first = threading.Thread(target=save, args=("alice", alice, alice_fields, "Alice's."))
    first.start()
    assert alice_saved.wait(timeout=30)
    second = threading.Thread(target=save, args=("bob", bob, bob_fields, "Bob's."))
    second.start()
    # Bob's request waits on Alice's row lock before Alice commits.
    deadline = time.monotonic() + 30
    while not waiting_on_a_lock():
        assert time.monotonic() < deadline and second.is_alive()
        time.sleep(0.02)
    go_on.set()
    first.join(timeout=30)
    second.join(timeout=30)

    assert responses["alice"].status_code == 302
    assert responses["bob"].status_code == 200
    assert "Changed by Alice Ames" in visible_text(responses["bob"])
    expert.refresh_from_db()
    assert expert.bio == "Alice's."


def waiting_on_a_lock():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0
