"""Lighthouse on the front page and on brief pages (the demo's brief, and one with a lead
image), as a phone and as a desktop: 100 in each of performance, accessibility, best practices
and SEO (issue 15); performance in the median of three runs, the others in every run.

The Node CLI from package.json (node_modules/.bin/lighthouse) drives Debian's Chromium
(CHROME_PATH), which resolves no name but loopback's: the test fails if the report lists a
request anywhere but the live server. A failure names every audit that cost points, with what
Lighthouse measured, so the template or stylesheet can be fixed; no audit is turned off here.
The figures, and how to get them by hand, are in docs/lighthouse.md.
"""

import ipaddress
import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve

from briefs.models import Brief
from tests.browser.conftest import CHROMIUM_ARGS, LOOPBACK, LOOPBACK_ONLY, REPO, missing
from tests.browser.test_accessibility import demo, demo_snapshot  # noqa: F401 (fixtures)

LIGHTHOUSE = REPO / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
# The conftest's flags (headless, no sandbox, no GPU, no background networking, no update
# checks, sync or first-run calls, no name resolved but loopback), joined for Lighthouse's
# launcher, which splits them at spaces: the resolver rules, which hold spaces, are quoted.
RESOLVER = "--host-resolver-rules="
CHROME_FLAGS = " ".join(
    [
        *(arg for arg in CHROMIUM_ARGS if not arg.startswith(RESOLVER)),
        f'{RESOLVER}"{LOOPBACK_ONLY}"',
    ]
)
FORM_FACTORS = {"mobile": [], "desktop": ["--preset=desktop"]}
# The front page, the demo's brief (quotes with photos), and a brief whose lead image is the
# largest thing on its first screen.
PAGES = ["front page", "brief", "brief with a lead image"]
RUN_TIMEOUT_S = 180
# A trace recorded badly is run again, at most this many runs in all (run_lighthouse).
RUNS = 3
# Runs per page and form factor. The performance score is the median run's: one run's Total
# Blocking Time moves with the machine's load (on two busy cores a page that scores 100 scored
# 99 once, TBT 100 ms for 20 ms alone), and Lighthouse's guide to variability advises the
# median of several runs. The other categories do not depend on timing, and must be 100 in
# every run.
SCORED_RUNS = 3
TIMED_CATEGORY = "performance"
# Lighthouse's runtime errors that say "Something went wrong with recording the trace over
# your page load. Please run Lighthouse again." (core/lib/lh-error.js)
BAD_TRACE_RECORDING = {
    "NO_TRACING_STARTED",
    "NO_RESOURCE_REQUEST",
    "NO_NAVSTART",
    "NO_DCL",
    "NO_FMP",
}
# Where the JSON reports go: the test's own temporary folder unless this names one.
REPORTS = os.environ.get("LIGHTHOUSE_REPORTS")


def media(request, path):
    """Uploads from MEDIA_ROOT as it is now (the demo's folder), as the web server in front
    of the site serves them in production; the live server runs with debug off, and the
    site's own pattern for them exists only with debug on."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [
    re_path(rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>.*)$", media),
    path("", include(settings.ROOT_URLCONF)),
]


@pytest.fixture(scope="session")
def lighthouse():
    if not LIGHTHOUSE.is_file():
        if shutil.which("npm") is None:
            missing(f"{LIGHTHOUSE.relative_to(REPO)} is missing and npm is not installed")
        missing(f"{LIGHTHOUSE.relative_to(REPO)} is missing (run `npm ci` in the repository)")
    if shutil.which("node") is None:
        missing("node is not installed: the Lighthouse CLI is a Node program")
    return LIGHTHOUSE


@pytest.fixture
def served(demo, settings):  # noqa: F811 (the fixture imported above)
    """The demo content, its uploads served beside the site."""
    settings.ROOT_URLCONF = __name__
    return demo


def page_path(page, demo_brief):
    if page == "front page":
        return "/"
    if page == "brief":
        return demo_brief.get_absolute_url()
    pictured = Brief.objects.published().exclude(lead_image="").order_by("-publish_at").first()
    assert pictured and pictured.lead_picture, "the demo has a public brief with a lead image"
    return pictured.get_absolute_url()


def run_lighthouse(lighthouse, chromium_path, url, form_factor, report):
    """The report of one Lighthouse run. Lighthouse saves its report even when the run went
    wrong, then exits with 1; a trace Chromium recorded badly (its navigation start missed, on
    a busy machine) is Lighthouse's "run again", so it is run again, twice at most."""
    command = [
        str(lighthouse),
        url,
        "--output=json",
        f"--output-path={report}",
        "--quiet",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--no-enable-error-reporting",
        "--disable-full-page-screenshot",
        *FORM_FACTORS[form_factor],
    ]
    env = {**os.environ, "CHROME_PATH": chromium_path}
    for attempt in range(1, RUNS + 1):
        report.unlink(missing_ok=True)
        finished = subprocess.run(
            command, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, check=False
        )
        assert report.is_file(), (
            f"lighthouse exited with {finished.returncode} and no report:\n"
            f"{finished.stdout}\n{finished.stderr}"
        )
        result = json.loads(report.read_text(encoding="utf-8"))
        error = result.get("runtimeError") or {}
        if error.get("code") not in BAD_TRACE_RECORDING or attempt == RUNS:
            break
        print(f"run {attempt} of {url} ({form_factor}): {error['code']}, running again")
    assert not error and finished.returncode == 0, (
        f"lighthouse exited with {finished.returncode}: {error.get('code')} {error.get('message')}"
        f"\n{finished.stderr}"
    )
    return result


