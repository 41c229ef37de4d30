"""The publication rule: approved for publication, and its time has come. Nothing else."""

from datetime import UTC, datetime, timedelta

import pytest

from briefs.models import Brief
from tests.factories import BriefFactory
from tests.pages import visible_text

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "days_from_now", "public"),
    [
        (Brief.Status.PUBLISHED, -1, True),
        (Brief.Status.PUBLISHED, +1, False),
        (Brief.Status.DRAFT, -1, False),
        (Brief.Status.DRAFT, +1, False),
        (Brief.Status.REVIEW, -1, False),
        (Brief.Status.WITHDRAWN, -1, False),
    ],
)
def test_published_is_approved_and_dated_in_the_past(now, status, days_from_now, public):
    brief = BriefFactory(status=status, publish_at=now + timedelta(days=days_from_now))
    assert (brief in Brief.objects.published()) is public
    assert brief.is_public is public


def test_draft_without_date_is_not_published():
    brief = BriefFactory(status=Brief.Status.DRAFT, publish_at=None)
    assert not Brief.objects.published().exists()
    assert brief.state == "draft"


def test_publishing_without_a_date_publishes_now(time_machine):
    time_machine.move_to(datetime(2026, 5, 1, 12, 0, tzinfo=UTC), tick=False)
    brief = BriefFactory(status=Brief.Status.PUBLISHED, publish_at=None)
    assert brief.publish_at == datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    assert brief.is_public


def test_scheduled_brief_appears_by_itself_when_its_time_comes(client, time_machine):
    time_machine.move_to(datetime(2026, 6, 1, 12, 0, tzinfo=UTC), tick=False)
    brief = BriefFactory(publish_at=datetime(2026, 6, 2, 13, 0, tzinfo=UTC), issues=["Iran"])

    assert client.get(brief.get_absolute_url()).status_code == 404
    assert brief.title not in client.get("/issues/iran/").content.decode()
    assert brief.state == "scheduled"

    time_machine.move_to(datetime(2026, 6, 2, 12, 59, 59, tzinfo=UTC), tick=False)
    assert client.get(brief.get_absolute_url()).status_code == 404

    time_machine.move_to(datetime(2026, 6, 2, 13, 0, tzinfo=UTC), tick=False)
    assert client.get(brief.get_absolute_url()).status_code == 200
    assert brief.title in client.get("/issues/iran/").content.decode()
    assert brief.title in client.get("/").content.decode()


def test_state_label_gives_the_scheduled_time_in_the_site_time_zone(time_machine):
    time_machine.move_to(datetime(2026, 6, 1, 12, 0, tzinfo=UTC), tick=False)
    brief = BriefFactory(publish_at=datetime(2026, 6, 2, 13, 0, tzinfo=UTC))
    assert brief.state_label == "Scheduled for June 2, 2026, 9 a.m. EDT"


def test_withdrawn_brief_is_gone_from_every_page(client):
    brief = BriefFactory(title="Withdrawn Piece", issues=["Iran"])
    brief.status = Brief.Status.WITHDRAWN
    brief.save()
    assert client.get(brief.get_absolute_url()).status_code == 404
    for url in ("/", "/issues/", "/issues/iran/"):
        assert "Withdrawn Piece" not in client.get(url).content.decode()


def test_issue_counts_only_public_briefs(client, now):
    BriefFactory(issues=["Iran"])
    BriefFactory(issues=["Iran"], publish_at=now + timedelta(hours=1))
    BriefFactory(issues=["Iran"], status=Brief.Status.DRAFT)
    assert "Iran 1 brief" in visible_text(client.get("/issues/"))
