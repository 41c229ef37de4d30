"""Webhooks in the admin: editors register endpoints, copy their secret, follow what is sent and
what failed, send again or send a test ping; analysts see nothing of it. Every list is made in
a number of queries that does not grow with its rows."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from briefs.editorial.changes import brief_payload
from events.models import Event, Kind
from tests.factories import BriefFactory, UserFactory
from tests.pages import elements, form_fields, visible_text
from tests.webhooks.conftest import make_endpoint
from webhooks.delivery import send_due
from webhooks.models import PUBLIC_KINDS, Endpoint, WebhookDelivery

pytestmark = pytest.mark.django_db

Status = WebhookDelivery.Status
ENDPOINTS = "/admin/webhooks/endpoint/"
DELIVERIES = "/admin/webhooks/webhookdelivery/"
PUBLIC_URL = "https://hooks.example.org/briefs"


@pytest.fixture(autouse=True)
def public_name(dns):
    dns["hooks.example.org"] = ["93.184.215.14"]


def change_url(endpoint):
    return f"{ENDPOINTS}{endpoint.pk}/change/"


def delivered(endpoint, status, title="A brief", **fields):
    """A delivery to `endpoint` of a brief's publication, as the worker left it."""
    brief = BriefFactory(title=title)
    event = Event.objects.create(
        kind=Kind.BRIEF_PUBLISHED,
        subject=f"brief:{brief.pk}",
        payload=brief_payload(brief, None, None),
    )
    return WebhookDelivery.objects.create(
        endpoint=endpoint, event=event, kind=event.kind, status=status, **fields
    )


def rows(response):
    """The text of each row of the admin list on the page (none: no table)."""
    page = response.content.decode()
    if 'id="result_list"' not in page:
        return []
    table = page.split('id="result_list"', 1)[1].split("</table>", 1)[0]
    return [visible_text(row) for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)[1:]]


def some_endpoints(count, start=0):
    endpoints = []
    for n in range(start, start + count):
        endpoint = make_endpoint(PUBLIC_URL, name=f"Partner {n}")
        delivered(endpoint, Status.SENT, response_status=200)
        delivered(endpoint, Status.GAVE_UP, response_status=500, last_error="Answered 500.")
        endpoints.append(endpoint)
    return endpoints


def test_editors_hold_the_webhook_permissions_and_analysts_none_after_migrate():
    """The test database is made by `migrate` from nothing, as a new site's is."""
    editors = Group.objects.get(name="Editors").permissions.filter(
        content_type__app_label="webhooks"
    )
    assert set(editors.values_list("codename", flat=True)) == {
        "add_endpoint",
        "change_endpoint",
        "delete_endpoint",
        "view_endpoint",
        "view_webhookdelivery",
    }
    analysts = Group.objects.get(name="Analysts").permissions
    assert not analysts.filter(content_type__app_label="webhooks").exists()


def test_analysts_cannot_see_or_change_endpoints(analyst_client):
    endpoint = make_endpoint(PUBLIC_URL)
    delivery = delivered(endpoint, Status.SENT)

    for url in [
        ENDPOINTS,
        f"{ENDPOINTS}add/",
        change_url(endpoint),
        f"{ENDPOINTS}{endpoint.pk}/new-secret/",
        f"{ENDPOINTS}{endpoint.pk}/ping/",
        DELIVERIES,
        f"{DELIVERIES}{delivery.pk}/change/",
    ]:
        assert analyst_client.get(url).status_code == 403, url
    assert analyst_client.post(change_url(endpoint), {"name": "Mine"}).status_code == 403
    assert "Webhooks" not in visible_text(analyst_client.get("/admin/"))
    assert endpoint.secret not in analyst_client.get(change_url(endpoint)).content.decode()


def test_without_the_publish_permission_the_model_permissions_are_not_enough(client):
    """An endpoint is told of everything published: only people who may publish manage one."""
    helper = UserFactory(username="helper", group="Analysts")
    helper.user_permissions.add(*Permission.objects.filter(content_type__app_label="webhooks"))
    client.force_login(helper)

    assert client.get(ENDPOINTS).status_code == 403
    assert client.get(DELIVERIES).status_code == 403


