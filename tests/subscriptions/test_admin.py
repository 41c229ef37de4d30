"""Subscriptions in the admin (issue 13): editors look after readers' subscriptions and follow the
mail going out; analysts never see an address; a reader's data is exported or erased on request,
and the admin's history never keeps the address."""

import json
from datetime import timedelta

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.utils import timezone

from briefs.models import Brief
from events.models import Event, Kind
from subscriptions.admin import brief_mail_panel
from subscriptions.models import Delivery, Mailing, MailSettings, Subscriber
from tests.factories import (
    BriefFactory,
    ExpertFactory,
    IssueFactory,
    SubscriberFactory,
    UserFactory,
)
from tests.pages import elements, form_fields, visible_text

pytestmark = pytest.mark.django_db

SUBSCRIBERS = "/admin/subscriptions/subscriber/"
COUNTS = "/admin/subscriptions/subscriber/by-issue/"
DELIVERIES = "/admin/subscriptions/delivery/"
MAILINGS = "/admin/subscriptions/mailing/"
MAIL_SETTINGS = "/admin/subscriptions/mailsettings/"


def change_url(subscriber):
    return f"{SUBSCRIBERS}{subscriber.pk}/change/"


def mailed(brief, *deliveries, now=None):
    """A brief's mailing, with a delivery per (subscriber, status) pair."""
    now = now or timezone.now()
    mailing = Mailing.objects.create(
        brief=brief, became_public_at=now, decision=Mailing.Decision.SEND
    )
    for subscriber, status in deliveries:
        Delivery.objects.create(
            subscriber=subscriber,
            kind=Delivery.Kind.BRIEF,
            mailing=mailing,
            status=status,
            sent_at=now if status == Delivery.Status.SENT else None,
            last_error="550 No such mailbox" if status == Delivery.Status.BOUNCED else "",
        )
    return mailing


def log_entries_naming(address):
    return LogEntry.objects.filter(object_repr__icontains=address) | LogEntry.objects.filter(
        change_message__icontains=address
    )


def test_editors_hold_the_subscription_permissions_and_analysts_none_after_migrate():
    """The test database is made by `migrate` from nothing, as a new site's is."""
    editors = Group.objects.get(name="Editors").permissions.filter(
        content_type__app_label="subscriptions"
    )
    assert set(editors.values_list("codename", flat=True)) == {
        "view_subscriber",
        "change_subscriber",
        "delete_subscriber",
        "view_mailing",
        "view_delivery",
        "view_mailsettings",
        "change_mailsettings",
    }
    analysts = Group.objects.get(name="Analysts").permissions
    assert not analysts.filter(content_type__app_label="subscriptions").exists()


def test_editor_sees_subscribers_and_what_they_follow_in_short(editor_client):
    issues = IssueFactory.create_batch(3)
    SubscriberFactory(email="all@example.org")
    SubscriberFactory(
        email="some@example.org", everything=False, issues=issues, experts=[ExpertFactory()]
    )
    SubscriberFactory(email="new@example.org", status=Subscriber.Status.PENDING, everything=False)

    text = visible_text(editor_client.get(SUBSCRIBERS))

    assert "all@example.org Subscribed Each brief Everything" in text
    assert "some@example.org Subscribed Each brief 3 issues, 1 expert" in text
    assert "new@example.org Waiting for confirmation" in text
    assert "Nothing yet" in text


def test_subscribers_are_found_by_address_and_filtered_by_what_they_follow(editor_client):
    iran, russia = IssueFactory(name="Iran"), IssueFactory(name="Russia")
    hardie = ExpertFactory(name="John Hardie")
    SubscriberFactory(email="iran@example.org", everything=False, issues=[iran])
    SubscriberFactory(email="russia@example.org", everything=False, issues=[russia])
    SubscriberFactory(email="hardie@example.org", everything=False, experts=[hardie])
    SubscriberFactory(email="all@example.org")

    def listed(query):
        text = visible_text(editor_client.get(f"{SUBSCRIBERS}?{query}"))
        return {address for address in text.split() if address.endswith("@example.org")}

    assert listed("q=russia") == {"russia@example.org"}
    assert listed("issue=iran") == {"iran@example.org"}
    assert listed("expert=john-hardie") == {"hardie@example.org"}
    assert listed("everything__exact=1") == {"all@example.org"}


