"""Subscribing from the public pages: the contract (product.md, "Subscriptions"), the same
answer whatever the address, bots and floods dropped without a word, confirming, the
preferences page and one-click unsubscribe (RFC 8058), and the subscribe box of the public
pages (issue 13).

A queued confirmation Delivery is a confirmation mailed, as far as these pages go
(test_delivery.py sends mail). The clock is moved with time_machine, never waited for.
"""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from subscriptions import links
from subscriptions.delivery import send_queued
from subscriptions.forms import started_value
from subscriptions.models import Delivery, Subscriber
from tests.factories import (
    BriefFactory,
    ExpertFactory,
    ExpertQuoteFactory,
    IssueFactory,
    SubscriberFactory,
)
from tests.pages import elements, form_fields, visible_text

pytestmark = pytest.mark.django_db

CHECK_YOUR_INBOX = "/subscribe/check-your-inbox/"


@pytest.fixture
def iran(db):
    """An issue with a public brief, so one the pages offer."""
    issue = IssueFactory(name="Iran")
    BriefFactory(issues=[issue])
    return issue


@pytest.fixture
def expert(db):
    expert = ExpertFactory(name="Jane Example")
    ExpertQuoteFactory(expert=expert)
    return expert


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def subscribe(client, **fields):
    return client.post("/subscribe/", {"email": "reader@example.org", "all": "1", **fields})


def confirmations(email="reader@example.org"):
    return Delivery.objects.filter(kind=Delivery.Kind.CONFIRMATION, subscriber__email=email)


def path_of(url):
    return urlsplit(url).path


def confirm_path(email="reader@example.org"):
    return path_of(confirmations(email).get().payload["confirm_url"])


def inputs(response, **attrs):
    return [
        element
        for element in elements(response, "input")
        if all(element.get(name) == value for name, value in attrs.items())
    ]


def is_checked(response, name, value):
    (box,) = inputs(response, name=name, value=value)
    return "checked" in box


# The contract


def test_a_subscription_is_asked_for_then_confirmed_by_the_mailed_link(
    client, settings, iran, expert, mailoutbox
):
    response = client.post(
        "/subscribe/",
        {
            "email": "Reader@Example.org",
            "issue": "iran",
            "expert": "jane-example",
            "frequency": "daily",
        },
    )

    assert response.status_code == 303
    assert response["Location"] == CHECK_YOUR_INBOX
    # One mail, the confirmation, and nothing else before its link is followed.
    assert Delivery.objects.count() == 1
    delivery = confirmations().get()
    assert delivery.status == Delivery.Status.QUEUED
    confirm_url = delivery.payload["confirm_url"]
    assert confirm_url.startswith(f"{settings.SITE_URL}/subscribe/confirm/")
    subscriber = Subscriber.objects.get()
    assert subscriber.status == Subscriber.Status.PENDING
    assert send_queued() == 1
    assert [message.to for message in mailoutbox] == [["reader@example.org"]]

    confirmed = client.get(path_of(confirm_url))

    assert confirmed.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE
    assert subscriber.frequency == Subscriber.Frequency.DAILY
    assert list(subscriber.issues.all()) == [iran]
    assert list(subscriber.experts.all()) == [expert]
    text = visible_text(confirmed)
    assert "You are subscribed" in text
    assert "Iran" in text and "Jane Example" in text and "a daily digest" in text
    preferences = path_of(links.preferences_url(subscriber))
    assert any(path_of(link["href"]) == preferences for link in elements(confirmed, "a"))


def test_the_check_your_inbox_page_says_what_comes_next(client):
    response = client.get(subscribe(client)["Location"])
    assert response.status_code == 200
    assert "Check your inbox" in visible_text(response)


def test_everything_is_the_default_frequency_each_brief(client):
    subscribe(client)
    client.get(confirm_path())
    subscriber = Subscriber.objects.get()
    assert subscriber.everything
    assert subscriber.frequency == Subscriber.Frequency.INSTANT


