"""The Permissions-Policy header (briefs_site.security): browser features no page of ours uses
(camera, microphone, geolocation, payment, USB, interest cohorts...) are denied on every
response, kept pages and error pages too. Chromium's reading of it: tests/browser."""

import pytest

from briefs_site.security import PERMISSIONS_POLICY
from tests.factories import BriefFactory, UserFactory

pytestmark = pytest.mark.django_db


def denied(response):
    return {
        feature.strip().removesuffix("=()")
        for feature in response["Permissions-Policy"].split(",")
        if feature.strip().endswith("=()")
    }


def test_every_kind_of_response_denies_the_features_no_page_uses(client):
    brief = BriefFactory(title="Ports Under Watch")
    staff = UserFactory(username="staff", is_superuser=True)
    responses = {
        "a public page": client.get(brief.get_absolute_url()),
        "the same page, kept": client.get(brief.get_absolute_url()),
        "a feed": client.get("/feeds/briefs/"),
        "not found": client.get("/briefs/no-such-brief/"),
        "too many filters": client.get("/briefs/?" + "&".join(["issue=iran"] * 6)),
        "the sign-in page": client.get("/admin/login/"),
    }
    client.force_login(staff)
    responses["an admin page"] = client.get("/admin/briefs/brief/")

    for kind, response in responses.items():
        assert response["Permissions-Policy"] == PERMISSIONS_POLICY, kind
        assert {
            "camera", "microphone", "geolocation", "payment", "usb", "interest-cohort",
            "browsing-topics",
        } <= denied(response), kind  # fmt: skip
    assert responses["not found"].status_code == 404
    assert responses["too many filters"].status_code == 400
