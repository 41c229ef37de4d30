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
    settings.TRUSTED_PROXY_HOPS = 1
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


def fail_for_many_accounts(client, **request):
    """One wrong password tried on five accounts. Each keyword of `request` (REMOTE_ADDR, a
    header) is a value for every attempt, or a function giving attempt n's."""
    for n, username in enumerate(["admin", "root", "jane", "john", "ed"]):
        client.post(
            LOGIN_URL,
            {"username": username, "password": "Summer2024!"},
            **{name: value(n) if callable(value) else value for name, value in request.items()},
        )


def test_behind_two_proxies_the_client_is_the_address_the_farther_proxy_saw(
    client, editor, settings
):
    """A CDN in front of a load balancer: the balancer connects (REMOTE_ADDR) and the CDN
    wrote the client's address second from the right. What the client puts before it, new
    on every attempt, changes nothing."""
    settings.TRUSTED_PROXY_HOPS = 2
    balancer, cdn, attacker, colleague = "10.0.0.2", "192.0.2.200", "203.0.113.66", "198.51.100.20"
    fail_for_many_accounts(
        client,
        REMOTE_ADDR=balancer,
        HTTP_X_FORWARDED_FOR=lambda n: f"192.0.2.{n}, {attacker}, {cdn}",
    )

    def sign_in_through_both(address):
        return client.post(
            LOGIN_URL,
            {"username": "editor", "password": PASSWORD, "next": "/admin/"},
            REMOTE_ADDR=balancer,
            HTTP_X_FORWARDED_FOR=f"{address}, {cdn}",
        )

    assert sign_in_through_both(attacker).status_code == 429
    assert signed_in(sign_in_through_both(colleague))


def test_without_a_proxy_a_forged_forwarded_address_is_not_read(client, editor, settings):
    """No proxy (0 hops, the default without DJANGO_BEHIND_TLS_PROXY): X-Forwarded-For is
    the client's own invention, and a new one on every attempt does not escape the lock."""
    settings.TRUSTED_PROXY_HOPS = 0
    attacker = "203.0.113.66"
    fail_for_many_accounts(
        client, REMOTE_ADDR=attacker, HTTP_X_FORWARDED_FOR=lambda n: f"192.0.2.{n}"
    )

    assert sign_in(client, "editor", PASSWORD, address=attacker).status_code == 429
    assert signed_in(sign_in(client, "editor", PASSWORD, address="198.51.100.20"))


@pytest.mark.parametrize(
    "forwarded",
    [
        pytest.param("", id="none"),
        pytest.param("192.0.2.1", id="fewer-entries-than-proxies"),
        pytest.param("192.0.2.1, not-an-address", id="not-an-address"),
        pytest.param("192.0.2.1, 192.0.2.7\x00", id="nul"),
    ],
)
def test_a_forwarded_header_no_proxy_of_ours_wrote_counts_the_connecting_address(
    client, editor, settings, forwarded
):
    """With two proxies, a header with fewer than two entries, or whose client entry is no
    address, did not come through them: the connecting address is counted (and nothing that
    is not an address reaches the database, which would refuse it)."""
    settings.TRUSTED_PROXY_HOPS = 2
    attacker = "203.0.113.66"
    fail_for_many_accounts(client, REMOTE_ADDR=attacker, HTTP_X_FORWARDED_FOR=forwarded)

    response = client.post(
        LOGIN_URL,
        {"username": "editor", "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR=attacker,
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    assert response.status_code == 429
    assert LOCKED in visible_text(response)


def test_reaching_the_app_past_the_proxy_still_cannot_escape_the_lock_on_an_account(
    client, editor, settings
):
    """The real attack on hops=1: the app reached directly, not through the proxy, so the
    attacker is REMOTE_ADDR and writes all of X-Forwarded-For, a new address each attempt.

    What is not protected: the per-address lock. The app cannot tell a header the proxy wrote
    from one the client wrote, so each attempt counts under the address it names, and one
    attacker may try five passwords on every account. Keeping the app reachable only through
    the proxy (gunicorn bound to a private address) is what protects it; the README says so.
    What is protected: the per-account lock, which counts the username whatever the address,
    so guessing one account's password stops after five tries, from every address.
    """
    settings.TRUSTED_PROXY_HOPS = 1
    attacker = "203.0.113.66"
    for n in range(5):
        client.post(
            LOGIN_URL,
            {"username": "editor", "password": f"guess-{n}"},
            REMOTE_ADDR=attacker,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )

    guessed = client.post(
        LOGIN_URL,
        {"username": "editor", "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR=attacker,
        HTTP_X_FORWARDED_FOR="192.0.2.99",
    )
    assert guessed.status_code == 429
    assert LOCKED in visible_text(guessed)
    assert sign_in(client, "editor", PASSWORD, address="198.51.100.20").status_code == 429


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
