"""Optional expiry: a brief with a withdrawal time leaves every public surface when it passes."""

from datetime import UTC, datetime

import pytest

from briefs.interchange.documents import export_documents, import_documents
from briefs.models import Brief
from tests.briefs.test_admin import submit
from tests.factories import BriefFactory, ExpertQuoteFactory, RelatedLinkFactory
from tests.pages import visible_text

pytestmark = pytest.mark.django_db

PUBLISHED = datetime(2026, 6, 1, 13, 0, tzinfo=UTC)
WITHDRAW = datetime(2026, 6, 10, 13, 0, tzinfo=UTC)


@pytest.fixture
def expiring(time_machine):
    time_machine.move_to(datetime(2026, 6, 5, 12, 0, tzinfo=UTC), tick=False)
    brief = BriefFactory(
        title="Ceasefire Talks Resume in Doha",
        publish_at=PUBLISHED,
        withdraw_at=WITHDRAW,
        issues=["Gulf Diplomacy"],
    )
    ExpertQuoteFactory(brief=brief, expert__name="Rana Haddad", text="Talks are fragile.")
    RelatedLinkFactory(
        brief=BriefFactory(title="An Older Piece", publish_at=PUBLISHED),
        title="Ceasefire Talks Resume in Doha",
        url="",
        target=brief,
    )
    return brief


# Each public surface, and what of the brief shows there while it is public.
SURFACES = [
    ("/", "Ceasefire Talks Resume"),
    ("/briefs/", "Ceasefire Talks Resume"),
    ("/issues/", "Gulf Diplomacy"),
    ("/experts/", "Rana Haddad"),
    ("/feeds/briefs/", "Ceasefire Talks Resume"),
    ("/sitemap-briefs.xml", "ceasefire-talks-resume"),
    ("/search/?q=ceasefire", "Ceasefire Talks Resume"),
]


def test_an_expiring_brief_is_public_until_its_withdrawal_time(client, expiring, time_machine):
    time_machine.move_to(datetime(2026, 6, 10, 12, 59, 59, tzinfo=UTC), tick=False)
    assert client.get(expiring.get_absolute_url()).status_code == 200
    for url, shown in SURFACES:
        assert shown in client.get(url).content.decode(), url
    for url in (
        "/issues/gulf-diplomacy/",
        "/briefs/?issue=gulf-diplomacy",
        "/experts/rana-haddad/",
    ):
        assert "Ceasefire Talks Resume" in visible_text(client.get(url)), url
    older = client.get("/briefs/an-older-piece/")
    assert "Ceasefire Talks Resume in Doha" in visible_text(older)


def test_after_its_withdrawal_time_the_brief_leaves_every_public_surface(
    client, expiring, time_machine
):
    time_machine.move_to(WITHDRAW, tick=False)
    assert client.get(expiring.get_absolute_url()).status_code == 404
    for url, shown in SURFACES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert shown not in response.content.decode(), url
    # Its issue and its expert were public only through it.
    assert client.get("/issues/gulf-diplomacy/").status_code == 404
    assert client.get("/briefs/?issue=gulf-diplomacy").status_code == 404
    assert client.get("/issues/gulf-diplomacy/feed/").status_code == 404
    assert client.get("/experts/rana-haddad/").status_code == 404
    older = client.get("/briefs/an-older-piece/")
    assert older.status_code == 200 and "Ceasefire" not in visible_text(older)
    assert not Brief.objects.published().filter(pk=expiring.pk).exists()


def test_the_admin_shows_an_expired_brief_as_expired(editor_client, expiring, time_machine):
    time_machine.move_to(WITHDRAW, tick=False)
    page = visible_text(editor_client.get("/admin/briefs/brief/?state=expired"))
    assert "Ceasefire Talks Resume in Doha" in page
    assert "Expired June 10, 2026, 9 a.m. EDT" in page
    assert "An Older Piece" not in page


def test_editor_sets_a_withdrawal_time_in_the_site_time_zone(editor_client, time_machine):
    time_machine.move_to(datetime(2026, 6, 5, 12, 0, tzinfo=UTC), tick=False)
    brief = BriefFactory(publish_at=PUBLISHED)
    url = f"/admin/briefs/brief/{brief.pk}/change/"
    page = editor_client.get(url)
    assert "Withdraw at (America/New_York)" in visible_text(page)

    response = submit(editor_client, url, withdraw_at="2026-06-10T09:00")
    assert response.status_code == 302
    brief.refresh_from_db()
    assert brief.withdraw_at == WITHDRAW

    response = submit(editor_client, url, withdraw_at="2026-05-01T09:00")
    assert response.status_code == 200
    assert "must come after the publication time" in visible_text(response)
    brief.refresh_from_db()
    assert brief.withdraw_at == WITHDRAW


def test_analysts_cannot_set_a_withdrawal_time(analyst_client):
    brief = BriefFactory(status=Brief.Status.DRAFT, publish_at=None)
    page = analyst_client.get(f"/admin/briefs/brief/{brief.pk}/change/")
    assert 'name="withdraw_at"' not in page.content.decode()


def test_the_withdrawal_time_survives_export_and_import(expiring):
    documents = export_documents()
    document = next(d for d in documents if d["slug"] == expiring.slug)
    assert document["withdraw_at"] == "2026-06-10T09:00:00-04:00"
    Brief.objects.all().delete()
    import_documents(documents)
    assert Brief.objects.get(slug=expiring.slug).withdraw_at == WITHDRAW
    assert export_documents() == documents