def test_counts_page_counts_active_followers_per_issue_in_a_fixed_number_of_queries(
    editor_client, django_assert_max_num_queries
):
    iran, russia, quiet = (IssueFactory(name=name) for name in ("Iran", "Russia", "Quiet"))
    IssueFactory.create_batch(20)
    hardie = ExpertFactory(name="John Hardie")
    SubscriberFactory.create_batch(2, everything=False, issues=[iran, russia])
    SubscriberFactory(everything=False, issues=[iran], frequency=Subscriber.Frequency.DAILY)
    SubscriberFactory(everything=False, experts=[hardie])
    SubscriberFactory.create_batch(3)  # everything
    SubscriberFactory(everything=True, frequency=Subscriber.Frequency.DAILY)
    # Not counted under issues: they get no mail.
    SubscriberFactory(everything=False, issues=[iran], status=Subscriber.Status.PAUSED)
    SubscriberFactory(everything=False, issues=[quiet], status=Subscriber.Status.BOUNCED)
    SubscriberFactory(status=Subscriber.Status.PENDING, everything=False, confirmed_at=None)

    # Four to sign in (session, user, permissions) and five for the counts, however many
    # issues, experts and subscribers.
    with django_assert_max_num_queries(9):
        response = editor_client.get(COUNTS)

    text = visible_text(response)
    assert "Subscribed 8" in text
    assert "Paused 1" in text and "Bounced 1" in text and "Waiting for confirmation 1" in text
    assert "In all 11" in text
    # Each brief, daily digest, in all.
    assert "Everything 3 1 4" in text
    assert "Iran 2 1 3" in text
    assert "Russia 2 0 2" in text
    assert "Quiet 0 0 0" in text
    assert "John Hardie 1 0 1" in text
    assert text.index("Iran 2 1 3") < text.index("Russia 2 0 2") < text.index("Quiet 0 0 0")


def test_counts_page_is_linked_from_the_subscribers_list(editor_client):
    links = [a.get("href") for a in elements(editor_client.get(SUBSCRIBERS), "a")]
    assert COUNTS in links


