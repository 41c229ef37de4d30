"""Subscription mail as a browser engine draws it (the engine of Apple Mail, of most phone
clients and of webmail): readable at a desktop reading pane's width and on a phone, with no
sideways scrolling, and dark in dark mode with text that stays legible.

With MAIL_SCREENSHOTS set to a folder, the mails are also saved there as pictures, for a
person to look at:

    MAIL_SCREENSHOTS=docs/screenshots/mail pytest tests/browser/test_mail_rendering.py

The content is demo text of our own.
"""

import datetime
import os
import re
from io import BytesIO
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from briefs.models import Brief
from subscriptions import mail
from subscriptions.models import Digest
from tests.factories import (
    BriefFactory,
    BriefSectionFactory,
    ExpertFactory,
    ExpertQuoteFactory,
    RelatedLinkFactory,
)
from tests.images import run_image_tasks

pytestmark = pytest.mark.django_db

SITE = "https://briefs.example.org"
SCREENSHOTS = os.environ.get("MAIL_SCREENSHOTS")
DESKTOP, NARROW_DESKTOP, PHONE = 800, 600, 390
PREFERENCES = f"{SITE}/subscribe/preferences/a-signed-token/"
UNSUBSCRIBE = f"{SITE}/subscribe/unsubscribe/a-signed-token/"


@pytest.fixture(autouse=True)
def site_address(settings):
    settings.SITE_URL = SITE


def harbour_picture():
    """A wide picture to stand in for a photograph: sky, sea, and cranes on a quay."""
    image = Image.new("RGB", (1600, 900), "#9db8d3")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 560, 1600, 900), fill="#2f4f6f")
    draw.rectangle((0, 520, 1600, 580), fill="#4a4f57")
    for left in (180, 620, 1080):
        draw.rectangle((left, 200, left + 36, 540), fill="#c2571a")
        draw.rectangle((left - 120, 200, left + 260, 232), fill="#c2571a")
    output = BytesIO()
    image.save(output, "JPEG", quality=80)
    return SimpleUploadedFile("harbour.jpg", output.getvalue())


def portrait(colour):
    image = Image.new("RGB", (400, 400), "#e8eef6")
    draw = ImageDraw.Draw(image)
    draw.ellipse((130, 70, 270, 210), fill=colour)
    draw.ellipse((70, 230, 330, 490), fill=colour)
    output = BytesIO()
    image.save(output, "PNG")
    return SimpleUploadedFile("portrait.png", output.getvalue())


def demo_brief():
    """A brief of ordinary length with every part a brief has."""
    earlier = BriefFactory(title="Insurers Price In a Longer Closure of the Strait")
    brief = BriefFactory(
        title="Grain Convoys Resume Under a New Insurance Pool",
        summary=(
            "Three insurers and a state fund now cover ships leaving the northern ports, "
            "and the first convoy sailed on Tuesday."
        ),
        latest_developments=(
            "Four bulk carriers left the northern ports on Tuesday under cover of a new "
            "insurance pool, the first sailings since the corridor closed in the spring. "
            "Underwriters had refused cover for the route for eleven weeks.\n\n"
            "The pool shares the risk between three private insurers and a state fund, which "
            "takes the first losses. Port officials expect six more departures this week "
            "([our earlier brief](/briefs/insurers-price-in-a-longer-closure-of-the-strait/) "
            "explains why the premiums had climbed)."
        ),
        lead_image=harbour_picture(),
        lead_image_alt="Cranes over a quay with bulk carriers moored alongside",
        lead_image_caption="Loading resumed at the northern terminals this week.",
        lead_image_credit="Illustration",
        issues=["Black Sea", "Food Security", "Shipping"],
    )
    ExpertQuoteFactory(
        brief=brief,
        expert=ExpertFactory(
            name="Miriam Okafor",
            title="Senior Fellow, Maritime Security",
            photo=portrait("#12355b"),
        ),
        text=(
            "The pool moves the risk, it does not remove it. If a single ship is hit, the "
            "state fund pays first and the private insurers will want far higher premiums "
            "for the next convoy."
        ),
    )
    ExpertQuoteFactory(
        brief=brief,
        expert=ExpertFactory(name="Tomas Lindqvist", title="Director, Food Systems Program"),
        text=(
            "Buyers in North Africa have waited since April. Even at half the usual volume, "
            "these sailings will ease bread prices before the winter."
        ),
    )
    BriefSectionFactory(
        brief=brief,
        heading="What to Watch",
        body=(
            "Whether the pool survives its first claim. The fund's capital covers about "
            "twenty losses of an average carrier; beyond that, the treasury must vote more.\n\n"
            "- the premium for the second convoy\n- naval escorts, which no one has offered"
        ),
    )
    RelatedLinkFactory(
        brief=brief,
        title="Who Insures a War Zone?",
        byline="by Anna Reyes",
        url="https://example.org/analysis/who-insures-a-war-zone",
    )
    RelatedLinkFactory(
        brief=brief, title=earlier.title, byline="Flash Brief", url="", target=earlier
    )
    run_image_tasks()
    return Brief.objects.get(pk=brief.pk)


