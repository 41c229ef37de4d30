"""Two-factor sign-in for the admin (django-otp): codes from an authenticator app (TOTP), and
recovery codes (static tokens) for a lost phone.

Who must give a second factor: everyone who may publish (briefs.publish_brief, which
superusers have too), while settings.BRIEFS_REQUIRE_2FA is on. After the password, such a
person reaches no admin page before enrolling (no authenticator yet) or giving a code; the
session then stays verified until it ends. Wrong codes are throttled per device by django-otp
(settings.OTP_TOTP_THROTTLE_FACTOR): each failure in a row doubles the time during which no
code is checked at all. A lost authenticator is reset by a superuser, who deletes the
person's TOTP and static devices in the admin; they enrol again at their next sign-in.
"""

import functools
from base64 import b32encode

import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from common.publication import PUBLISH_PERMISSION

RECOVERY_CODE_COUNT = 10


def needs_two_factor(user):
    return (
        settings.BRIEFS_REQUIRE_2FA and user.is_authenticated and user.has_perm(PUBLISH_PERMISSION)
    )


class TwoFactorMiddleware:
    """Sends whoever must give a second factor and has not, this session, from any admin page
    to enrolment or to the code page. Signing in and out stay open (to change account)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._held_back(request):
            page = "two-factor-verify" if user_has_device(request.user) else "two-factor-enrol"
            return redirect(f"{reverse(page)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def _held_back(self, request):
        admin_root, open_paths = admin_paths()
        if not request.path.startswith(admin_root) or request.path in open_paths:
            return False
        return needs_two_factor(request.user) and not request.user.is_verified()


@functools.cache
def admin_paths():
    """The admin's root, and the pages under it open before the second step (to sign in,
    sign out, enrol or give a code): reversed once, not on every request."""
    names = ["admin:login", "admin:logout", "two-factor-enrol", "two-factor-verify"]
    return reverse("admin:index"), frozenset(reverse(name) for name in names)


class CodeForm(forms.Form):
    code = forms.CharField(
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )

    def clean_code(self):
        # Apps show codes as "123 456"; recovery codes are typed by hand.
        return "".join(self.cleaned_data["code"].split()).lower()


def _next_url(request):
    url = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse("admin:index")


def _page(request, template, context, status=200):
    # The admin's frame (header, dark mode) around our pages.
    context = {**admin.site.each_context(request), "next": _next_url(request), **context}
    return render(request, template, context, status=status)


def _refused_for_now(request, devices, template, context):
    """While wrong codes keep any of these devices throttled, the page saying until when no
    code is checked (429); None when codes may be checked."""
    locks = [
        details for allowed, details in (d.verify_is_allowed() for d in devices) if not allowed
    ]
    if not locks:
        return None
    until = timezone.localtime(max(details["locked_until"] for details in locks))
    context = {**context, "locked_until": time_format(until, "H:i:s")}
    return _page(request, template, context, status=429)


def _qr_code_svg(text):
    # Our own drawing of the otpauth address: SVG markup with no script or style in it.
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return mark_safe(image.to_string(encoding="unicode"))


@never_cache
def enrol(request):
    """An authenticator app for someone who must use one and has none: its secret (and QR
    code), then a first code from it, then the recovery codes, shown this once."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if not needs_two_factor(user) or user_has_device(user):
        # A second device is never added here: only a verified person could be trusted to.
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(
            user=user, confirmed=False
        ).first() or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
        context = {
            "title": "Set up two-factor sign-in",
            "form": form,
            "secret": b32encode(device.bin_key).decode(),
            "config_url": device.config_url,
            "qr_code": _qr_code_svg(device.config_url),
        }
        if request.method == "POST":
            refused = _refused_for_now(request, [device], "two_factor/enrol.html", context)
            if refused:
                return refused
            if form.is_valid() and device.verify_token(form.cleaned_data["code"]):
                device.confirmed = True
                device.save()
                codes = _new_recovery_codes(user)
                otp_login(request, device)
                return _page(
                    request,
                    "two_factor/recovery_codes.html",
                    {"title": "Your recovery codes", "codes": codes},
                )
            form.add_error("code", "That code is not right. Enter the code your app shows now.")
    return _page(request, "two_factor/enrol.html", context)


def _new_recovery_codes(user):
    device = StaticDevice.objects.create(user=user, name="Recovery codes")
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@never_cache
def verify(request):
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), reverse("admin:login"))
    if not needs_two_factor(user) or user.is_verified():
        return redirect(_next_url(request))
    if not user_has_device(user):
        return redirect(f"{reverse('two-factor-enrol')}?{urlencode({'next': _next_url(request)})}")
    form = CodeForm(request.POST or None)
    context = {"title": "Two-factor sign-in", "form": form}
    if request.method == "POST" and form.is_valid():
        # Throttled per account, like passwords: while wrong codes keep either device locked,
        # neither kind of code is checked.
        devices = list(devices_for_user(user))
        refused = _refused_for_now(request, devices, "two_factor/verify.html", context)
        if refused:
            return refused
        code = form.cleaned_data["code"]
        # Six digits are an app's code; anything else can only be a recovery code (eight
        # characters): a wrong guess counts against the one device it was meant for.
        kind = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
        device = next((device for device in devices if isinstance(device, kind)), None)
        if device is not None and device.verify_token(code):
            otp_login(request, device)
            if kind is StaticDevice:
                messages.warning(request, f"Recovery code used: {device.token_set.count()} left.")
            return redirect(_next_url(request))
        form.add_error("code", "That code is not right.")
    return _page(request, "two_factor/verify.html", context)
