"""Signing in to the admin: repeated failures lock an account and an address out for a while
(django-axes, in the database), and passwords must pass Django's validators.

Every attempt goes through the admin's real sign-in form; the clock is moved, never waited for.
"""

import pytest
from django.contrib.auth import get_user_model

from tests.factories import UserFactory
from tests.pages import visible_text

pytestmark = pytest.mark.django_db

LOGIN_URL = "/admin/login/?next=/admin/"
PASSWORD = "a-long-test-password-3141"
WRONG_ANSWER = "Please enter the correct username and password for a staff account."
LOCKED = "Too many failed sign-ins: signing in is locked for 15 minutes."


@pytest.fixture
def editor(db):
    user = UserFactory(username="editor", group="Editors")
    user.set_password(PASSWORD)
    user.save()
    return user


def sign_in(client, username, password, address="192.0.2.10"):
    return client.post(
        LOGIN_URL,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def signed_in(response):
    return response.status_code == 302 and response["Location"] == "/admin/"


def fail(client, times, username="editor", addresses=None):
    """Sign in with a wrong password `times` times; the responses."""
    return [
        sign_in(client, username, "not-the-password", address)
        for address in (addresses or ["192.0.2.10"] * times)[:times]
    ]


def test_a_wrong_password_says_so_and_a_right_one_signs_in(client, editor):
    response = sign_in(client, "editor", "not-the-password")
    assert response.status_code == 200
    assert WRONG_ANSWER in visible_text(response)

    assert signed_in(sign_in(client, "editor", PASSWORD))


def test_five_failures_for_one_account_lock_it_from_every_address(client, editor):
    """An account attacked from many addresses: five failures, each from another address,
    and the account is locked, even for its right password from yet another address."""
    responses = fail(client, 5, addresses=[f"203.0.113.{n}" for n in range(1, 6)])

    assert [r.status_code for r in responses] == [200, 200, 200, 200, 429]
    response = sign_in(client, "editor", PASSWORD, address="198.51.100.99")
    assert response.status_code == 429
    assert LOCKED in visible_text(response)
    assert "_auth_user_id" not in client.session


def test_one_address_failing_for_many_accounts_is_locked_out(client, editor):
    """An address trying one password on many accounts: after five failures it may not sign
    in to any account, while the same account signs in from elsewhere."""
    attacker = "198.51.100.7"
    for username in ["admin", "root", "jane", "john", "editor"]:
        sign_in(client, username, "Summer2024!", address=attacker)

    assert sign_in(client, "editor", PASSWORD, address=attacker).status_code == 429
    assert signed_in(sign_in(client, "editor", PASSWORD, address="192.0.2.44"))


def test_the_lockout_page_says_why_and_for_how_long(client, editor):
    response = fail(client, 5)[-1]

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    text = visible_text(response)
    assert LOCKED in text
    assert "Try again in 15 minutes; each attempt before then starts the 15 minutes again." in text
    assert "Meridian Briefs authoring" in text
    assert 'name="password"' not in response.content.decode()


def test_the_lock_lifts_after_the_cool_off(client, editor, time_machine):
    time_machine.move_to("2031-05-06 10:00:00+00:00", tick=False)
    fail(client, 5)

    time_machine.move_to("2031-05-06 10:15:30+00:00", tick=False)
    assert signed_in(sign_in(client, "editor", PASSWORD))


def test_each_attempt_while_locked_starts_the_cool_off_again(client, editor, time_machine):
    time_machine.move_to("2031-05-06 10:00:00+00:00", tick=False)
    fail(client, 5)

    time_machine.move_to("2031-05-06 10:14:00+00:00", tick=False)
    assert sign_in(client, "editor", PASSWORD).status_code == 429
    time_machine.move_to("2031-05-06 10:16:00+00:00", tick=False)  # 15 minutes from 10:00
    assert sign_in(client, "editor", PASSWORD).status_code == 429

    time_machine.move_to("2031-05-06 10:31:30+00:00", tick=False)  # 15 minutes from 10:16
    assert signed_in(sign_in(client, "editor", PASSWORD))


def test_a_successful_sign_in_clears_the_failures(client, editor):
    fail(client, 4)
    assert signed_in(sign_in(client, "editor", PASSWORD))
    client.post("/admin/logout/")

    responses = fail(client, 4)

    assert [r.status_code for r in responses] == [200, 200, 200, 200]
    assert signed_in(sign_in(client, "editor", PASSWORD))


def test_behind_the_tls_proxy_each_client_is_counted_by_the_address_the_proxy_saw(
    client, editor, settings
):
    """Every request comes from the proxy; a client that fails (and forges an address of its
    own in front) locks out itself, not everyone behind the proxy."""
    settings.BEHIND_TLS_PROXY = True
    proxy, attacker, colleague = "10.0.0.2", "203.0.113.66", "198.51.100.20"
    for n, username in enumerate(["admin", "root", "jane", "john", "ed"]):
        client.post(
            LOGIN_URL,
            {"username": username, "password": "Summer2024!"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {attacker}",
        )

    def sign_in_through_proxy(address):
        return client.post(
            LOGIN_URL,
            {"username": "editor", "password": PASSWORD, "next": "/admin/"},
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=address,
        )

    assert sign_in_through_proxy(attacker).status_code == 429
    assert signed_in(sign_in_through_proxy(colleague))


def test_signing_in_in_code_without_a_request_is_not_throttled(client, editor):
    """The test client's login() (code on the server) has no address to count."""
    fail(client, 5)
    assert client.login(username="editor", password=PASSWORD) is True


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="boss", is_superuser=True))
    return client


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("password", "This password is too common."),
        ("Xy7$kq", "This password is too short. It must contain at least 8 characters."),
        ("8302946175", "This password is entirely numeric."),
        ("nadia.k.reporter", "The password is too similar to the username."),
    ],
)
def test_a_new_users_password_must_pass_the_validators(admin_client, password, message):
    response = admin_client.post(
        "/admin/auth/user/add/",
        {
            "username": "nadia.k.reporter",
            "usable_password": "true",
            "password1": password,
            "password2": password,
        },
    )

    assert response.status_code == 200
    assert message in visible_text(response)
    assert not get_user_model().objects.filter(username="nadia.k.reporter").exists()


def test_changing_ones_own_password_to_a_weak_one_is_refused(client, editor):
    client.force_login(editor)
    response = client.post(
        "/admin/password_change/",
        {"old_password": PASSWORD, "new_password1": "password", "new_password2": "password"},
    )

    assert response.status_code == 200
    assert "This password is too common." in visible_text(response)
    editor.refresh_from_db()
    assert editor.check_password(PASSWORD)
