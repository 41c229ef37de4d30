"""The seed brief authored on an empty site, as an analyst and an editor would, counting what
they do: every click, field filled and key pressed after signing in (issue 15: at most 15 for
the analyst who pastes the brief, 25 for one who types it in, 5 for the editor who schedules
it)."""

from datetime import timedelta

from django.utils import timezone

from briefs.models import Brief
from tests import seed
from tests.browser.test_publishing_workflow import log_in, make_user
from tests.factories import FormatFactory

SEED_TITLE = "Iran and Belarus Sign Defense Cooperation Agreements"


class Counted:
    """A page whose every interaction is counted."""

    def __init__(self, page, expect):
        self.page, self.expect, self.count = page, expect, 0

    def click(self, locator):
        self.count += 1
        locator.click()

    def fill(self, locator, text):
        self.count += 1
        locator.fill(text)

    def press(self, locator, keys):
        self.count += 1
        locator.press(keys)

    def type(self, text):
        self.count += 1
        self.page.keyboard.type(text)

    def choose(self, field, text):
        """An autocomplete: open it, and type what to take (new or found), ending with Enter:
        one entry, as a field filled is one."""
        self.click(field.locator(".select2-selection"))
        # Typed once the search box has opened and has the focus, as a person sees it before
        # typing. (A predicate in a string, polled by wait_for_function, is evaluated as a
        # string in the page, which its Content-Security-Policy refuses.)
        self.expect(self.page.locator(".select2-search__field:focus")).to_have_count(1)
        self.type(f"{text}\n")


def formats():
    for name in ("Flash Brief", "Analysis", "Policy Brief", "Memo"):
        FormatFactory(name=name)


def test_the_seed_brief_is_pasted_in_by_an_analyst_and_scheduled_by_an_editor(
    new_context, sync_api
):
    expect = sync_api.expect
    text = seed.seed_text()
    formats()
    analyst, editor = make_user("Analysts"), make_user("Editors")

    page = new_context().new_page()
    log_in(page, analyst, "/admin/")
    analyst_did = Counted(page, expect)
    analyst_did.click(page.locator("#content-main .model-brief a.addlink"))
    paste = page.locator("#brief-paste-text")
    analyst_did.fill(paste, text)
    # On an empty site no issue is known, so the issues run together on their line: the
    # analyst puts commas between them, retyping the text's last line.
    analyst_did.press(paste, "Control+End")
    analyst_did.press(paste, "Shift+Home")
    analyst_did.type(", ".join(seed.SEED_ISSUES))
    analyst_did.click(page.get_by_role("button", name="Create draft from the text"))
    expect(page.locator(".messagelist .success")).to_contain_text("was created from the text")
    expect(page.locator(".field-publication_state")).to_contain_text(
        "proposed publication date Thu, Aug 3, 2023"
    )
    analyst_did.click(page.get_by_role("button", name="Submit for review").last)
    expect(page.locator(".messagelist .success")).to_contain_text("is submitted for review")

    brief = Brief.objects.get(title=SEED_TITLE)
    assert brief.status == Brief.Status.REVIEW
    assert [quote.expert.name for quote in brief.quotes.all()] == ["John Hardie", "Bradley Bowman"]
    assert [section.heading for section in brief.sections.all()] == ["Domestic Supply"]
    assert brief.related_links.count() == 3
    assert sorted(issue.name for issue in brief.issues.all()) == sorted(seed.SEED_ISSUES)

    page = new_context().new_page()
    log_in(page, editor, "/admin/")
    editor_did = Counted(page, expect)
    editor_did.click(page.locator(".brief-dashboard").get_by_role("link", name=SEED_TITLE))
    when = timezone.localtime(timezone.now() + timedelta(days=1)).replace(hour=9, minute=0)
    editor_did.fill(page.locator("#id_publish_at"), f"{when:%Y-%m-%dT%H:%M}")
    editor_did.click(page.get_by_role("button", name="Schedule", exact=True).last)
    expect(page.locator(".messagelist .success")).to_contain_text("is scheduled for")
    brief.refresh_from_db()
    assert brief.state == "scheduled"

    print(
        f"\nInteractions after signing in: analyst {analyst_did.count}, editor {editor_did.count}"
    )
    assert analyst_did.count <= 15
    assert editor_did.count <= 5


def test_the_seed_brief_typed_in_by_hand_on_an_empty_site(new_context, sync_api):
    expect = sync_api.expect
    brief = seed.seed_document()
    formats()
    analyst = make_user("Analysts")
    page = new_context().new_page()
    log_in(page, analyst, "/admin/")
    did = Counted(page, expect)
    did.click(page.locator("#content-main .model-brief a.addlink"))
    did.fill(page.locator("#id_title"), brief["title"])
    did.count += 1
    page.select_option("#id_format", label=brief["format"])
    did.fill(page.locator("#id_latest_developments"), brief["latest_developments"])
    for number, quote in enumerate(brief["quotes"]):
        if number:
            did.click(page.get_by_role("button", name="Add another Expert quote"))
        row = page.locator(f"#quotes-{number}")
        # A new expert typed as the brief names them: "Name, Title".
        did.choose(row.locator(".field-expert"), f"{quote['expert']}, {quote['expert_title']}")
        did.fill(row.locator("textarea[name$='-text']"), quote["text"])
    for number, section in enumerate(brief["sections"]):
        did.click(page.get_by_role("button", name="Add another Further section"))
        row = page.locator(f"#sections-{number}")
        did.fill(row.locator("input[name$='-heading']"), section["heading"])
        did.fill(row.locator("textarea[name$='-body']"), section["body"])
    for number, link in enumerate(brief["related"]):
        if number:
            did.click(page.get_by_role("button", name="Add another Related link"))
        row = page.locator(f"#related_links-{number}")
        did.fill(row.locator("input[name$='-title']"), link["title"])
        did.fill(row.locator("input[name$='-byline']"), link["byline"])
    # Issues typed at once, a comma after each.
    did.click(page.locator(".field-issues .select2-selection"))
    did.type("".join(f"{name}," for name in brief["issues"]))
    did.click(page.get_by_role("button", name="Submit for review").last)
    expect(page.locator(".messagelist .success")).to_contain_text("is submitted for review")

    saved = Brief.objects.get(title=brief["title"])
    assert [(q.expert.name, q.expert_title) for q in saved.quotes.all()] == [
        (quote["expert"], quote["expert_title"]) for quote in brief["quotes"]
    ]
    assert [section.heading for section in saved.sections.all()] == [
        section["heading"] for section in brief["sections"]
    ]
    assert saved.related_links.count() == len(brief["related"])
    assert sorted(issue.name for issue in saved.issues.all()) == sorted(brief["issues"])
    print(f"\nInteractions after signing in, by hand: {did.count}")
    assert did.count <= 25
