"""The Content-Security-Policy in a real browser: no public page and no admin page we use has
anything the policy blocks (an inline script or style, a script or style from elsewhere), so
Chromium reports no violation while a reader reads and an editor works.
"""

from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import BriefFactory, ExpertFactory, ExpertQuoteFactory, UserFactory
from tests.images import run_image_tasks

PASSWORD = "a-long-test-password-5530"


def picture(size, colour):
    output = BytesIO()
    Image.new("RGB", size, colour).save(output, "JPEG")
    return SimpleUploadedFile("picture.jpg", output.getvalue())


@pytest.fixture
def content(site):
    expert = ExpertFactory(name="Jane Example")
    expert.photo = picture((300, 300), "#345")
    expert.save()
    brief = BriefFactory(title="Ports Under Watch", issues=["Iran", "Russia"])
    brief.lead_image, brief.lead_image_alt = picture((900, 600), "#567"), "A harbour"
    brief.save()
    ExpertQuoteFactory(brief=brief, expert=expert)
    run_image_tasks()
    return brief


def watched_page(context):
    """A page, and the CSP violations Chromium reports on it (as console messages)."""
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text
            and violations.append(f"{page.url}: {message.text}")
        ),
    )
    return page, violations


def test_public_pages_send_the_policy_and_break_none_of_it(new_context, content):
    page, violations = watched_page(new_context())
    for url in [
        "/",
        "/briefs/",
        content.get_absolute_url(),
        "/issues/",
        "/issues/iran/",
        "/experts/",
        "/experts/jane-example/",
        "/search/?q=ports",
        "/briefs/no-such-brief/",
    ]:
        response = page.goto(url)
        assert response.status in {200, 404}, url
        policy = response.header_value("content-security-policy") or ""
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, url
    # The images and the stylesheet loaded under the policy (lazy ones once scrolled to).
    page.goto(content.get_absolute_url())
    for image in page.locator("img").all():
        image.scroll_into_view_if_needed()
        page.wait_for_function("image => image.complete", arg=image.element_handle())
        assert image.evaluate("image => image.naturalWidth") > 0, image.get_attribute("src")
    assert page.evaluate("getComputedStyle(document.body).margin") != "8px"
    assert not violations, "\n".join(violations)


def test_admin_pages_work_under_the_policy(new_context, content):
    editor = UserFactory(username="csp-editor", group="Editors")
    editor.set_password(PASSWORD)
    editor.save()
    page, violations = watched_page(new_context())
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", editor.username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form input[type=submit]")
    page.wait_for_url("**/admin/")

    # The brief form, worked as an editor works it: its scripts (select2 autocompletes, the
    # date-time input, "add another" inline rows, the slug filled from the title).
    page.goto("/admin/briefs/brief/add/")
    page.fill("#id_title", "A brief under a strict policy")
    page.press("#id_title", "End")  # the admin fills the slug in on keyup
    assert page.input_value("#id_slug") == "a-brief-under-a-strict-policy"
    page.click("#quotes-group .add-row a")
    page.click("#quotes-group .dynamic-quotes:not(.empty-form) .select2-selection")
    page.fill(".select2-container--open .select2-search__field", "Jane")
    page.click(".select2-results__option:text-is('Jane Example')")
    page.fill("#id_publish_at", "2031-05-07T08:30")
    assert page.input_value("#id_publish_at") == "2031-05-07T08:30"
    page.goto(f"/admin/briefs/brief/{content.pk}/change/")
    page.goto("/admin/briefs/brief/")
    page.goto("/admin/briefs/brief/import-text/")
    page.goto("/admin/briefs/brief/calendar/")
    page.goto("/admin/experts/expert/add/")
    page.goto("/admin/experts/expert/")
    assert not violations, "\n".join(violations)
