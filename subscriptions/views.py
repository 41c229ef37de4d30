"""The public pages of subscribing (the contract in product.md, "Subscriptions").

Asking to subscribe is answered the same whatever the address and whoever asks: a 303 to
"check your inbox". A bot (the trap filled in, a form sent too soon after it was drawn) and a
client over its hourly allowance get that answer too, and nothing is sent to anyone.

No page here is kept by the public page cache nor by a browser or proxy: each is made for
one reader or one link (`Cache-Control: private, no-store`, which PublicPageCacheMiddleware
never keeps), and the pages reached from a mail's link tell search engines to stay away
(common.http.private_page).
"""

from django.core.cache import cache
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from briefs.public.listings import public_experts, public_issues
from briefs.public.structured_data import default_meta
from common.clients import client_ip_address
from common.http import private_page

from . import links, subscribing
from .forms import PreferencesForm, SubscribeForm, bot_fields, looks_automated
from .models import Subscriber

REQUESTS_PER_HOUR = 20
HOUR = 60 * 60


class HttpResponseSeeOther(HttpResponseRedirectBase):
    status_code = 303


def page(request, template, title, context=None, status=200):
    context = {"meta": {**default_meta(), "title": title}, **(context or {})}
    return render(request, template, context, status=status)


def choices_context(form, issues, experts):
    """What the form's choices show: these issues and experts, ticked as `form` holds them."""
    return {
        "form": form,
        "everything": form.everything_chosen(),
        "issues": form.options("issue", issues),
        "experts": form.options("expert", experts),
        "frequencies": form.frequency_options(),
    }


def subscribe_form_context(form):
    """The whole subscribe form: every public issue and expert offered."""
    return {
        **choices_context(form, public_issues(), public_experts()),
        **bot_fields(),
    }


def subscribe_page(request, form, status=200):
    context = subscribe_form_context(form)
    return page(request, "subscriptions/subscribe.html", "Subscribe by email", context, status)


def within_hourly_allowance(request):
    """Count this request against its client's allowance: REQUESTS_PER_HOUR in the hour from
    the client's first request. Each request past it could mail one more stranger."""
    key = f"subscriptions:requests:{client_ip_address(request)}"
    cache.add(key, 0, timeout=HOUR)
    try:
        count = cache.incr(key)
    except ValueError:
        # The hour ended between add() and incr(): this request starts the next one.
        cache.set(key, 1, timeout=HOUR)
        count = 1
    return count <= REQUESTS_PER_HOUR


def asked():
    return HttpResponseSeeOther(reverse("subscriptions:check-your-inbox"))


# No CSRF token: the forms posting here sit on public pages that are kept whole and served
# from an edge cache to readers without cookies. A forged request can do no harm: it can only
# ask for a confirmation mail, which subscribes nobody until its link is followed (double
# opt-in), at most one an hour per address (subscribing.request_subscription).
@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request):
    if request.method != "POST":
        return subscribe_page(request, SubscribeForm())
    if looks_automated(request.POST):
        return asked()
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return subscribe_page(request, form, status=400)
    if within_hourly_allowance(request):
        subscribing.request_subscription(form.cleaned_data["email"], form.choices())
    return asked()


@private_page
@require_safe
def check_your_inbox(request):
    return page(request, "subscriptions/check_your_inbox.html", "Check your inbox")


def link_not_valid(request):
    return page(request, "subscriptions/link_invalid.html", "This link is not valid", status=404)


def following(subscriber):
    """What a subscriber follows and how often, for a page to say."""
    return {
        "everything": subscriber.everything,
        "issues": list(subscriber.issues.all()),
        "experts": list(subscriber.experts.all()),
        "frequency": subscriber.get_frequency_display(),
    }


# A GET confirms, as the contract says: the link in the mail is all a reader has.
@private_page
@require_GET
def confirm(request, token):
    try:
        subscriber = subscribing.confirm(token)
    except links.LinkExpired:
        context = subscribe_form_context(SubscribeForm())
        return page(
            request, "subscriptions/link_expired.html", "This link has expired", context, 410
        )
    except links.LinkInvalid:
        return link_not_valid(request)
    context = {
        "following": following(subscriber),
        "preferences_url": links.preferences_url(subscriber),
    }
    return page(request, "subscriptions/confirmed.html", "You are subscribed", context)


def offered(public, followed):
    """The public ones, and those followed that are not public (yet): a save keeps them."""
    return sorted({*public, *followed}, key=lambda item: item.name.lower())


def unsubscribed_page(request):
    return page(request, "subscriptions/unsubscribed.html", "You are unsubscribed")


@private_page
@require_http_methods(["GET", "HEAD", "POST"])
def preferences(request, token):
    try:
        subscriber = links.subscriber_for_preferences(token)
    except links.LinkInvalid:
        return link_not_valid(request)
    if request.method == "POST" and "leave" in request.POST:
        subscribing.leave(subscriber)
        return unsubscribed_page(request)
    saved = False
    form = PreferencesForm.for_subscriber(
        subscriber, request.POST if request.method == "POST" else None
    )
    if form.is_bound and form.is_valid():
        subscribing.change_preferences(
            subscriber, form.choices(), paused=form.cleaned_data["paused"]
        )
        saved = True
        form = PreferencesForm.for_subscriber(subscriber)
    issues = offered(public_issues(), subscriber.issues.all())
    experts = offered(public_experts(), subscriber.experts.all())
    context = {
        **choices_context(form, issues, experts),
        "saved": saved,
        "email": subscriber.email,
        "receiving": subscriber.status in (Subscriber.Status.ACTIVE, Subscriber.Status.PAUSED),
        "status": subscriber.get_status_display(),
        "paused": bool(form["paused"].value()),
    }
    status = 400 if form.is_bound else 200
    return page(request, "subscriptions/preferences.html", "Your subscription", context, status)


# RFC 8058 one-click unsubscribe: mail clients POST `List-Unsubscribe=One-Click` with no
# cookie and no CSRF token; the signed link is the authority. A GET never unsubscribes: link
# scanners fetch every link in a mail.
@csrf_exempt
@private_page
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    try:
        subscriber = links.subscriber_for_unsubscribe(token)
    except links.LinkInvalid:
        return link_not_valid(request)
    if request.method == "POST":
        subscribing.leave(subscriber)
        return unsubscribed_page(request)
    context = {"email": subscriber.email}
    return page(request, "subscriptions/unsubscribe.html", "Unsubscribe", context)
