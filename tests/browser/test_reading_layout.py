"""A brief's page as a reader sees it in Chromium: its column lines up with the site's header
at a desktop's and a phone's width."""

import pytest

from tests.factories import BriefFactory

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("width", [1280, 375])
def test_the_brief_s_column_lines_up_with_the_header(new_context, width):
    brief = BriefFactory(title="Aligned Column", issues=["Iran"])
    BriefFactory(title="Another On Iran", issues=["Iran"])
    page = new_context(width=width).new_page()
    page.goto(brief.get_absolute_url())
    left = page.locator(".site-name").bounding_box()["x"]
    for selector in ("h1", "#latest-developments", ".subscribe-box", "#more-on"):
        assert page.locator(selector).bounding_box()["x"] == pytest.approx(left, abs=1), selector
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