def test_an_editor_registers_an_endpoint_and_copies_its_secret(editor_client, editor):
    page = editor_client.get(f"{ENDPOINTS}add/")
    offered = {box["value"] for box in elements(page, "input") if box.get("name") == "kinds"}
    assert offered == {kind.value for kind in PUBLIC_KINDS}
    assert "brief.submitted" not in offered and "brief.scheduled" not in offered

    response = editor_client.post(
        f"{ENDPOINTS}add/",
        {
            "name": "Partner site",
            "url": PUBLIC_URL,
            "kinds": ["brief.published", "brief.withdrawn"],
            "active": "on",
            "secret": "",
        },
    )

    assert response.status_code == 302
    endpoint = Endpoint.objects.get()
    assert endpoint.kinds == ["brief.published", "brief.withdrawn"]
    assert endpoint.created_by == editor and endpoint.active
    assert len(endpoint.secret) >= 40
    page = visible_text(editor_client.get(change_url(endpoint)))
    assert f"Secret: {endpoint.secret}" in page
    assert "Make a new secret" in page and "Send a test ping" in page


def test_an_endpoint_must_want_something(editor_client):
    response = editor_client.post(
        f"{ENDPOINTS}add/", {"name": "Partner", "url": PUBLIC_URL, "active": "on"}
    )

    assert "This field is required." in visible_text(response)
    assert not Endpoint.objects.exists()


def test_a_new_secret_is_made_on_request_and_the_old_one_kept_for_a_day(editor_client):
    endpoint = make_endpoint(PUBLIC_URL)
    old = endpoint.secret
    confirm = f"{ENDPOINTS}{endpoint.pk}/new-secret/"

    assert "also carry a signature made with the old one" in visible_text(
        editor_client.get(confirm)
    )
    response = editor_client.post(confirm, follow=True)

    endpoint.refresh_from_db()
    assert endpoint.secret != old and endpoint.previous_secret == old
    assert endpoint.previous_secret_until > timezone.now() + timedelta(hours=23)
    text = visible_text(response)
    assert "A new secret was made." in text and f"Secret: {endpoint.secret}" in text


def test_the_endpoint_list_shows_where_each_stands_in_a_fixed_number_of_queries(
    editor_client, django_assert_max_num_queries
):
    some_endpoints(3)
    with django_assert_max_num_queries(8):
        page = editor_client.get(ENDPOINTS)
    assert page.status_code == 200

    some_endpoints(10, start=3)
    off = make_endpoint(PUBLIC_URL, name="Old partner", kinds=[Kind.BRIEF_DELETED])
    off.mark_turned_off("No delivery has succeeded since", timezone.now())
    off.save()
    with django_assert_max_num_queries(8):
        text = visible_text(editor_client.get(ENDPOINTS))

    assert f"Partner 0 {PUBLIC_URL} All Active" in text
    assert "1 sent, 1 failing" in text
    assert "Old partner" in text and "deleted Turned off" in text


def test_the_endpoint_page_lists_its_latest_deliveries_in_a_fixed_number_of_queries(
    editor_client, django_assert_max_num_queries
):
    (endpoint,) = some_endpoints(1)
    with django_assert_max_num_queries(8):
        editor_client.get(change_url(endpoint))
    for n in range(25):
        delivered(endpoint, Status.SENT, title=f"Brief {n}", response_status=204)

    with django_assert_max_num_queries(8):
        page = editor_client.get(change_url(endpoint))

    text = visible_text(page)
    assert "The latest 20 of 27." in text
    assert "Brief published Brief 24 Sent 0 204" in text


def test_the_delivery_list_filters_by_status_endpoint_and_kind_in_a_fixed_number_of_queries(
    editor_client, django_assert_max_num_queries
):
    first, second = some_endpoints(2)
    with django_assert_max_num_queries(10):
        editor_client.get(DELIVERIES)
    some_endpoints(10, start=2)

    with django_assert_max_num_queries(10):
        text = visible_text(editor_client.get(DELIVERIES))
    assert "Partner 0 Brief published A brief Failed, gave up" in text

    failing = rows(editor_client.get(f"{DELIVERIES}?status=failing"))
    assert len(failing) == 12 and all("Failed, gave up" in row for row in failing)
    mine = rows(editor_client.get(f"{DELIVERIES}?endpoint__id__exact={second.pk}"))
    assert len(mine) == 2 and all("Partner 1 " in row for row in mine)
    assert rows(editor_client.get(f"{DELIVERIES}?kind__exact=brief.deleted")) == []


def test_a_delivery_shows_what_it_sent_and_the_answer(editor_client):
    endpoint = make_endpoint(PUBLIC_URL)
    delivery = delivered(
        endpoint,
        Status.FAILED,
        title="Tankers",
        attempts=2,
        response_status=500,
        response_excerpt="Traceback: the receiver broke",
        last_error="The endpoint answered 500 Internal Server Error.",
    )

    text = visible_text(editor_client.get(f"{DELIVERIES}{delivery.pk}/change/"))

    assert "Failed, will retry" in text
    assert "Traceback: the receiver broke" in text
    assert '"title": "Tankers"' in text and f'"id": {delivery.pk}' in text