@pytest.mark.parametrize(
    "standing",
    [
        None,
        Subscriber.Status.PENDING,
        Subscriber.Status.ACTIVE,
        Subscriber.Status.PAUSED,
        Subscriber.Status.UNSUBSCRIBED,
        Subscriber.Status.BOUNCED,
    ],
)
def test_the_answer_is_the_same_whatever_the_address(client, clock, standing):
    if standing:
        SubscriberFactory(email="known@example.org", status=standing)
    answer = subscribe(client, email="known@example.org")
    stranger = subscribe(client, email="never-seen@example.org")
    for response in (answer, stranger):
        assert response.status_code == 303
        assert response["Location"] == CHECK_YOUR_INBOX
    assert answer.content == stranger.content
    assert dict(answer.headers) == dict(stranger.headers)
    assert not answer.cookies and not stranger.cookies


def test_a_bounced_address_is_never_sent_a_confirmation(client):
    SubscriberFactory(email="reader@example.org", status=Subscriber.Status.BOUNCED)
    assert subscribe(client)["Location"] == CHECK_YOUR_INBOX
    assert not confirmations().exists()


def test_an_address_is_sent_at_most_one_confirmation_an_hour(client, clock):
    subscribe(client)
    clock.shift(timedelta(minutes=59))
    assert subscribe(client)["Location"] == CHECK_YOUR_INBOX
    assert confirmations().count() == 1
    clock.shift(timedelta(minutes=2))
    subscribe(client)
    assert confirmations().count() == 2


def test_a_confirmation_link_expires_after_48_hours_and_offers_the_form_again(client, clock):
    subscribe(client)
    clock.shift(timedelta(hours=49))

    response = client.get(confirm_path())

    assert response.status_code == 410
    assert "This link has expired" in visible_text(response)
    assert form_fields(response, "subscribe-form")
    assert Subscriber.objects.get().status == Subscriber.Status.PENDING


@pytest.mark.parametrize("token", ["not-a-token", "eyJzIjoxfQ:1tZ:forged"])
def test_a_confirmation_link_that_is_not_ours_is_refused(client, token):
    response = client.get(f"/subscribe/confirm/{token}/")
    assert response.status_code == 404
    assert "This link is not valid" in visible_text(response)


# Bots and floods: answered as a success, and nothing sent


def test_a_filled_in_trap_is_answered_as_a_success_and_sends_nothing(client, clock):
    response = subscribe(client, website="https://spam.example")
    assert not Delivery.objects.exists()
    success = subscribe(client, email="person@example.org")
    assert confirmations("person@example.org").exists()
    assert (response.status_code, response.content) == (success.status_code, success.content)
    assert dict(response.headers) == dict(success.headers)


def test_a_form_sent_sooner_than_a_person_could_sends_nothing(client, clock):
    started = started_value()
    clock.shift(timedelta(seconds=2))
    assert subscribe(client, started=started)["Location"] == CHECK_YOUR_INBOX
    assert not Delivery.objects.exists()
    clock.shift(timedelta(seconds=1))
    subscribe(client, started=started)
    assert confirmations().count() == 1


@pytest.mark.parametrize("started", ["", "1700000000", "MTcwMDAwMDAwMA:forged"])
def test_a_tampered_form_moment_sends_nothing(client, clock, started):
    clock.shift(timedelta(minutes=5))
    assert subscribe(client, started=started)["Location"] == CHECK_YOUR_INBOX
    assert not Delivery.objects.exists()


def test_a_form_moment_from_a_page_kept_for_a_day_is_fine(client, clock):
    started = started_value()
    clock.shift(timedelta(days=1))
    subscribe(client, started=started)
    assert confirmations().count() == 1


