"""Two-factor sign-in (briefs_site/two_factor.py): everyone who may publish gives a code from
an authenticator app, or a recovery code, before any admin page; wrong codes are throttled."""

import re
from base64 import b32decode
from datetime import timedelta

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory
from tests.test_settings import printed, production

pytestmark = pytest.mark.django_db

ENROL = "/admin/two-factor/enrol/"
VERIFY = "/admin/two-factor/verify/"
RECOVERY_CODE = "abcd2345"


@pytest.fixture(autouse=True)
def required(settings):
    settings.BRIEFS_REQUIRE_2FA = True


def code_now(key):
    """What the authenticator app shows now, for a key in bytes."""
    return f"{TOTP(key).token():06d}"


@pytest.fixture
def enrolled_editor(editor):
    TOTPDevice.objects.create(user=editor, name="Authenticator app", confirmed=True)
    recovery = StaticDevice.objects.create(user=editor, name="Recovery codes")
    StaticToken.objects.create(device=recovery, token=RECOVERY_CODE)
    return editor


def app_code(user):
    return code_now(TOTPDevice.objects.get(user=user).bin_key)


def test_an_editor_without_a_device_is_sent_to_enrol_and_reaches_no_admin_page_before(
    editor_client, time_machine
):
    time_machine.move_to("2025-03-04 12:00:00+00:00", tick=False)
    for url in ["/admin/", "/admin/briefs/brief/", "/admin/experts/expert/add/"]:
        response = editor_client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{ENROL}?next=")

    page = editor_client.get(f"{ENROL}?next=/admin/briefs/brief/")
    secret = re.search(r'id="two-factor-secret">([A-Z2-7]+)<', page.content.decode())[1]
    assert page.status_code == 200
    assert "otpauth://totp/" in page.content.decode() and "<svg" in page.content.decode()

    wrong = editor_client.post(ENROL, {"code": "000000", "next": "/admin/briefs/brief/"})
    assert "That code is not right" in wrong.content.decode()
    assert editor_client.get("/admin/").status_code == 302

    # After the wait one wrong code starts (throttling).
    time_machine.shift(timedelta(seconds=1))
    enrolled = editor_client.post(
        ENROL, {"code": code_now(b32decode(secret)), "next": "/admin/briefs/brief/"}
    )
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", enrolled.content.decode())
    assert enrolled.status_code == 200
    assert "shown only now" in enrolled.content.decode() and len(set(codes)) == 10
    assert 'href="/admin/briefs/brief/"' in enrolled.content.decode()
    assert editor_client.get("/admin/briefs/brief/").status_code == 200


def test_a_superuser_must_enrol_too(client):
    client.force_login(UserFactory(username="admin", is_superuser=True))

    assert client.get("/admin/")["Location"] == f"{ENROL}?next=%2Fadmin%2F"


def test_an_editor_with_a_device_must_give_a_code(client, enrolled_editor):
    client.force_login(enrolled_editor)

    response = client.get("/admin/briefs/brief/")
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next=%2Fadmin%2Fbriefs%2Fbrief%2F"
    # Enrolling again (a second device, someone else's phone) is not offered.
    assert client.get(ENROL)["Location"] == "/admin/"
    assert "six-digit code" in client.get(response["Location"]).content.decode()

    signed_in = client.post(VERIFY, {"code": app_code(enrolled_editor), "next": "/admin/briefs/"})

    assert signed_in.status_code == 302 and signed_in["Location"] == "/admin/briefs/"
    assert client.get("/admin/briefs/brief/").status_code == 200


def test_the_code_page_sends_nobody_elsewhere(client, enrolled_editor):
    client.force_login(enrolled_editor)

    response = client.post(
        VERIFY, {"code": app_code(enrolled_editor), "next": "https://elsewhere.example/"}
    )

    assert response["Location"] == "/admin/"


def test_wrong_codes_are_throttled_even_the_right_code_is_refused_until_the_wait_is_over(
    client, enrolled_editor, time_machine
):
    time_machine.move_to("2025-03-04 12:00:00+00:00", tick=False)
    client.force_login(enrolled_editor)
    # Three wrong codes in a row, each after the wait the one before it started.
    for wait in [0, 1, 2]:
        time_machine.shift(timedelta(seconds=wait))
        wrong = client.post(VERIFY, {"code": "000000"})
        assert wrong.status_code == 200 and "That code is not right" in wrong.content.decode()

    # Now no code is checked for 2**2 seconds: not even the right one, nor a recovery code.
    time_machine.shift(timedelta(seconds=3))
    for code in [app_code(enrolled_editor), RECOVERY_CODE]:
        refused = client.post(VERIFY, {"code": code})
        assert refused.status_code == 429
        assert "Too many wrong codes" in refused.content.decode()
    assert client.get("/admin/").status_code == 302

    time_machine.shift(timedelta(seconds=2))
    assert client.post(VERIFY, {"code": app_code(enrolled_editor)}).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_throttling_is_on_for_both_kinds_of_code(settings):
    assert settings.OTP_TOTP_THROTTLE_FACTOR > 0 and settings.OTP_STATIC_THROTTLE_FACTOR > 0


def test_a_recovery_code_works_once(client, enrolled_editor):
    client.force_login(enrolled_editor)

    first = client.post(VERIFY, {"code": RECOVERY_CODE.upper()})
    assert first.status_code == 302
    assert "Recovery code used: 0 left." in client.get("/admin/").content.decode()

    client.logout()
    client.force_login(enrolled_editor)
    again = client.post(VERIFY, {"code": RECOVERY_CODE})
    assert again.status_code == 200 and "That code is not right" in again.content.decode()
    assert client.get("/admin/").status_code == 302


def test_an_analyst_is_not_asked(analyst_client):
    assert analyst_client.get("/admin/").status_code == 200
    assert analyst_client.get("/admin/briefs/brief/add/").status_code == 200


def test_nobody_is_asked_when_the_requirement_is_off(settings, editor_client):
    settings.BRIEFS_REQUIRE_2FA = False

    assert editor_client.get("/admin/").status_code == 200


def test_signing_out_stays_open_before_the_second_step(client, enrolled_editor):
    client.force_login(enrolled_editor)

    assert client.post("/admin/logout/").status_code == 200
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


@pytest.mark.parametrize(
    ("variables", "required"),
    [
        (production(), "True"),
        (production(BRIEFS_REQUIRE_2FA="0"), "False"),
        ({}, "False"),  # development: make run's demo accounts sign in with passwords alone
        ({"BRIEFS_REQUIRE_2FA": "1"}, "True"),
    ],
    ids=["production", "production-turned-off", "development", "development-turned-on"],
)
def test_the_requirement_is_on_in_production_unless_turned_off(variables, required):
    assert printed("settings.BRIEFS_REQUIRE_2FA", **variables) == required