def test_send_again_now_queues_the_chosen_deliveries_with_a_new_day_of_retries(
    editor_client, receiver
):
    endpoint = make_endpoint(receiver.url)
    given_up = delivered(
        endpoint, Status.GAVE_UP, attempts=30, first_attempt_at=timezone.now() - timedelta(days=2)
    )
    off = make_endpoint(receiver.url, name="Off", active=False)
    not_sent = delivered(off, Status.GAVE_UP)

    response = editor_client.post(
        DELIVERIES,
        {"action": "send_again", "_selected_action": [given_up.pk, not_sent.pk]},
        follow=True,
    )

    text = visible_text(response)
    assert "1 delivery will be sent again now" in text
    assert (
        "1 delivery was left as it was: being sent at this moment, or for an endpoint that is "
        "turned off (turn it on first)." in text
    )
    send_due()
    given_up.refresh_from_db()
    assert (given_up.status, given_up.attempts) == (Status.SENT, 31)
    assert len(receiver.requests) == 1
    not_sent.refresh_from_db()
    assert not_sent.status == Status.GAVE_UP


def test_an_editor_sends_a_test_ping_from_the_list_or_the_endpoint_page(editor_client, receiver):
    endpoint = make_endpoint(receiver.url, name="Partner")

    response = editor_client.post(
        ENDPOINTS, {"action": "send_ping", "_selected_action": [endpoint.pk]}, follow=True
    )
    assert "A test ping is on its way to 1 endpoint" in visible_text(response)
    ping_page = f"{ENDPOINTS}{endpoint.pk}/ping/"
    assert "Send a test ping" in visible_text(editor_client.get(ping_page))
    response = editor_client.post(ping_page, follow=True)
    assert "A test ping is on its way" in visible_text(response)

    send_due()

    assert [request.document["kind"] for request in receiver.requests] == ["ping", "ping"]
    assert list(endpoint.deliveries.values_list("status", flat=True)) == [Status.SENT] * 2


def test_deleting_an_endpoint_takes_its_deliveries(editor_client):
    endpoint = make_endpoint(PUBLIC_URL)
    delivered(endpoint, Status.SENT)
    delete = f"{ENDPOINTS}{endpoint.pk}/delete/"

    assert "Webhook delivery" in visible_text(editor_client.get(delete))
    assert editor_client.post(delete, {"post": "yes"}).status_code == 302

    assert not Endpoint.objects.exists() and not WebhookDelivery.objects.exists()


def test_a_failing_endpoint_says_so_and_when_it_will_be_turned_off(editor_client):
    endpoint = make_endpoint(PUBLIC_URL, name="Flaky")
    Endpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=4, failing_since=timezone.now() - timedelta(hours=3)
    )

    text = visible_text(editor_client.get(change_url(endpoint)))
    assert "4 attempts in a row failed" in text
    assert "turned off when no delivery to it has succeeded for 24 hours" in text
    listed = visible_text(editor_client.get(f"{ENDPOINTS}?status=failing"))
    assert "Flaky" in listed and "Failing (4 in a row)" in listed


def test_an_edit_keeps_the_address_rules(editor_client, settings):
    settings.BRIEFS_WEBHOOKS_ALLOW_LOOPBACK = False
    endpoint = make_endpoint(PUBLIC_URL)
    fields = form_fields(editor_client.get(change_url(endpoint)), "endpoint_form")
    fields["url"] = ["http://192.168.1.20/hook"]

    response = editor_client.post(change_url(endpoint), fields)

    assert "192.168.1.20 is a private network address" in visible_text(response)
    endpoint.refresh_from_db()
    assert endpoint.url == PUBLIC_URL


def test_a_new_address_starts_with_no_failures_held_against_it(editor_client, dns):
    dns["new.example.org"] = ["93.184.215.15"]
    endpoint = make_endpoint(PUBLIC_URL)
    Endpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=12, failing_since=timezone.now() - timedelta(hours=20)
    )
    fields = form_fields(editor_client.get(change_url(endpoint)), "endpoint_form")
    fields["url"] = ["https://new.example.org/briefs"]

    assert editor_client.post(change_url(endpoint), fields).status_code == 302

    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.consecutive_failures, endpoint.failing_since) == (
        "https://new.example.org/briefs",
        0,
        None,
    )