def personalised(rendered):
    html, _ = rendered.personalised(PREFERENCES, UNSUBSCRIBE)
    return html


def _serve_media(route):
    """The mail's images from MEDIA_ROOT, as the site serves them; nothing else is reached."""
    url = urlsplit(route.request.url)
    media_root = Path(settings.MEDIA_ROOT).resolve()
    if f"{url.scheme}://{url.netloc}" == SITE and url.path.startswith(settings.MEDIA_URL):
        file = (media_root / unquote(url.path.removeprefix(settings.MEDIA_URL))).resolve()
        if file.is_relative_to(media_root) and file.is_file():
            route.fulfill(path=file)
            return
    route.abort("blockedbyclient")


@pytest.fixture
def open_mail(browser):
    """Shows a mail's HTML in a window `width` pixels wide, in light or dark mode."""
    contexts = []

    def open_(html, width, color_scheme="light"):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, color_scheme=color_scheme
        )
        contexts.append(context)
        context.route("**/*", _serve_media)
        page = context.new_page()
        page.set_content(html, wait_until="load")
        return page

    yield open_
    for context in contexts:
        context.close()


def keep(page, name):
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(SCREENSHOTS) / name, full_page=True)


def scroll_width(page):
    return page.evaluate("document.scrollingElement.scrollWidth")


def computed(page, selector, property_name):
    return page.eval_on_selector(selector, f"element => getComputedStyle(element).{property_name}")


def rgb(colour):
    return [int(part) for part in re.findall(r"\d+", colour)[:3]]


def luminance(colour):
    """WCAG's relative luminance of a computed rgb() colour."""
    channels = [part / 255 for part in rgb(colour)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first, second):
    lighter, darker = sorted([luminance(first), luminance(second)], reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize(
    "width, screenshot",
    [(DESKTOP, "brief-mail-desktop.png"), (NARROW_DESKTOP, None), (PHONE, "brief-mail-phone.png")],
)
def test_the_brief_mail_fits_the_window_without_scrolling_sideways(open_mail, width, screenshot):
    page = open_mail(personalised(mail.brief_mail(demo_brief())), width)

    assert scroll_width(page) <= width
    lead = page.locator("img.lead-image")
    assert lead.evaluate("image => image.complete && image.naturalWidth > 0")
    image = lead.bounding_box()
    assert image["x"] > 0 and image["x"] + image["width"] < width
    if screenshot:
        keep(page, screenshot)


def test_the_brief_mail_is_dark_and_legible_in_dark_mode(open_mail):
    page = open_mail(personalised(mail.brief_mail(demo_brief())), PHONE, color_scheme="dark")

    assert scroll_width(page) <= PHONE
    background = computed(page, "body", "backgroundColor")
    assert luminance(background) < 0.05, background
    column = computed(page, ".container", "backgroundColor")
    assert luminance(column) < 0.05, column
    for selector in (".content", ".prose p", ".title-link", ".quote-expert", ".footer a"):
        colour = computed(page, selector, "color")
        assert contrast(colour, column) >= 4.5, (selector, colour, column)
    keep(page, "brief-mail-dark.png")


def test_the_digest_and_the_confirmation_fit_the_window(open_mail):
    moment = datetime.datetime(2026, 12, 3, 12, tzinfo=datetime.UTC)
    digest = Digest.objects.create(date=moment.date(), starts_at=moment, cutoff_at=moment)
    brief = demo_brief()
    other = BriefFactory(
        title="Refinery Outages Tighten Diesel Supply Before Winter",
        summary="Two refineries are down for repairs; importers are bidding for cargoes.",
        issues=["Energy", "Shipping"],
    )
    digest_page = open_mail(personalised(mail.digest_mail(digest, [other, brief])), DESKTOP)
    assert scroll_width(digest_page) <= DESKTOP
    keep(digest_page, "digest-mail-desktop.png")

    confirm_url = f"{SITE}/subscribe/confirm/{'a-long-signed-token-' * 8}/"
    confirmation = open_mail(personalised(mail.confirmation_mail(confirm_url)), PHONE)
    assert scroll_width(confirmation) <= PHONE
    keep(confirmation, "confirmation-mail-phone.png")
