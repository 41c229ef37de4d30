"""Two-factor sign-in in a real browser: an editor enrols an authenticator app (read from the
page as a person types the key into their app), keeps the recovery codes, and signs in again
with a code; no page breaks the Content-Security-Policy."""

from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from tests.browser.test_csp import watched_page
from tests.browser.test_publishing_workflow import log_in, make_user

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def required(settings):
    settings.BRIEFS_REQUIRE_2FA = True


def test_an_editor_enrols_an_authenticator_and_signs_in_with_its_code(new_context, sync_api):
    expect = sync_api.expect
    editor = make_user("Editors")
    page, violations = watched_page(new_context())

    log_in(page, editor, "/admin/briefs/brief/")
    page.wait_for_url("**/admin/two-factor/enrol/**")
    expect(page.locator(".two-factor-qr svg")).to_be_visible()
    key = b32decode(page.locator("#two-factor-secret").inner_text())
    page.fill("#id_code", f"{TOTP(key).token():06d}")
    page.click("text=Turn on two-factor sign-in")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.click("#two-factor-continue")
    page.wait_for_url("**/admin/briefs/brief/")
    expect(page.locator("#content h1")).to_have_text("Select brief to change")

    # Signing in again, in a new browser: the password, then a code. The code just used is
    # never taken twice, so this is the next one, which the device accepts a step early.
    page, more_violations = watched_page(new_context())
    log_in(page, editor, "/admin/experts/expert/")
    page.wait_for_url("**/admin/two-factor/verify/**")
    page.fill("#id_code", f"{TOTP(key, drift=1).token():06d}")
    page.click("#login-form input[type=submit]")
    page.wait_for_url("**/admin/experts/expert/")
    expect(page.locator("#content h1")).to_have_text("Select expert to change")
    assert violations + more_violations == []
