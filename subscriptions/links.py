"""The signed links of subscription mail, absolute from settings.SITE_URL (never from a
request's Host): confirming (good for 48 hours, carrying what was asked for), and the
preferences and one-click unsubscribe pages (good as long as the subscriber exists).

A signed value is readable by whoever holds the link, so links name the subscriber by id and a
keyed hash of the address, never by the address itself: links end up in logs and referrers."""

from datetime import timedelta

from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from common.site import absolute

from .models import Subscriber

CONFIRMATION_LIFETIME = timedelta(hours=48)
_CONFIRM = "subscriptions.confirm"
_PREFERENCES = "subscriptions.preferences"
_UNSUBSCRIBE = "subscriptions.unsubscribe"


class LinkInvalid(Exception):
    """A link that was tampered with, or names a subscriber who is gone."""


class LinkExpired(LinkInvalid):
    pass


def address_hash(email):
    return salted_hmac("subscriptions.address", email).hexdigest()[:20]


def _matches(subscriber, data):
    return subscriber is not None and constant_time_compare(
        address_hash(subscriber.email), data.get("h", "")
    )


def confirmation_url(subscriber, choices):
    token = signing.dumps(
        {"s": subscriber.pk, "h": address_hash(subscriber.email), "c": choices.as_data()},
        salt=_CONFIRM,
        compress=True,
    )
    return absolute(reverse("subscriptions:confirm", args=[token]))


def read_confirmation(token):
    """(subscriber, choices data) from a confirmation link's token."""
    try:
        data = signing.loads(token, salt=_CONFIRM, max_age=CONFIRMATION_LIFETIME)
    except signing.SignatureExpired as error:
        raise LinkExpired from error
    except signing.BadSignature as error:
        raise LinkInvalid from error
    subscriber = Subscriber.objects.select_for_update().filter(pk=data["s"]).first()
    if not _matches(subscriber, data):
        raise LinkInvalid
    return subscriber, data["c"]


def subscriber_token(subscriber, salt):
    return signing.dumps({"s": subscriber.pk, "h": address_hash(subscriber.email)}, salt=salt)


def preferences_url(subscriber):
    return absolute(
        reverse("subscriptions:preferences", args=[subscriber_token(subscriber, _PREFERENCES)])
    )


def unsubscribe_url(subscriber):
    return absolute(
        reverse("subscriptions:unsubscribe", args=[subscriber_token(subscriber, _UNSUBSCRIBE)])
    )


def _subscriber_from(token, salt):
    try:
        data = signing.loads(token, salt=salt)
    except signing.BadSignature as error:
        raise LinkInvalid from error
    subscriber = Subscriber.objects.filter(pk=data["s"]).first()
    if not _matches(subscriber, data):
        raise LinkInvalid
    return subscriber


def subscriber_for_preferences(token):
    return _subscriber_from(token, _PREFERENCES)


def subscriber_for_unsubscribe(token):
    return _subscriber_from(token, _UNSUBSCRIBE)
