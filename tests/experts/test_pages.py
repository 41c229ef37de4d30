from datetime import timedelta

import pytest

from briefs.models import Brief
from tests.factories import BriefFactory, ExpertFactory, ExpertQuoteFactory
from tests.pages import visible_text

pytestmark = pytest.mark.django_db


def test_expert_page_lists_public_quotes_newest_first(client, now):
    expert = ExpertFactory(name="Jane Example", title="Director", bio="Writes about *drones*.")
    for days, title in ((5, "Older brief"), (1, "Newer brief")):
        ExpertQuoteFactory(
            expert=expert, brief=BriefFactory(title=title, publish_at=now - timedelta(days=days))
        )
    ExpertQuoteFactory(
        expert=expert, brief=BriefFactory(title="Draft brief", status=Brief.Status.DRAFT)
    )
    ExpertQuoteFactory(
        expert=expert, brief=BriefFactory(title="Future brief", publish_at=now + timedelta(days=1))
    )

    response = client.get("/experts/jane-example/")

    text = visible_text(response)
    assert "Jane Example Director" in text and "Writes about drones." in text
    assert text.index("Newer brief") < text.index("Older brief")
    assert "Draft brief" not in text and "Future brief" not in text


def test_expert_page_runs_a_fixed_number_of_queries(client, django_assert_num_queries):
    expert = ExpertFactory(name="Jane Example")
    for _ in range(12):
        ExpertQuoteFactory(expert=expert)
    # The content's version, the public experts (once per version), the page count, and the
    # page of quotes with their briefs and formats.
    with django_assert_num_queries(4):
        assert client.get("/experts/jane-example/").status_code == 200