def is_loopback(url):
    parts = urlsplit(url)
    if parts.scheme == "data":
        return True
    if parts.hostname in LOOPBACK:
        return True
    try:
        return ipaddress.ip_address(parts.hostname or "").is_loopback
    except ValueError:
        return False


def costly_audits(result, category):
    """The audits of a category that cost points: id, title and what was measured."""
    lines = []
    for ref in result["categories"][category]["auditRefs"]:
        audit = result["audits"][ref["id"]]
        if ref["weight"] > 0 and audit["score"] is not None and audit["score"] < 1:
            value = audit.get("displayValue", "")
            lines.append(f"    {audit['id']} (score {audit['score']}): {audit['title']} {value}")
    return lines


def assert_loopback_only(result):
    requests = result["audits"]["network-requests"]["details"]["items"]
    assert requests, "Lighthouse saw no request"
    elsewhere = [item["url"] for item in requests if not is_loopback(item["url"])]
    assert not elsewhere, f"requests beyond loopback: {elsewhere}"


def shortfalls(result, categories):
    """For each of `categories` scored below 100 in `result`: its score and the audits that
    cost points."""
    return [
        f"  {name}: {round(result['categories'][name]['score'] * 100)}\n"
        + "\n".join(costly_audits(result, name))
        for name in categories
        if result["categories"][name]["score"] != 1
    ]


def median_run(runs):
    """Of (report, result) pairs, the one whose performance score is the median of the runs'."""
    ranked = sorted(runs, key=lambda run: run[1]["categories"][TIMED_CATEGORY]["score"])
    return ranked[len(ranked) // 2]


@pytest.mark.parametrize("form_factor", FORM_FACTORS)
@pytest.mark.parametrize("page", PAGES)
def test_lighthouse_scores_100_in_every_category(
    page, form_factor, lighthouse, chromium_path, site, served, tmp_path
):
    url = site.url + page_path(page, served)
    reports = Path(REPORTS) if REPORTS else tmp_path
    reports.mkdir(parents=True, exist_ok=True)
    name = f"{page.replace(' ', '-')}-{form_factor}"

    runs, failures = [], []
    for run in range(1, SCORED_RUNS + 1):
        report = reports / f"{name}-{run}.json"
        result = run_lighthouse(lighthouse, chromium_path, url, form_factor, report)
        assert_loopback_only(result)
        scores = {category: result["categories"][category]["score"] for category in CATEGORIES}
        print(f"{page} ({form_factor}), run {run}: {scores}")
        untimed = [category for category in CATEGORIES if category != TIMED_CATEGORY]
        failures += [f"run {run} ({report}):\n{line}" for line in shortfalls(result, untimed)]
        runs.append((report, result))
    median_report, median = median_run(runs)
    failures += [
        f"the median run ({median_report}):\n{line}"
        for line in shortfalls(median, [TIMED_CATEGORY])
    ]
    warnings = "\n".join(
        f"  {warning}" for _, result in runs for warning in result.get("runWarnings", [])
    )
    assert not failures, (
        f"Lighthouse below 100 on the {page} ({form_factor}, {url}); reports in {reports}\n"
        + "\n".join(failures)
        + (f"\nrun warnings:\n{warnings}" if warnings else "")
    )
