"""A brief's issues come in one order, by name, wherever the brief is shown."""

import json
import re
from xml.etree import ElementTree

import pytest

from tests.factories import BriefFactory, IssueFactory
from tests.pages import visible_text

pytestmark = pytest.mark.django_db

BY_NAME = ["Arctic", "Energy", "Shipping"]


@pytest.fixture
def brief():
    # Made, and filed, in an order that is not the names' order.
    shipping, arctic, energy = (
        IssueFactory(name=name) for name in ("Shipping", "Arctic", "Energy")
    )
    return BriefFactory(title="Ice and Oil", issues=[shipping, energy, arctic])


def in_order(text):
    positions = [text.index(name) for name in BY_NAME]
    return positions == sorted(positions)


def test_the_brief_page_its_card_and_its_admin_form_list_issues_by_name(
    brief, client, admin_client
):
    page = visible_text(client.get(brief.get_absolute_url()))
    assert in_order(page[page.index("Issues Arctic") :])
    listing = visible_text(client.get("/briefs/"))
    assert in_order(listing[listing.index("Ice and Oil") :])
    form = admin_client.get(f"/admin/briefs/brief/{brief.pk}/change/").content.decode()
    issues_menu = form[
        form.index('name="issues"') : form.index("</select>", form.index('name="issues"'))
    ]
    chosen = re.findall(r'<option value="\d+" selected>([^<]+)</option>', issues_menu)
    assert chosen == BY_NAME


def test_json_ld_feeds_and_the_api_list_issues_by_name(brief, client):
    html = client.get(brief.get_absolute_url()).content.decode()
    [data] = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert json.loads(data)["keywords"] == BY_NAME

    feed = ElementTree.fromstring(client.get("/feeds/briefs/").content)
    item = next(i for i in feed.iter("item") if i.findtext("title") == "Ice and Oil")
    assert [category.text for category in item.iter("category")] == BY_NAME

    assert client.get(f"/api/v1/briefs/{brief.slug}/").json()["issues"] == BY_NAME
    [listed] = client.get("/api/v1/briefs/").json()["results"]
    assert listed["issues"] == BY_NAME
