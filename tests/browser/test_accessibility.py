"""axe-core on every kind of public page, on a wide and a narrow screen: the reading site, its
error pages, a shared preview, and the pages of subscribing, those a form's answer included.

Each page type is its own test. A failure lists every violation with the rule, its impact,
what to fix and the elements it found, so the template or stylesheet can be fixed; the rules
are not to be relaxed here to make a page pass.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from io import StringIO
from urllib.parse import urlsplit

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import OperationalError
from django.urls import include, path, reverse
from django.utils import timezone

from briefs.models import Brief, Issue, PreviewLink
from briefs.public.filters import MAX_ISSUES
from subscriptions import forms, links
from subscriptions.models import Subscriber
from subscriptions.subscribing import Choices
from tests.factories import FormatFactory, SubscriberFactory

# WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's best practices. axe-core has no rule
# tagged "wcag22a" (the Level A criteria new in 2.2 cannot be checked by a machine), and
# asking for a tag no rule has only logs "Could not find tags".
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
WIDTHS = {"desktop": (1280, 900), "phone": (375, 812)}
# Demo content (content of ours, loaded by load_demo): a brief with quotes by experts with
# photos, and two issues that share briefs.
DEMO_BRIEF = "iran-and-russia-deepen-drone-production-ties"
DEMO_ISSUES = ("iran", "russia")


@pytest.fixture(scope="module")
def demo_snapshot(tmp_path_factory):
    """Where the demo content is kept between this module's tests: drawing its pictures
    takes seconds, and each test's database starts empty."""
    folder = tmp_path_factory.mktemp("demo")
    return {"media": folder / "media", "data": folder / "demo.json", "saved": False}


@pytest.fixture
def demo(site, settings, demo_snapshot):
    settings.MEDIA_ROOT = demo_snapshot["media"]
    if demo_snapshot["saved"]:
        call_command("loaddata", demo_snapshot["data"], verbosity=0)
    else:
        # The formats come from a data migration, so an earlier test's flush removed them.
        for name in ("Flash Brief", "Analysis", "Policy Brief", "Memo"):
            FormatFactory(name=name)
        # load_demo refuses to run with debug off; the site itself is served with debug off.
        settings.DEBUG = True
        call_command("load_demo", stdout=StringIO())
        settings.DEBUG = False
        call_command("dumpdata", "briefs", "experts", output=demo_snapshot["data"], verbosity=0)
        demo_snapshot["saved"] = True
    brief = Brief.objects.published().get(slug=DEMO_BRIEF)
    assert brief.quotes.exclude(expert__photo="").exists(), "the demo brief has quotes by experts"
    assert (
        Brief.objects.published()
        .filter(issues__slug=DEMO_ISSUES[0])
        .filter(issues__slug=DEMO_ISSUES[1])
        .exists()
    ), "the demo has briefs filed under both issues"
    return brief


@dataclass(frozen=True)
class Visit:
    """How a reader comes to a page: its address, and for a page that answers a form, the
    form on that address to send (the fields typed into, by label, the boxes unticked)."""

    url: str
    status: int
    form: str = ""
    fill: dict = field(default_factory=dict)
    untick: tuple = ()


def subscription_links():
    """The signed links of subscription mail, as their paths: a new subscriber's confirmation
    link, one made 49 hours ago (expired), and a confirmed subscriber's preferences and
    unsubscribe links."""
    pending = SubscriberFactory(
        email="new-reader@example.org", status=Subscriber.Status.PENDING, confirmed_at=None
    )
    everything = Choices(everything=True)
    confirm = links.confirmation_url(pending, everything)
    with time_machine.travel(timezone.now() - timedelta(hours=49), tick=False):
        expired = links.confirmation_url(pending, everything)
    follower = SubscriberFactory(email="reader@example.org")
    return {
        name: urlsplit(url).path
        for name, url in {
            "confirm": confirm,
            "expired": expired,
            "preferences": links.preferences_url(follower),
            "unsubscribe": links.unsubscribe_url(follower),
        }.items()
    }


def preview_links():
    """A shared preview of the demo's brief in review, and one that was revoked."""
    draft = Brief.objects.exclude(pk__in=Brief.objects.published()).first()
    assert draft is not None, "the demo has a brief that is not public"
    later = timezone.now() + timedelta(days=1)
    working = PreviewLink.objects.create(brief=draft, expires_at=later)
    revoked = PreviewLink.objects.create(brief=draft, expires_at=later, revoked_at=timezone.now())
    return {
        name: reverse("briefs:preview", args=[link.pk])
        for name, link in {"working": working, "revoked": revoked}.items()
    }