def test_export_downloads_the_subscribers_data_with_every_delivery(editor_client):
    iran = IssueFactory(name="Iran")
    hardie = ExpertFactory(name="John Hardie")
    subscriber = SubscriberFactory(
        email="reader@example.org", everything=False, issues=[iran], experts=[hardie]
    )
    mailed(BriefFactory(title="Tankers go dark"), (subscriber, Delivery.Status.SENT))
    mailed(BriefFactory(title="Drones at sea"), (subscriber, Delivery.Status.BOUNCED))

    response = editor_client.get(f"{SUBSCRIBERS}{subscriber.pk}/export/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="subscriber-{subscriber.pk}.json"'
    data = json.loads(response.content)
    assert data["email"] == "reader@example.org"
    assert data["status"] == "active"
    assert data["confirmed_at"]
    assert data["issues"] == [{"name": "Iran", "slug": "iran"}]
    assert data["experts"] == [{"name": "John Hardie", "slug": "john-hardie"}]
    assert [(d["kind"], d["brief"], d["status"]) for d in data["deliveries"]] == [
        ("brief", "Tankers go dark", "sent"),
        ("brief", "Drones at sea", "bounced"),
    ]
    assert data["deliveries"][0]["sent_at"]
    assert data["deliveries"][1]["last_error"] == "550 No such mailbox"


def test_the_admin_history_names_a_subscriber_by_number_never_by_address(editor_client):
    subscriber = SubscriberFactory(email="private@example.org")
    page = editor_client.get(change_url(subscriber))
    data = form_fields(page, "subscriber_form")
    data["status"] = [Subscriber.Status.PAUSED]
    assert editor_client.post(change_url(subscriber), data).status_code == 302

    response = editor_client.post(f"{SUBSCRIBERS}{subscriber.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Subscriber.objects.exists()
    entries = LogEntry.objects.filter(object_id=str(subscriber.pk))
    assert {entry.object_repr for entry in entries} == {f"Subscriber #{subscriber.pk}"}
    assert entries.count() == 2
    assert not log_entries_naming("private@example.org").exists()


def test_erasing_a_subscriber_removes_them_their_deliveries_and_their_address_from_history(
    editor_client, editor
):
    subscriber = SubscriberFactory(email="forget-me@example.org")
    kept = SubscriberFactory(email="stays@example.org")
    mailed(BriefFactory(), (subscriber, Delivery.Status.SENT), (kept, Delivery.Status.SENT))
    # An entry written as Django writes them by default, naming the address.
    LogEntry.objects.create(
        user=editor,
        content_type=ContentType.objects.get_for_model(Subscriber),
        object_id=str(subscriber.pk),
        object_repr="forget-me@example.org",
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Status"]}}]',
    )
    erase_url = f"{SUBSCRIBERS}{subscriber.pk}/erase/"

    confirmation = visible_text(editor_client.get(erase_url))
    assert "Erase forget-me@example.org (subscriber #" in confirmation
    assert "its 1 delivery" in confirmation
    response = editor_client.post(erase_url)

    assert response.status_code == 302
    assert list(Subscriber.objects.all()) == [kept]
    assert list(Delivery.objects.values_list("subscriber", flat=True)) == [kept.pk]
    assert not log_entries_naming("forget-me@example.org").exists()
    erased = LogEntry.objects.filter(object_id=str(subscriber.pk)).order_by("-pk").first()
    assert erased.get_change_message() == f"Erased subscriber #{subscriber.pk} on request"
    assert erased.user == editor


def test_the_email_of_a_subscriber_cannot_be_changed(editor_client):
    subscriber = SubscriberFactory(email="reader@example.org")
    page = editor_client.get(change_url(subscriber))
    data = form_fields(page, "subscriber_form")
    assert "email" not in data
    data["email"] = ["someone-else@example.org"]

    editor_client.post(change_url(subscriber), data)

    subscriber.refresh_from_db()
    assert subscriber.email == "reader@example.org"


def test_the_change_page_shows_choices_dates_and_deliveries(editor_client):
    iran = IssueFactory(name="Iran")
    subscriber = SubscriberFactory(everything=False, issues=[iran])
    mailed(BriefFactory(title="Tankers go dark"), (subscriber, Delivery.Status.SENT))

    page = editor_client.get(change_url(subscriber))

    text = visible_text(page)
    assert "Deliveries" in text and "Tankers go dark Sent" in text
    assert "Confirmed at" in text
    assert str(iran.pk) in form_fields(page, "subscriber_form")["issues"]
    links = [a.get("href") for a in elements(page, "a")]
    assert f"{SUBSCRIBERS}{subscriber.pk}/export/" in links
    assert f"{SUBSCRIBERS}{subscriber.pk}/erase/" in links


def test_an_editor_clears_a_bounce_back_to_subscribed(editor_client):
    subscriber = SubscriberFactory(
        status=Subscriber.Status.BOUNCED,
        left_at=timezone.now(),
        bounce_reason="552 Mailbox full",
    )
    data = form_fields(editor_client.get(change_url(subscriber)), "subscriber_form")
    data["status"] = [Subscriber.Status.ACTIVE]

    assert editor_client.post(change_url(subscriber), data).status_code == 302

    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE
    assert subscriber.left_at is None and subscriber.bounce_reason == ""


def test_an_editor_cannot_subscribe_a_reader_who_has_not_confirmed(editor_client):
    subscriber = SubscriberFactory(
        status=Subscriber.Status.PENDING, everything=False, confirmed_at=None
    )
    page = editor_client.get(change_url(subscriber))
    options = [o["value"] for o in elements(page, "option") if o.get("value") in Subscriber.Status]
    assert options == [Subscriber.Status.PENDING]
    data = form_fields(page, "subscriber_form")
    data["status"] = [Subscriber.Status.ACTIVE]

    response = editor_client.post(change_url(subscriber), data)

    assert response.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PENDING


def test_unsubscribing_a_reader_in_the_admin_stops_their_queued_mail(editor_client):
    subscriber = SubscriberFactory()
    mailed(BriefFactory(), (subscriber, Delivery.Status.QUEUED))
    data = form_fields(editor_client.get(change_url(subscriber)), "subscriber_form")
    data["status"] = [Subscriber.Status.UNSUBSCRIBED]

    editor_client.post(change_url(subscriber), data)

    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED and subscriber.left_at
    assert subscriber.deliveries.get().status == Delivery.Status.CANCELLED


def test_nobody_adds_a_subscriber_in_the_admin(editor_client):
    assert editor_client.get(f"{SUBSCRIBERS}add/").status_code == 403


@pytest.mark.parametrize(
    "url",
    [SUBSCRIBERS, COUNTS, DELIVERIES, MAILINGS, MAIL_SETTINGS, "{subscriber}/export/",
     "{subscriber}/change/", "{subscriber}/erase/"],
)  # fmt: skip
def test_analysts_get_no_subscriber_or_delivery_admin(analyst_client, url):
    subscriber = SubscriberFactory()
    url = url.format(subscriber=f"{SUBSCRIBERS}{subscriber.pk}")
    assert analyst_client.get(url).status_code == 403


def test_analysts_see_a_briefs_mail_in_counts_and_no_address(analyst_client):
    brief = BriefFactory()
    readers = SubscriberFactory.create_batch(3)
    mailed(
        brief,
        (readers[0], Delivery.Status.SENT),
        (readers[1], Delivery.Status.SENT),
        (readers[2], Delivery.Status.FAILED),
    )

    page = analyst_client.get(f"/admin/briefs/brief/{brief.pk}/change/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Queued Sent Failed Bounced Not sent 0 2 1 0 0" in visible_text(page)
    assert "@example.org" not in html
    assert DELIVERIES not in html


def test_the_brief_panel_shows_the_mailing_to_editors_with_a_link_to_its_deliveries(
    editor_client,
):
    brief = BriefFactory()
    readers = SubscriberFactory.create_batch(4)
    mailing = mailed(
        brief,
        (readers[0], Delivery.Status.SENT),
        (readers[1], Delivery.Status.QUEUED),
        (readers[2], Delivery.Status.BOUNCED),
        (readers[3], Delivery.Status.CANCELLED),
    )

    page = editor_client.get(f"/admin/briefs/brief/{brief.pk}/change/")

    text = visible_text(page)
    assert "Email Mailed to subscribers; it became public" in text
    assert "Queued Sent Failed Bounced Not sent 1 1 0 1 1" in text
    assert "First sent:" in text and "not yet" not in text
    links = [a.get("href") for a in elements(page, "a")]
    assert f"{DELIVERIES}?mailing__id__exact={mailing.pk}" in links


@pytest.mark.parametrize(
    ("fields", "note"),
    [
        ({"status": Brief.Status.DRAFT, "publish_at": None},
         "Not mailed yet: goes out when it is published."),
        ({"status": Brief.Status.DRAFT, "publish_at": None, "mail_to_subscribers": False},
         "Not for email: it will not be mailed when it is published."),
        ({"publish_at": timezone.now() + timedelta(days=2)},
         "Not mailed yet: goes out when it is published. Scheduled for"),
    ],
)  # fmt: skip
def test_the_brief_panel_says_when_a_brief_will_be_mailed(editor_client, fields, note):
    brief = BriefFactory(**fields)
    text = visible_text(editor_client.get(f"/admin/briefs/brief/{brief.pk}/change/"))
    assert f"Email {note}" in text


def test_the_brief_panel_tells_a_publication_still_being_handed_over_from_one_never_mailed(
    editor_client,
):
    handed_over, earlier = BriefFactory(), BriefFactory()
    Event.objects.create(kind=Kind.BRIEF_PUBLISHED, subject=f"brief:{handed_over.pk}", payload={})

    def panel(brief):
        return visible_text(editor_client.get(f"/admin/briefs/brief/{brief.pk}/change/"))

    assert "Email Going out: the worker is handing its publication to the mailer." in panel(
        handed_over
    )
    assert "Email Not mailed: no mailing was made when it became public" in panel(earlier)


def test_the_brief_panel_counts_in_one_query(django_assert_num_queries):
    brief = BriefFactory()
    mailed(brief, *((reader, Delivery.Status.SENT) for reader in SubscriberFactory.create_batch(5)))
    request = RequestFactory().get("/")
    request.user = UserFactory(is_superuser=True)

    with django_assert_num_queries(1):
        html = brief_mail_panel(request, brief)

    assert "<td>5</td>" in html


def test_the_mailing_list_counts_each_mailings_deliveries(editor_client):
    reader, other = SubscriberFactory.create_batch(2)
    mailed(
        BriefFactory(title="Tankers go dark"),
        (reader, Delivery.Status.SENT),
        (other, Delivery.Status.FAILED),
    )

    text = visible_text(editor_client.get(MAILINGS))

    assert "Tankers go dark Mailed to subscribers 1 sent, 1 failed" in text


def test_delivery_problems_are_listed_apart(editor_client):
    fine, failing, bouncing = (
        SubscriberFactory(email=f"{name}@example.org") for name in ("fine", "failing", "bouncing")
    )
    mailed(
        BriefFactory(),
        (fine, Delivery.Status.SENT),
        (failing, Delivery.Status.FAILED),
        (bouncing, Delivery.Status.BOUNCED),
    )

    text = visible_text(editor_client.get(f"{DELIVERIES}?status=problems"))

    assert "failing@example.org" in text and "bouncing@example.org" in text
    assert "fine@example.org" not in text


def test_mail_settings_are_one_row_that_editors_change(editor_client):
    response = editor_client.get(MAIL_SETTINGS)
    settings_row = MailSettings.current()
    assert response.status_code == 302
    assert response["Location"] == f"{MAIL_SETTINGS}{settings_row.pk}/change/"
    assert editor_client.get(f"{MAIL_SETTINGS}add/").status_code == 403
    assert editor_client.get(f"{MAIL_SETTINGS}{settings_row.pk}/delete/").status_code == 403

    editor_client.post(f"{MAIL_SETTINGS}{settings_row.pk}/change/", {"digest_time": "06:30"})

    assert MailSettings.objects.get().digest_time.strftime("%H:%M") == "06:30"