def test_more_than_20_requests_an_hour_from_one_client_are_dropped(client, clock):
    def ask(number, address="203.0.113.7"):
        response = client.post(
            "/subscribe/",
            {"email": f"reader{number}@example.org", "all": "1"},
            REMOTE_ADDR=address,
        )
        assert response.status_code == 303 and response["Location"] == CHECK_YOUR_INBOX

    for number in range(21):
        ask(number)
    assert Delivery.objects.count() == 20
    assert not confirmations("reader20@example.org").exists()
    ask(21, address="198.51.100.4")
    assert confirmations("reader21@example.org").exists()
    clock.shift(timedelta(minutes=61))
    ask(22)
    assert confirmations("reader22@example.org").exists()


# Bad input: the form again, saying what is wrong, with what was right kept


def test_a_bad_address_is_refused_with_the_choices_kept(client, iran, expert):
    response = client.post(
        "/subscribe/",
        {
            "email": "not an address",
            "issue": "iran",
            "expert": "jane-example",
            "frequency": "daily",
        },
    )
    assert response.status_code == 400
    assert "Enter a whole email address" in visible_text(response)
    assert inputs(response, name="email")[0]["value"] == "not an address"
    assert is_checked(response, "issue", "iran")
    assert is_checked(response, "expert", "jane-example")
    assert is_checked(response, "frequency", "daily")
    assert not is_checked(response, "all", "1")
    assert not Delivery.objects.exists()


def test_choosing_nothing_is_refused(client, iran):
    response = client.post("/subscribe/", {"email": "reader@example.org"})
    assert response.status_code == 400
    assert "Choose everything, or at least one issue or expert." in visible_text(response)
    assert inputs(response, name="email")[0]["value"] == "reader@example.org"
    assert not Subscriber.objects.exists()


def test_unknown_issues_and_experts_are_named(client, iran):
    response = client.post(
        "/subscribe/",
        {
            "email": "reader@example.org",
            "issue": ["iran", "atlantis", "el-dorado", "iran\x00"],
            "expert": "nobody-at-all",
        },
    )
    assert response.status_code == 400
    text = visible_text(response)
    assert "We have no issue called “atlantis”, “el-dorado”, “iran\x00”." in text
    assert "We have no expert called “nobody-at-all”." in text
    assert is_checked(response, "issue", "iran")
    assert not Subscriber.objects.exists()


def test_a_frequency_that_is_not_offered_is_refused(client):
    response = subscribe(client, frequency="hourly")
    assert response.status_code == 400
    assert "Choose each brief or a daily digest." in visible_text(response)


def test_all_0_does_not_ask_for_everything(client):
    assert subscribe(client, all="0").status_code == 400


def test_an_issue_without_a_public_brief_yet_may_be_followed(client):
    IssueFactory(name="Arctic")
    assert subscribe(client, all="", issue="arctic").status_code == 303
    client.get(confirm_path())
    assert [issue.slug for issue in Subscriber.objects.get().issues.all()] == ["arctic"]


def test_the_subscribe_page_offers_every_public_issue_and_expert(client, iran, expert):
    IssueFactory(name="Unpublished Matter")
    response = client.get("/subscribe/")
    assert response.status_code == 200
    assert [box["value"] for box in inputs(response, name="issue")] == ["iran"]
    assert [box["value"] for box in inputs(response, name="expert")] == ["jane-example"]
    assert {box["value"] for box in inputs(response, name="frequency")} == {"instant", "daily"}
    assert is_checked(response, "frequency", "instant")


# Preferences


def preferences_path(subscriber):
    return path_of(links.preferences_url(subscriber))


def test_preferences_show_the_address_and_save_new_choices(client, iran, expert):
    subscriber = SubscriberFactory(email="reader@example.org", everything=True)
    page = client.get(preferences_path(subscriber))
    assert page.status_code == 200
    assert "reader@example.org" in visible_text(page)
    assert is_checked(page, "all", "1")

    saved = client.post(
        preferences_path(subscriber),
        {"issue": "iran", "expert": "jane-example", "frequency": "daily"},
    )

    assert saved.status_code == 200
    assert "Your choices are saved" in visible_text(saved)
    assert is_checked(saved, "issue", "iran") and not is_checked(saved, "all", "1")
    subscriber.refresh_from_db()
    assert not subscriber.everything
    assert subscriber.frequency == Subscriber.Frequency.DAILY
    assert list(subscriber.issues.all()) == [iran]
    assert list(subscriber.experts.all()) == [expert]


