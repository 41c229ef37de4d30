"""End to end in a real browser: an analyst writes a brief in the admin, an editor schedules
it, and a reader sees it exactly when its time comes, on every public surface."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import mail
from django.core.management import call_command

from briefs.models import Brief
from tests.factories import BriefFactory, ExpertFactory, FormatFactory, IssueFactory, UserFactory

SITE_ZONE = ZoneInfo(settings.TIME_ZONE)
# The clock stands still (tick=False) at a Tuesday morning; the brief is scheduled for the
# next morning, entered in the site's time zone as an editor would.
CLOCK = datetime(2031, 5, 6, 10, 0, tzinfo=SITE_ZONE)
SCHEDULED = datetime(2031, 5, 7, 8, 30, tzinfo=SITE_ZONE)

TITLE = "Baltic Ports Brace for a Winter Sanctions Squeeze"
DEVELOPMENTS = "Three Baltic ports announced new inspections of inbound tankers on Monday."
QUOTE_1 = "The inspections are a quiet test of how far enforcement can reach."
QUOTE_2 = "Insurers will feel this before governments do."
LINK_TITLE = "How Shadow Fleets Move Oil"
LINK_URL = "https://example.org/x"
PASSWORD = "a-long-test-password-8271"


def log_in(page, user, next_url):
    page.goto(f"/admin/login/?next={next_url}")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("#login-form input[type=submit]")


def choose_expert(page, row, expert):
    """The quote's expert is a select2 autocomplete: open it, type, pick the match."""
    page.click(f"#{row} .select2-selection")
    page.fill(".select2-container--open .select2-search__field", expert.name.split()[0])
    page.click(f".select2-results__option:text-is('{expert.name}')")


def press(page, expect, button):
    """Press one of the form's move buttons (the row at its foot)."""
    page.get_by_role("button", name=button, exact=True).last.click()
    expect(page.locator(".messagelist .success")).to_be_visible()


