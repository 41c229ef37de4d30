"""Choosing a brief's issues: an autocomplete that also makes a new issue from its name."""

import pytest
from django.contrib.auth.models import Permission

from briefs.models import Brief, Issue
from experts.models import Expert
from tests.briefs.test_admin import ADD_URL, change_url, new_brief_fields, submit
from tests.factories import BriefFactory, IssueFactory, UserFactory
from tests.pages import visible_text

pytestmark = pytest.mark.django_db


def test_the_issue_autocomplete_finds_issues_by_name(analyst_client):
    IssueFactory(name="Energy")
    IssueFactory(name="Arctic")
    found = analyst_client.get(
        "/admin/autocomplete/",
        {"app_label": "briefs", "model_name": "brief", "field_name": "issues", "term": "ene"},
    ).json()
    assert [item["text"] for item in found["results"]] == ["Energy"]


def test_a_name_that_matches_no_issue_makes_a_new_one_when_the_brief_is_saved(
    analyst_client, client
):
    energy = IssueFactory(name="Energy")
    response = submit(
        analyst_client, ADD_URL, _move="save",
        **new_brief_fields(issues=[str(energy.pk), "Arctic  Shipping", "energy"]),
    )  # fmt: skip
    assert response.status_code == 302
    brief = Brief.objects.get()
    assert [issue.name for issue in brief.issues.all()] == ["Arctic Shipping", "Energy"]
    assert Issue.objects.get(name="Arctic Shipping").slug == "arctic-shipping"
    # Typed again in another case, the new issue is found, not made twice.
    submit(analyst_client, change_url(brief), _move="save", issues=["arctic shipping"])
    assert [issue.name for issue in brief.issues.all()] == ["Arctic Shipping"]
    assert Issue.objects.filter(name__iexact="arctic shipping").count() == 1


def test_a_refused_save_keeps_the_new_issue_chosen_and_makes_nothing(analyst_client):
    response = submit(
        analyst_client, ADD_URL, _move="save", **new_brief_fields(title="", issues=["Arctic"])
    )
    assert response.status_code == 200
    assert '<option value="Arctic" selected>Arctic (new)</option>' in response.content.decode()
    assert not Issue.objects.filter(name="Arctic").exists()


def test_someone_who_may_not_add_issues_is_told_and_loses_nothing(client):
    writer = UserFactory(group="Analysts")
    writer.groups.get().permissions.remove(Permission.objects.get(codename="add_issue"))
    client.force_login(writer)
    brief = BriefFactory(status=Brief.Status.DRAFT, publish_at=None, summary="As it was.")
    response = submit(client, change_url(brief), _move="save", issues=["Arctic"],
                      summary="Edited.")  # fmt: skip
    text = visible_text(response)
    assert "There is no issue named “Arctic”, and you may not add one" in text
    assert "Edited." in response.content.decode()
    assert not Issue.objects.filter(name="Arctic").exists()


def test_a_new_issue_name_over_the_limit_is_refused(analyst_client):
    response = submit(analyst_client, ADD_URL, _move="save", **new_brief_fields(issues=["A" * 101]))
    assert response.status_code == 200
    assert "is too long for an issue's name: at most 100 characters" in visible_text(response)
    assert not Brief.objects.exists()


def test_a_new_issue_name_typed_across_lines_is_kept_on_one(analyst_client):
    submit(
        analyst_client, ADD_URL, _move="save", **new_brief_fields(issues=["Arctic\u2028 Shipping"])
    )
    assert [issue.name for issue in Brief.objects.get().issues.all()] == ["Arctic Shipping"]


def test_a_quote_by_an_expert_not_yet_known_makes_the_expert_when_the_brief_is_saved(
    analyst_client,
):
    fields = new_brief_fields(**{"quotes-0-expert": "Dana  Whitfield",
                                 "quotes-0-expert_title": "Senior Fellow"})  # fmt: skip
    response = submit(analyst_client, ADD_URL, _move="save", **fields)
    assert response.status_code == 302
    quote = Brief.objects.get().quotes.get()
    assert (quote.expert.name, quote.expert.slug, quote.expert_title) == (
        "Dana Whitfield", "dana-whitfield", "Senior Fellow",
    )  # fmt: skip
    # Typed again in another case, the expert is found, not made twice.
    brief = Brief.objects.get()
    submit(analyst_client, change_url(brief), _move="save", **{"quotes-0-expert": "dana whitfield"})
    assert Expert.objects.filter(name__iexact="dana whitfield").count() == 1


def test_a_new_expert_is_refused_to_someone_who_may_not_add_experts(client):
    writer = UserFactory(group="Analysts")
    writer.groups.get().permissions.remove(Permission.objects.get(codename="add_expert"))
    client.force_login(writer)
    response = submit(client, ADD_URL, _move="save",
                      **new_brief_fields(**{"quotes-0-expert": "Dana Whitfield"}))  # fmt: skip
    assert response.status_code == 200
    assert "There is no expert named “Dana Whitfield”, and you may not add one" in visible_text(
        response
    )
    assert '<option value="Dana Whitfield" selected>Dana Whitfield (new)</option>' in (
        response.content.decode()
    )
    assert not Expert.objects.filter(name="Dana Whitfield").exists()


def test_a_new_expert_typed_with_their_title_gets_it(analyst_client):
    fields = new_brief_fields(**{"quotes-0-expert": "Dana Whitfield, Senior Fellow"})
    submit(analyst_client, ADD_URL, _move="save", **fields)
    quote = Brief.objects.get().quotes.get()
    assert (quote.expert.name, quote.expert.title, quote.expert_title) == (
        "Dana Whitfield", "Senior Fellow", "Senior Fellow",
    )  # fmt: skip