def test_preferences_pause_and_resume(client):
    subscriber = SubscriberFactory()
    client.post(preferences_path(subscriber), {"all": "1", "paused": "1"})
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.PAUSED
    assert not Subscriber.objects.receiving(Subscriber.Frequency.INSTANT).exists()
    page = client.post(preferences_path(subscriber), {"all": "1"})
    assert not is_checked(page, "paused", "1")
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE


def test_preferences_refuse_choosing_nothing(client):
    subscriber = SubscriberFactory()
    response = client.post(preferences_path(subscriber), {"frequency": "daily"})
    assert response.status_code == 400
    assert "Choose everything, or at least one issue or expert." in visible_text(response)
    subscriber.refresh_from_db()
    assert subscriber.everything and subscriber.frequency == Subscriber.Frequency.INSTANT


def test_preferences_keep_the_csrf_check(db):
    subscriber = SubscriberFactory()
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(preferences_path(subscriber), {"frequency": "daily"}).status_code == 403


def test_leaving_from_the_preferences_page(client):
    subscriber = SubscriberFactory()
    page = client.get(preferences_path(subscriber))
    (button,) = [button for button in elements(page, "button") if button.get("name") == "leave"]
    # What a browser sends: the form's fields and the button pressed.
    pressed = {**form_fields(page, "leave-form"), button["name"]: button["value"]}
    response = client.post(preferences_path(subscriber), pressed)
    assert response.status_code == 200
    assert "You are unsubscribed" in visible_text(response)
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED


def test_a_preferences_link_that_is_not_ours_is_refused(client):
    subscriber = SubscriberFactory()
    token = preferences_path(subscriber).split("/")[-2]
    unsubscribe_token = unsubscribe_path(subscriber).split("/")[-2]
    for forged in ("nonsense", token[:-3] + "abc", unsubscribe_token):
        response = client.get(f"/subscribe/preferences/{forged}/")
        assert response.status_code == 404, forged
        assert "This link is not valid" in visible_text(response)


# One-click unsubscribe (RFC 8058)


def unsubscribe_path(subscriber):
    return path_of(links.unsubscribe_url(subscriber))


def test_one_click_unsubscribes_with_no_session_and_no_csrf_token(db):
    subscriber = SubscriberFactory()
    queued = Delivery.objects.create(subscriber=subscriber, kind=Delivery.Kind.DIGEST)
    mail_client = Client(enforce_csrf_checks=True)

    response = mail_client.post(
        unsubscribe_path(subscriber),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )

    assert response.status_code == 200
    assert "You are unsubscribed" in visible_text(response)
    assert any(path_of(link["href"]) == "/subscribe/" for link in elements(response, "a"))
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED
    queued.refresh_from_db()
    assert queued.status == Delivery.Status.CANCELLED
    # Nothing more: an unsubscribed reader is not among those mail goes to.
    for frequency in Subscriber.Frequency.values:
        assert not Subscriber.objects.receiving(frequency).exists()


def test_a_get_of_the_unsubscribe_link_only_offers_the_button(client):
    subscriber = SubscriberFactory()
    page = client.get(unsubscribe_path(subscriber))
    assert page.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE
    # The page's button sends what a mail client sends.
    assert form_fields(page, "unsubscribe-form") == {}
    (button,) = [b for b in elements(page, "button") if b.get("name") == "List-Unsubscribe"]
    assert button["value"] == "One-Click"
    Client(enforce_csrf_checks=True).post(
        unsubscribe_path(subscriber), {"List-Unsubscribe": "One-Click"}
    )
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.UNSUBSCRIBED