def make_user(group):
    user = UserFactory(group=group)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_analyst_writes_editor_schedules_and_reader_sees_it_when_due(
    new_context, sync_api, time_machine
):
    expect = sync_api.expect
    time_machine.move_to(CLOCK, tick=False)

    FormatFactory(name="Analysis")
    FormatFactory(name="Flash Brief")
    experts = [
        ExpertFactory(name="Dana Whitfield", title="Senior Fellow"),
        ExpertFactory(name="Omar Castellanos", title="Research Fellow"),
    ]
    issues = [IssueFactory(name=name) for name in ("Baltic Security", "Energy", "Shipping")]
    # An older public brief, so the first issue's page and feed exist before ours is due.
    BriefFactory(title="An Earlier Brief on the Baltic", issues=[issues[0]])
    analyst = make_user("Analysts")
    editor = make_user("Editors")
    editor.email = "editor@example.org"
    editor.save()

    # The analyst writes the brief and submits it for review.
    page = new_context().new_page()
    log_in(page, analyst, "/admin/briefs/brief/add/")
    expect(page.locator("h1")).to_have_text("Add brief")
    page.fill("#id_title", TITLE)
    page.select_option("#id_format", label="Flash Brief")
    page.fill("#id_latest_developments", DEVELOPMENTS)

    choose_expert(page, "quotes-0", experts[0])
    page.fill("#id_quotes-0-text", QUOTE_1)
    page.get_by_role("button", name="Add another Expert quote").click()
    choose_expert(page, "quotes-1", experts[1])
    page.fill("#id_quotes-1-expert_title", "Visiting Scholar")
    page.fill("#id_quotes-1-text", QUOTE_2)

    page.fill("#id_related_links-0-title", LINK_TITLE)
    page.fill("#id_related_links-0-byline", "by Dana Whitfield")
    page.fill("#id_related_links-0-url", LINK_URL)

    for issue in issues:
        page.click(".field-issues .select2-selection")
        page.keyboard.type(issue.name[:4])
        page.click(f".select2-results__option:text-is('{issue.name}')")
    expect(page.locator("#id_issues option:checked")).to_have_count(3)
    press(page, expect, "Submit for review")
    expect(page.locator(".messagelist .success")).to_contain_text(
        f"“{TITLE}” is submitted for review."
    )

    brief = Brief.objects.get(title=TITLE)
    assert brief.status == Brief.Status.REVIEW
    # The editors hear of it, from the worker.
    call_command("dispatch_events", stdout=StringIO())
    assert [message.to for message in mail.outbox] == [[editor.email]]
    assert f"/admin/briefs/brief/{brief.pk}/change/" in mail.outbox[0].body

    # The editor schedules it for tomorrow morning.
    page = new_context().new_page()
    log_in(page, editor, "/admin/briefs/brief/")
    page.get_by_role("link", name=TITLE).click()
    expect(page.locator("#id_title")).to_have_value(TITLE)
    page.fill("#id_publish_at", SCHEDULED.strftime("%Y-%m-%dT%H:%M"))
    press(page, expect, "Schedule")
    expect(page.locator(".messagelist .success")).to_contain_text(
        "is scheduled for Wed, May 7, 2031, 8:30 a.m. EDT, in"
    )
    page.goto("/admin/briefs/brief/")
    row = page.locator("#result_list tr", has_text=TITLE)
    expect(row).to_contain_text("Scheduled for May 7, 2031, 8:30 a.m.")

    # The brief's page in the admin tells the story so far.
    page.locator("#result_list").get_by_role("link", name=TITLE).click()
    history = page.locator(".brief-workflow-history tbody tr")
    expect(history).to_have_count(2)
    expect(history.nth(0)).to_contain_text("In review → Scheduled for May 7, 2031, 8:30 a.m. EDT")
    expect(history.nth(0)).to_contain_text(editor.username)
    expect(history.nth(1)).to_contain_text("Created: In review")
    expect(history.nth(1)).to_contain_text(analyst.username)

    # A reader finds it nowhere before its time.
    reader = new_context().new_page()
    url = f"/briefs/{brief.slug}/"
    assert reader.goto(url).status == 404
    expect(reader.locator("h1")).to_have_text("Page not found")
    expect(reader.get_by_text(TITLE)).to_have_count(0)

    assert reader.goto("/").ok
    expect(reader.get_by_role("link", name="An Earlier Brief on the Baltic")).to_be_visible()
    expect(reader.get_by_text(TITLE)).to_have_count(0)

    assert reader.goto(f"/issues/{issues[0].slug}/").ok
    expect(reader.get_by_role("link", name="An Earlier Brief on the Baltic")).to_be_visible()
    expect(reader.get_by_text(TITLE)).to_have_count(0)
    for issue in issues[1:]:
        # An issue with no public brief has no page yet.
        assert reader.goto(f"/issues/{issue.slug}/").status == 404

    feed = reader.request.get("/feeds/briefs/")
    assert feed.ok and "An Earlier Brief on the Baltic" in feed.text()
    assert TITLE not in feed.text()
    feed = reader.request.get(f"/issues/{issues[0].slug}/feed/")
    assert feed.ok and TITLE not in feed.text()

    # Its time comes: no job runs, the reader just looks again.
    time_machine.move_to(SCHEDULED + timedelta(minutes=1), tick=False)

    assert reader.goto(url).ok
    expect(reader.locator("h1")).to_have_text(TITLE)
    expect(reader.get_by_text(DEVELOPMENTS)).to_be_visible()
    quotes = reader.locator("figure.quote")
    expect(quotes).to_have_count(2)
    expect(quotes.nth(0)).to_contain_text(QUOTE_1)
    expect(quotes.nth(0)).to_contain_text("Dana Whitfield, Senior Fellow")
    expect(quotes.nth(1)).to_contain_text(QUOTE_2)
    expect(quotes.nth(1)).to_contain_text("Omar Castellanos, Visiting Scholar")
    link = reader.get_by_role("link", name=LINK_TITLE)
    expect(link).to_have_attribute("href", LINK_URL)
    for issue in issues:
        expect(reader.get_by_role("link", name=issue.name, exact=True)).to_be_visible()

    reader.goto("/")
    expect(reader.get_by_role("link", name=TITLE)).to_be_visible()
    for issue in issues:
        assert reader.goto(f"/issues/{issue.slug}/").ok
        expect(reader.get_by_role("link", name=TITLE)).to_be_visible()

    feed = reader.request.get("/feeds/briefs/")
    assert feed.ok and TITLE in feed.text() and f"/briefs/{brief.slug}/" in feed.text()
    for issue in issues:
        feed = reader.request.get(f"/issues/{issue.slug}/feed/")
        assert feed.ok and TITLE in feed.text(), issue.slug
