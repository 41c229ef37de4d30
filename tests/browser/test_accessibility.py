"""axe-core on every kind of public page, on a wide and a narrow screen.

Each page type is its own test. A failure lists every violation with the rule, its impact,
what to fix and the elements it found, so the template or stylesheet can be fixed; the rules
are not to be relaxed here to make a page pass.
"""

from io import StringIO

import pytest
from django.core.management import call_command

from briefs.models import Brief, Issue
from tests.factories import FormatFactory

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
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


def page_urls(brief):
    expert = brief.quotes.exclude(expert__photo="").first().expert
    issue = Issue.objects.public().get(slug=DEMO_ISSUES[0])
    return {
        "front page": ("/", 200),
        "brief list": ("/briefs/", 200),
        "brief list filtered by two issues": (
            f"/briefs/?issue={DEMO_ISSUES[0]}&issue={DEMO_ISSUES[1]}",
            200,
        ),
        "brief": (brief.get_absolute_url(), 200),
        "issue list": ("/issues/", 200),
        "issue": (issue.get_absolute_url(), 200),
        "expert list": ("/experts/", 200),
        "expert": (expert.get_absolute_url(), 200),
        "search form": ("/search/", 200),
        "search results with a facet": (f"/search/?q=sanctions&issue={DEMO_ISSUES[0]}", 200),
        "not found": ("/briefs/there-is-no-such-brief/", 404),
    }


PAGE_TYPES = [
    "front page",
    "brief list",
    "brief list filtered by two issues",
    "brief",
    "issue list",
    "issue",
    "expert list",
    "expert",
    "search form",
    "search results with a facet",
    "not found",
]


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


@pytest.mark.parametrize("page_type", PAGE_TYPES)
def test_public_page_has_no_axe_violations(page_type, axe_script, new_context, demo):
    """axe finds nothing on the page at 1280 px or at 375 px wide."""
    url, status = page_urls(demo)[page_type]
    page = new_context().new_page()
    # An init script, not a <script> tag in the page: the site's Content-Security-Policy
    # refuses inline scripts, and rightly so.
    page.add_init_script(path=axe_script)
    failures = []
    for screen, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        response = page.goto(url)
        assert response.status == status, f"{url} answered {response.status}"
        results = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        assert results["passes"], "axe ran no rule on the page"
        if results["violations"]:
            failures.append(f"{page_type} {url} at {width}px ({screen}):")
            failures.append(describe(results["violations"]))
    assert not failures, "axe found accessibility violations:\n" + "\n".join(failures)