def page_visits(brief):
    expert = brief.quotes.exclude(expert__photo="").first().expert
    issue = Issue.objects.public().get(slug=DEMO_ISSUES[0])
    too_many = Issue.objects.values_list("slug", flat=True)[: MAX_ISSUES + 1]
    mail = subscription_links()
    previews = preview_links()
    return {
        "front page": Visit("/", 200),
        "brief list": Visit("/briefs/", 200),
        "brief list filtered by two issues": Visit(
            f"/briefs/?issue={DEMO_ISSUES[0]}&issue={DEMO_ISSUES[1]}", 200
        ),
        "brief list with too many filters": Visit(
            "/briefs/?" + "&".join(f"issue={slug}" for slug in too_many), 400
        ),
        "brief": Visit(brief.get_absolute_url(), 200),
        "issue list": Visit("/issues/", 200),
        "issue": Visit(issue.get_absolute_url(), 200),
        "expert list": Visit("/experts/", 200),
        "expert": Visit(expert.get_absolute_url(), 200),
        "search form": Visit("/search/", 200),
        "search results with a facet": Visit(f"/search/?q=sanctions&issue={DEMO_ISSUES[0]}", 200),
        "content API reference": Visit(reverse("api:docs"), 200),
        "shared preview": Visit(previews["working"], 200),
        "shared preview, link revoked": Visit(previews["revoked"], 410),
        "not found": Visit("/briefs/there-is-no-such-brief/", 404),
        "server error": Visit(BROKEN_PAGE, 500),
        "database away": Visit(DATABASE_AWAY_PAGE, 503),
        "subscription: subscribe": Visit("/subscribe/", 200),
        # An address the browser takes and the site does not, and nothing chosen.
        "subscription: subscribe, refused": Visit(
            "/subscribe/",
            400,
            form="subscribe-form",
            fill={"Your email address": "reader@example"},
            untick=("Everything we publish",),
        ),
        "subscription: check your inbox": Visit("/subscribe/check-your-inbox/", 200),
        "subscription: confirmed": Visit(mail["confirm"], 200),
        "subscription: confirmation link expired": Visit(mail["expired"], 410),
        "subscription: link not valid": Visit("/subscribe/confirm/not-a-token/", 404),
        "subscription: preferences": Visit(mail["preferences"], 200),
        "subscription: preferences, saved": Visit(
            mail["preferences"], 200, form="preferences-form"
        ),
        "subscription: preferences, refused": Visit(
            mail["preferences"], 400, form="preferences-form", untick=("Everything we publish",)
        ),
        "subscription: unsubscribe": Visit(mail["unsubscribe"], 200),
        "subscription: unsubscribed": Visit(mail["unsubscribe"], 200, form="unsubscribe-form"),
    }


PAGE_TYPES = [
    "front page",
    "brief list",
    "brief list filtered by two issues",
    "brief list with too many filters",
    "brief",
    "issue list",
    "issue",
    "expert list",
    "expert",
    "search form",
    "search results with a facet",
    "content API reference",
    "shared preview",
    "shared preview, link revoked",
    "not found",
    "server error",
    "database away",
    "subscription: subscribe",
    "subscription: subscribe, refused",
    "subscription: check your inbox",
    "subscription: confirmed",
    "subscription: confirmation link expired",
    "subscription: link not valid",
    "subscription: preferences",
    "subscription: preferences, saved",
    "subscription: preferences, refused",
    "subscription: unsubscribe",
    "subscription: unsubscribed",
]

# The error pages, on addresses only this module's URLs have (the live server serves them
# with debug off, so Django answers with the site's own handler: briefs_site.errors).
BROKEN_PAGE = "/_tests/broken/"
DATABASE_AWAY_PAGE = "/_tests/database-away/"
ERROR_PAGES = {BROKEN_PAGE, DATABASE_AWAY_PAGE}


def broken(request):
    raise RuntimeError("a page that breaks, to show the 500 page")


def database_away(request):
    raise OperationalError("the database cannot be reached, to show the 503 page")


handler500 = "briefs_site.errors.server_error"
urlpatterns = [
    path(BROKEN_PAGE.strip("/") + "/", broken),
    path(DATABASE_AWAY_PAGE.strip("/") + "/", database_away),
    path("", include(django_settings.ROOT_URLCONF)),
]


@pytest.fixture
def people_are_not_that_fast(monkeypatch):
    """The subscribe form is sent as soon as it is filled in, faster than a person could:
    it must reach the form's checks, not the bot's answer (subscriptions.forms)."""
    monkeypatch.setattr(forms, "FASTEST_PERSON_SECONDS", 0)


def describe(violations):
    lines = []
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation['impact']}): {violation['help']}\n"
            f"  {violation['helpUrl']}"
        )
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}")
            summary = (node.get("failureSummary") or "").replace("\n", "\n       ")
            if summary:
                lines.append(f"       {summary}")
    return "\n".join(lines)


def reach(page, visit):
    """Open the page as a reader would; the response of the last request."""
    response = page.goto(visit.url)
    if visit.form:
        assert response.status == 200, f"{visit.url} answered {response.status}"
        form = page.locator(f"#{visit.form}")
        for label, value in visit.fill.items():
            form.get_by_label(label, exact=True).fill(value)
        for label in visit.untick:
            form.get_by_label(label, exact=True).uncheck()
        with page.expect_navigation() as navigation:
            form.locator("[type=submit]").click()
        response = navigation.value
    return response


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_public_page_has_no_axe_violations(
    page_type, axe_script, new_context, demo, settings, people_are_not_that_fast
):
    """axe finds nothing on the page at 1280 px or at 375 px wide."""
    visit = page_visits(demo)[page_type]
    if visit.url in ERROR_PAGES:
        settings.ROOT_URLCONF = __name__
    page = new_context().new_page()
    # An init script, not a <script> tag in the page: the site's Content-Security-Policy
    # refuses inline scripts, and rightly so.
    page.add_init_script(path=axe_script)
    failures = []
    for screen, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        response = reach(page, visit)
        assert response.status == visit.status, f"{page.url} answered {response.status}"
        results = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        assert results["passes"], "axe ran no rule on the page"
        if results["violations"]:
            failures.append(f"{page_type} {page.url} at {width}px ({screen}):")
            failures.append(describe(results["violations"]))
    assert not failures, "axe found accessibility violations:\n" + "\n".join(failures)
