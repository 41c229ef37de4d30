"""Control characters in the admin's query parameters: list filters, searches and autocomplete
terms with a NUL (which PostgreSQL refuses in text) answer their page, never a server error.
Run on both databases (a NUL only breaks PostgreSQL)."""

import pytest

from tests.factories import BriefFactory, ExpertQuoteFactory, UserFactory
from tests.pages import visible_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="boss", is_superuser=True))
    return client


@pytest.fixture
def brief(db):
    brief = BriefFactory(title="Drones Over the Black Sea", issues=["Iran"])
    ExpertQuoteFactory(brief=brief, expert__name="Jane Example")
    return brief


@pytest.mark.parametrize(
    ("url", "heading"),
    [
        ("/admin/briefs/brief/?issue=%00", "Select brief to change"),
        ("/admin/briefs/brief/?status__exact=%00", "Select brief to change"),
        ("/admin/briefs/brief/?state=%00&format__id__exact=%00", "Select brief to change"),
        ("/admin/briefs/brief/?q=%00", "Select brief to change"),
        ("/admin/briefs/brief/?q=a%00b%1B%7F", "Select brief to change"),
        ("/admin/briefs/brief/?publish_at__year=%00", "Select brief to change"),
        ("/admin/briefs/brief/?%00=1", "Select brief to change"),
        ("/admin/briefs/brief/calendar/?month=%00", "Calendar"),
        ("/admin/briefs/issue/?q=%00", "Select issue to change"),
        ("/admin/experts/expert/?q=%00", "Select expert to change"),
        ("/admin/events/event/?q=%00&kind=%00", "Select event to view"),
        ("/admin/auth/user/?q=%00&is_staff__exact=%00", "Select user to change"),
    ],
)
def test_a_nul_in_an_admin_filter_or_search_answers_the_list(admin_client, brief, url, heading):
    response = admin_client.get(url, follow=True)

    assert response.status_code == 200
    assert heading in visible_text(response)


def test_a_search_with_a_control_character_still_finds_what_it_names(admin_client, brief):
    BriefFactory(title="Shipping Registries")
    response = admin_client.get("/admin/briefs/brief/?q=Drones%00")

    assert response.status_code == 200
    text = visible_text(response)
    assert "1 result (2 total)" in text
    assert "Drones Over the Black Sea" in text and "Shipping Registries" not in text


@pytest.mark.parametrize(
    "source",
    [
        "app_label=briefs&model_name=brief&field_name=issues",
        "app_label=briefs&model_name=relatedlink&field_name=target",
        "app_label=experts&model_name=expertquote&field_name=expert",
    ],
)
def test_a_nul_in_an_autocomplete_term_answers_the_choices(admin_client, brief, source):
    response = admin_client.get(f"/admin/autocomplete/?{source}&term=%00")

    # A term of nothing but a control character is no term: every choice, as for an empty box.
    assert response.status_code == 200
    assert response.json()["results"]


def test_an_autocomplete_term_with_a_nul_still_finds_what_it_names(admin_client, brief):
    response = admin_client.get(
        "/admin/autocomplete/?app_label=experts&model_name=expertquote&field_name=expert"
        "&term=Jane%00"
    )

    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == ["Jane Example"]