def test_unsubscribing_a_bounced_address_keeps_it_bounced(client):
    subscriber = SubscriberFactory(status=Subscriber.Status.BOUNCED)
    assert client.post(unsubscribe_path(subscriber)).status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.BOUNCED


def test_an_unsubscribe_link_that_is_not_ours_is_refused(client):
    subscriber = SubscriberFactory()
    assert client.post("/subscribe/unsubscribe/nonsense/").status_code == 404
    wrong_kind = path_of(links.preferences_url(subscriber)).replace(
        "/preferences/", "/unsubscribe/"
    )
    assert client.post(wrong_kind).status_code == 404
    subscriber.refresh_from_db()
    assert subscriber.status == Subscriber.Status.ACTIVE


# None of these pages is kept, and the ones reached from mail are not indexed


def test_no_page_of_subscribing_is_kept_anywhere(client):
    subscriber = SubscriberFactory()
    subscribe(client, email="other@example.org")
    pages = {
        "/subscribe/": False,
        CHECK_YOUR_INBOX: True,
        confirm_path("other@example.org"): True,
        preferences_path(subscriber): True,
        unsubscribe_path(subscriber): True,
    }
    for path, noindex in pages.items():
        response = client.get(path)
        assert response.status_code == 200, path
        cache_control = response["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control, path
        assert ("noindex" in response.get("X-Robots-Tag", "")) == noindex, path
    assert not [key for key in caches["default"]._cache if "briefs:page:" in key]


# The subscribe box of the public pages


def box(response):
    return form_fields(response, "subscribe-box-form")


@pytest.fixture
def brief(iran, expert):
    brief = BriefFactory(title="Drones over the Sea", issues=[iran, "Russia"])
    ExpertQuoteFactory(brief=brief, expert=expert)
    return brief


def test_the_front_page_box_asks_for_everything(client, brief):
    response = client.get("/")
    fields = box(response)
    assert fields["all"] == ["1"] and "issue" not in fields
    assert fields["frequency"] == ["instant"]
    assert "We'll send a link to confirm. Unsubscribe any time." in visible_text(response)


def test_a_brief_page_box_ticks_its_issues_and_offers_everything_instead(client, brief):
    response = client.get(brief.get_absolute_url())
    fields = box(response)
    assert sorted(fields["issue"]) == ["iran", "russia"]
    assert "all" not in fields
    assert is_checked(response, "issue", "iran") and not is_checked(response, "all", "1")
    assert "Everything instead" in visible_text(response)


def test_an_issue_page_box_ticks_the_issue(client, brief):
    fields = box(client.get("/issues/iran/"))
    assert fields["issue"] == ["iran"] and "all" not in fields


def test_an_expert_page_box_ticks_the_expert(client, brief):
    fields = box(client.get("/experts/jane-example/"))
    assert fields["expert"] == ["jane-example"] and "all" not in fields


@pytest.mark.parametrize("address", ["/", "brief", "/issues/iran/", "/experts/jane-example/"])
def test_the_box_posts_to_subscribe_without_a_token_and_works(client, clock, brief, address):
    url = brief.get_absolute_url() if address == "brief" else address
    page = client.get(url)
    (form,) = [form for form in elements(page, "form") if form.get("id") == "subscribe-box-form"]
    assert form["action"] == "/subscribe/" and form["method"] == "post"
    assert "csrfmiddlewaretoken" not in page.content.decode()
    assert not page.cookies
    clock.shift(timedelta(seconds=10))
    fields = {**box(page), "email": ["reader@example.org"]}
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/subscribe/", fields)["Location"] == CHECK_YOUR_INBOX
    assert confirmations().count() == 1


@pytest.mark.parametrize("address", ["/", "brief", "/issues/iran/", "/experts/jane-example/"])
def test_the_boxed_pages_keep_their_content_security_policy(client, brief, address):
    url = brief.get_absolute_url() if address == "brief" else address
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "form-action 'self'" in policy
    assert "unsafe-inline" not in policy
    assert b" style=" not in response.content
