"""Who may change what the public sees about experts and issues (docs/workflow.md, "Who may
do what"): analysts make and edit them until a public brief quotes the expert or is filed
under the issue; from then on only people who may publish change or delete them."""

import re

import pytest
from django.contrib.auth.models import Permission

from briefs.models import Brief, Issue
from experts.models import Expert
from tests.factories import BriefFactory, ExpertFactory, ExpertQuoteFactory, UserFactory

pytestmark = pytest.mark.django_db

# (the person, may they change or delete a public expert or issue)
PEOPLE = [("analyst", False), ("editor", True), ("superuser", True)]


@pytest.fixture
def person_client(request, client):
    def sign_in(role):
        if role == "superuser":
            user = UserFactory(username="admin", is_superuser=True)
        else:
            user = UserFactory(username=role, group=f"{role.capitalize()}s")
        client.force_login(user)
        return client

    return sign_in


def an_expert(public):
    expert = ExpertFactory(name="Jane Example")
    status = Brief.Status.PUBLISHED if public else Brief.Status.DRAFT
    ExpertQuoteFactory(expert=expert, brief=BriefFactory(status=status))
    return expert


def an_issue(public):
    status = Brief.Status.PUBLISHED if public else Brief.Status.DRAFT
    BriefFactory(status=status, issues=["Iran"])
    return Issue.objects.get(name="Iran")


def expert_url(expert, view):
    return f"/admin/experts/expert/{expert.pk}/{view}/"


def issue_url(issue, view):
    return f"/admin/briefs/issue/{issue.pk}/{view}/"


def opened(client, url, fields):
    """The fields as a form opened now posts them: with the hidden mark of what the form was
    opened at (common/stale_saves.py). A page that only shows the object has no mark."""
    mark = re.search(r'name="edit_base_digest" value="([^"]*)"', client.get(url).content.decode())
    return {**fields, "edit_base_digest": mark[1] if mark else ""}


def expert_fields(expert, **changes):
    return {"name": expert.name, "slug": expert.slug, "title": "Director", "program": "",
            "bio": "", **changes}  # fmt: skip


def issue_fields(issue):
    return {"name": issue.name, "slug": issue.slug, "description": "Sanctions and talks."}


@pytest.mark.parametrize(("role", "may_publish"), PEOPLE)
@pytest.mark.parametrize("public", [True, False], ids=["public", "not-public"])
def test_changing_an_expert_is_for_editors_once_the_expert_is_public(
    person_client, role, may_publish, public
):
    expert = an_expert(public)
    client = person_client(role)

    url = expert_url(expert, "change")
    response = client.post(url, opened(client, url, expert_fields(expert)))

    expert.refresh_from_db()
    if may_publish or not public:
        assert response.status_code == 302
        assert expert.title == "Director"
    else:
        assert response.status_code == 403
        assert expert.title == "Senior Fellow"


@pytest.mark.parametrize(("role", "may_publish"), PEOPLE)
@pytest.mark.parametrize("public", [True, False], ids=["public", "not-public"])
def test_changing_an_issue_is_for_editors_once_the_issue_is_public(
    person_client, role, may_publish, public
):
    issue = an_issue(public)
    client = person_client(role)

    url = issue_url(issue, "change")
    response = client.post(url, opened(client, url, issue_fields(issue)))

    issue.refresh_from_db()
    if may_publish or not public:
        assert response.status_code == 302
        assert issue.description == "Sanctions and talks."
    else:
        assert response.status_code == 403
        assert issue.description == ""


@pytest.mark.parametrize(("role", "may_publish"), PEOPLE)
@pytest.mark.parametrize("public", [True, False], ids=["public", "not-public"])
def test_deleting_an_issue_is_for_editors(person_client, role, may_publish, public):
    issue = an_issue(public)
    client = person_client(role)

    response = client.post(issue_url(issue, "delete"), {"post": "yes"})

    # Analysts delete no issue (their group has no permission to), public or not.
    assert response.status_code == (302 if may_publish else 403)
    assert Issue.objects.filter(pk=issue.pk).exists() is not may_publish


@pytest.mark.parametrize(("role", "may_publish"), PEOPLE)
def test_deleting_an_expert_nobody_quotes_is_for_editors(person_client, role, may_publish):
    expert = ExpertFactory()
    client = person_client(role)

    response = client.post(expert_url(expert, "delete"), {"post": "yes"})

    assert response.status_code == (302 if may_publish else 403)
    assert Expert.objects.filter(pk=expert.pk).exists() is not may_publish


@pytest.mark.parametrize(("role", "may_publish"), PEOPLE)
def test_a_public_expert_is_deleted_by_nobody_and_analysts_are_refused_outright(
    person_client, role, may_publish
):
    expert = an_expert(public=True)
    client = person_client(role)

    response = client.post(expert_url(expert, "delete"), {"post": "yes"})

    # Quotes keep their expert (on_delete=PROTECT): an editor is told why nothing is deleted.
    if may_publish:
        assert response.status_code == 200
        assert "would require deleting the following protected" in response.content.decode()
    else:
        assert response.status_code == 403
    assert Expert.objects.filter(pk=expert.pk).exists()


@pytest.mark.parametrize("public", [True, False], ids=["public", "not-public"])
def test_someone_granted_deletion_without_publishing_deletes_only_issues_not_public(client, public):
    analyst = UserFactory(username="analyst", group="Analysts")
    analyst.user_permissions.add(*Permission.objects.filter(codename="delete_issue"))
    client.force_login(analyst)
    issue = an_issue(public)

    response = client.post(issue_url(issue, "delete"), {"post": "yes"})

    assert response.status_code == (403 if public else 302)
    assert Issue.objects.filter(pk=issue.pk).exists() is public


def test_an_analyst_still_sees_a_public_expert_and_issue_without_a_save_button(analyst_client):
    expert, issue = an_expert(public=True), an_issue(public=True)

    for url in [expert_url(expert, "change"), issue_url(issue, "change")]:
        response = analyst_client.get(url)
        page = response.content.decode()
        assert response.status_code == 200
        assert "View " in page and 'name="_save"' not in page


def test_an_analyst_may_still_quote_a_public_expert_and_file_under_a_public_issue(
    analyst_client,
):
    an_expert(public=True)
    issue = an_issue(public=True)

    # The quote form's expert search, and the brief form's issue choices.
    found = analyst_client.get(
        "/admin/autocomplete/",
        {
            "app_label": "experts",
            "model_name": "expertquote",
            "field_name": "expert",
            "term": "Jane",
        },  # fmt: skip
    )
    issues = analyst_client.get(
        "/admin/autocomplete/",
        {"app_label": "briefs", "model_name": "brief", "field_name": "issues", "term": "ir"},
    )

    assert found.status_code == 200
    assert [result["text"] for result in found.json()["results"]] == ["Jane Example"]
    assert issues.json()["results"] == [{"id": str(issue.pk), "text": "Iran"}]
