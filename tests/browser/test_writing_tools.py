"""The brief form's writing tools in a real browser (briefs/static/briefs/writing.js,
markdown_paste.js, inline_order.js): a Markdown toolbar with its shortcuts, the text's length,
pasting from a word processor, and putting quotes, sections and links in order by keyboard
and by dragging, saved in that order.
"""

from pathlib import Path

import pytest

from briefs.models import Brief
from common.markdown import render_markdown
from tests.browser.test_publishing_workflow import log_in, make_user
from tests.factories import (
    BriefFactory,
    BriefSectionFactory,
    ExpertFactory,
    ExpertQuoteFactory,
    FormatFactory,
)

pytestmark = pytest.mark.slow

STATIC = Path(__file__).resolve().parents[2] / "briefs" / "static" / "briefs"

QUOTE_1 = "Enforcement reaches only as far as the insurers will go."
QUOTE_2 = "Ports are where sanctions meet the sea."

# As Word puts it on the clipboard (trimmed): Office namespaces, MsoNormal paragraphs, <o:p>,
# an empty paragraph of &nbsp;, conditional comments, and a bulleted list as list paragraphs.
WORD_HTML = """<html xmlns:o="urn:schemas-microsoft-com:office:office"
xmlns:w="urn:schemas-microsoft-com:office:word" xmlns="http://www.w3.org/TR/REC-html40">
<head><meta http-equiv=Content-Type content="text/html; charset=utf-8">
<style><!-- p.MsoNormal {margin:0in; font-size:11.0pt;
font-family:"Calibri",sans-serif;} --></style>
<!--[if gte mso 9]><xml><w:WordDocument><w:View>Normal</w:View></w:WordDocument></xml>
<![endif]--></head><body lang=EN-US style='tab-interval:.5in'><!--StartFragment-->
<p class=MsoNormal>Tehran <b>signed</b> the <i>agreement</i> on
<a href="https://example.org/deal">Monday</a>, officials said.<o:p></o:p></p>
<p class=MsoNormal><o:p>&nbsp;</o:p></p>
<p class=MsoNormal style='mso-bidi-font-weight:normal'>Read <a href="javascript:alert(1)">the
full text</a>&nbsp;here.<o:p></o:p></p>
<p class=MsoListParagraphCxSpFirst style='text-indent:-.25in;mso-list:l0 level1 lfo1'>
<![if !supportLists]><span style='font-family:Symbol'><span style='mso-list:Ignore'>·<span
style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;
</span></span></span><![endif]>Drones<o:p></o:p></p>
<p class=MsoListParagraphCxSpLast style='text-indent:-.25in;mso-list:l0 level1 lfo1'>
<![if !supportLists]><span style='font-family:Symbol'><span style='mso-list:Ignore'>·<span
style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp;&nbsp;
</span></span></span><![endif]>Missiles<o:p></o:p></p>
<!--EndFragment--></body></html>"""
WORD_MARKDOWN = (
    "Tehran **signed** the _agreement_ on [Monday](https://example.org/deal), officials said.\n\n"
    "Read the full text here.\n\n"
    "- Drones\n"
    "- Missiles"
)

# As Google Docs puts it on the clipboard: everything inside a <b> whose style says it is not
# bold, and bold and italic said by spans' styles.
GOOGLE_DOCS_HTML = (
    '<meta charset="utf-8"><b style="font-weight:normal;" '
    'id="docs-internal-guid-5f3c2a1b-7fff-4c1d-8e2a-0b9d6e4f1a23">'
    '<p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;">'
    '<span style="font-size:11pt;font-family:Arial,sans-serif;color:#000000;'
    'background-color:transparent;font-weight:400;font-style:normal;">Moscow </span>'
    '<span style="font-size:11pt;font-family:Arial,sans-serif;font-weight:700;'
    'font-style:normal;">denied</span>'
    '<span style="font-size:11pt;font-weight:400;"> the report, calling it </span>'
    '<span style="font-size:11pt;font-weight:400;font-style:italic;">provocative</span>'
    '<span style="font-size:11pt;font-weight:400;"> and </span>'
    '<a href="https://example.org/statement" style="text-decoration:none;">'
    '<span style="font-size:11pt;color:#1155cc;font-weight:400;'
    'text-decoration:underline;">false</span></a>'
    '<span style="font-weight:400;">.</span></p><br>'
    '<ol style="margin-top:0;margin-bottom:0;">'
    '<li dir="ltr" style="list-style-type:decimal;font-size:11pt;" aria-level="1">'
    '<p dir="ltr" role="presentation"><span style="font-weight:400;">First</span></p></li>'
    '<li dir="ltr" style="list-style-type:decimal;font-size:11pt;" aria-level="1">'
    '<p dir="ltr" role="presentation"><span style="font-weight:700;">Second</span></p></li>'
    "</ol></b>"
)
GOOGLE_DOCS_MARKDOWN = (
    "Moscow **denied** the report, calling it _provocative_ and "
    "[false](https://example.org/statement).\n\n"
    "1. First\n"
    "2. **Second**"
)

# As VS Code puts Markdown on the clipboard: a monospace block, a <div> to a line.
VS_CODE_HTML = (
    '<meta charset="utf-8"><div style="color: #cccccc;background-color: #1f1f1f;'
    "font-family: Consolas, 'Courier New', monospace;font-weight: normal;font-size: 14px;"
    'line-height: 19px;white-space: pre;"><div><span style="color: #569cd6;font-weight: bold;">'
    '**Kept**</span><span> as it is</span></div><div><span style="color: #6796e6;">-</span>'
    "<span> a line</span></div></div>"
)

CONVERSIONS = [
    pytest.param(WORD_HTML, WORD_MARKDOWN, id="word"),
    pytest.param(GOOGLE_DOCS_HTML, GOOGLE_DOCS_MARKDOWN, id="google-docs"),
    pytest.param(
        '<html><body><p style="margin-bottom: 0in">A <font face="Liberation Serif"><b>bold'
        '</b></font> and <i>italic</i> word, <a href="mailto:press@example.org">mail</a>.</p>'
        "<p><br></p><p>Next</p></body></html>",
        "A **bold** and _italic_ word, [mail](mailto:press@example.org).\n\nNext",
        id="libreoffice",
    ),
    pytest.param(
        '<p><a href="javascript:alert(1)">one</a> <a href="JaVaScRiPt:x">two</a> '
        '<a href="data:text/html,x">three</a> <a href="#note">four</a> '
        '<a href="/relative">five</a> <a href=" https://example.org/ok ">six</a></p>',
        "one two three four five [six](https://example.org/ok)",
        id="only-http-https-mailto-links",
    ),
    pytest.param(
        "<style>p{color:red}</style><script>alert(1)</script><!-- a comment -->"
        '<p class="x" style="color:red">Kept <img src="x.png" alt="picture"><span>text</span></p>'
        "<table><tr><td>Cell one</td><td>Cell two</td></tr></table>"
        "<h2>A heading</h2><blockquote>Quoted</blockquote>",
        "Kept text\n\nCell one\n\nCell two\n\nA heading\n\nQuoted",
        id="everything-else-dropped-text-kept",
    ),
    pytest.param(
        "<ul><li>One<ul><li>One a</li></ul></li><li>Two</li></ul>",
        "- One\n  - One a\n- Two",
        id="nested-list",
    ),
    pytest.param(
        "<p>Line one<br>line two</p>",
        "Line one\\\nline two",
        id="line-break",
    ),
    pytest.param(
        "<p><b>Note:</b>next, <b> spaced </b>word, un<i>believ</i>able</p>",
        "**Note**:next, **spaced** word, un*believ*able",
        id="emphasis-that-renders",
    ),
    pytest.param(
        "<p># not a heading</p><p>1. not a list</p><p>- not a bullet</p><p>*stars* and "
        "[brackets](here), 5 * 3, snake_case</p>",
        "\\# not a heading\n\n1\\. not a list\n\n\\- not a bullet\n\n"
        "\\*stars\\* and [brackets\\](here), 5 * 3, snake_case",
        id="text-that-looks-like-markdown",
    ),
]


@pytest.fixture
def converter(browser):
    """A blank page with the converter loaded, as the form loads it."""
    page = browser.new_page()
    page.set_content("<!doctype html><title>Converter</title>")
    page.add_script_tag(path=STATIC / "markdown_paste.js")
    yield lambda html: page.evaluate("html => BriefsMarkdownPaste.htmlToMarkdown(html)", html)
    page.close()


@pytest.mark.parametrize("html, markdown", CONVERSIONS)
def test_html_from_the_clipboard_becomes_the_markdown_it_means(converter, html, markdown):
    assert converter(html) == markdown


def test_code_is_told_from_a_word_processor_s_text(browser):
    page = browser.new_page()
    page.set_content("<!doctype html><title>Converter</title>")
    page.add_script_tag(path=STATIC / "markdown_paste.js")
    is_code = "html => BriefsMarkdownPaste.isCode(html)"
    assert page.evaluate(is_code, VS_CODE_HTML)
    assert page.evaluate(is_code, "<pre>- a\n- b</pre>")
    for html in (WORD_HTML, GOOGLE_DOCS_HTML, "<p>Text <pre>code</pre></p>", ""):
        assert not page.evaluate(is_code, html)
    page.close()


def test_what_a_paste_makes_renders_as_it_was_written(converter):
    html = render_markdown(converter(WORD_HTML))
    assert "<strong>signed</strong>" in html and "<em>agreement</em>" in html
    assert '<a href="https://example.org/deal"' in html
    assert "<li>Drones</li>" in html and "javascript" not in html
    html = render_markdown(converter(GOOGLE_DOCS_HTML))
    assert "<strong>denied</strong>" in html and "<em>provocative</em>" in html
    assert "<ol>" in html and "<li><strong>Second</strong></li>" in html
    assert "Moscow <strong>" in html  # the wrapping <b> is not bold


@pytest.fixture
def draft(site):
    FormatFactory(name="Flash Brief")
    brief = BriefFactory(
        title="Ports Under Watch",
        latest_developments="Three ports announced new inspections",
        status=Brief.Status.DRAFT,
        publish_at=None,
    )
    ExpertQuoteFactory(
        brief=brief, expert=ExpertFactory(name="Dana Whitfield"), text=QUOTE_1, position=1
    )
    ExpertQuoteFactory(
        brief=brief, expert=ExpertFactory(name="Omar Castellanos"), text=QUOTE_2, position=2
    )
    BriefSectionFactory(brief=brief, heading="Insurers", body="Premiums rose.", position=1)
    return brief


@pytest.fixture
def form(new_context, draft):
    """The draft's form, open for an analyst; no script on it may fail."""
    page = new_context().new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, make_user("Analysts"), f"/admin/briefs/brief/{draft.pk}/change/")
    page.locator("#brief_form").wait_for()
    yield page
    assert not errors, errors


def select(page, field, text):
    """Select `text` in a text field, as a person dragging over it would."""
    page.locator(field).evaluate(
        """(field, text) => {
            const start = field.value.indexOf(text);
            field.focus();
            field.setSelectionRange(start, start + text.length);
        }""",
        text,
    )


def save_draft(page, expect):
    page.get_by_role("button", name="Save draft", exact=True).last.click()
    expect(page.locator(".messagelist .success")).to_contain_text("is saved as a draft")


def test_toolbar_and_shortcuts_write_markdown_that_is_saved(form, draft, sync_api):
    expect, page = sync_api.expect, form
    field = "#id_latest_developments"
    toolbar = page.get_by_role("toolbar", name="Formatting: Latest developments")
    expect(toolbar.get_by_role("button")).to_have_text(["Bold", "Italic", "Link", "Bulleted list"])

    select(page, field, "new inspections")
    toolbar.get_by_role("button", name="Bold").click()
    expect(page.locator(field)).to_have_value("Three ports announced **new inspections**")
    # The words stay selected: pressed again, the same button takes the marks away.
    toolbar.get_by_role("button", name="Bold").click()
    expect(page.locator(field)).to_have_value("Three ports announced new inspections")

    select(page, field, "announced")
    page.keyboard.press("Control+i")
    expect(page.locator(field)).to_have_value("Three ports _announced_ new inspections")

    select(page, field, "ports")
    page.keyboard.press("Control+k")
    address = page.get_by_role("textbox", name="Link address")
    expect(address).to_be_focused()
    address.fill("javascript:alert(1)")
    address.press("Enter")
    expect(page.get_by_text("Use a web address")).to_be_visible()
    expect(page.locator(field)).to_have_value("Three ports _announced_ new inspections")
    address.fill("example.org/ports")
    address.press("Enter")
    expect(address).to_be_hidden()
    expect(page.locator(field)).to_have_value(
        "Three [ports](https://example.org/ports) _announced_ new inspections"
    )
    expect(page.locator(field)).to_be_focused()
    # The browser's own undo takes the link back out, in one step.
    page.keyboard.press("Control+z")
    expect(page.locator(field)).to_have_value("Three ports _announced_ new inspections")
    page.keyboard.press("Control+Shift+z")
    expect(page.locator(field)).to_have_value(
        "Three [ports](https://example.org/ports) _announced_ new inspections"
    )

    page.locator(field).press("End")
    page.keyboard.type("\nDrones\nMissiles")
    select(page, field, "Drones\nMissiles")
    toolbar.get_by_role("button", name="Bulleted list").click()
    value = (
        "Three [ports](https://example.org/ports) _announced_ new inspections\n- Drones\n- Missiles"
    )
    expect(page.locator(field)).to_have_value(value)
    # A whole list line made bold keeps its bullet outside the marks; again, and it is not.
    select(page, field, "- Missiles")
    toolbar.get_by_role("button", name="Bold").click()
    expect(page.locator(field)).to_have_value(value.replace("- Missiles", "- **Missiles**"))
    toolbar.get_by_role("button", name="Bold").click()
    expect(page.locator(field)).to_have_value(value)

    # The quote's field has its own toolbar, and the shortcut works there too.
    select(page, "#id_quotes-0-text", "insurers")
    page.keyboard.press("Control+b")
    expect(page.locator("#id_quotes-0-text")).to_have_value(
        QUOTE_1.replace("insurers", "**insurers**")
    )

    save_draft(page, expect)
    draft.refresh_from_db()
    assert draft.latest_developments == value
    assert '<a href="https://example.org/ports"' in draft.latest_developments_html
    assert "<em>announced</em>" in draft.latest_developments_html
    assert "<li>Drones</li>" in draft.latest_developments_html
    assert "<strong>insurers</strong>" in draft.quotes.get(expert__name="Dana Whitfield").text_html


def test_an_edit_by_a_tool_reaches_the_autosave(form, sync_api):
    page = form
    select(page, "#id_latest_developments", "ports")
    with page.expect_response(lambda r: r.url.endswith("/autosave/") and r.status == 204):
        page.keyboard.press("Control+b")


def test_the_length_of_the_text_shows_and_follows_the_typing(form, sync_api):
    expect, page = sync_api.expect, form
    length = page.get_by_role("status").filter(has_text="words")
    # 5 in latest developments, 10 and 7 in the quotes, 1 in the heading, 2 in the body.
    expect(length).to_have_text("25 words · about 1 minute to read")
    page.locator("#id_latest_developments").press("End")
    page.keyboard.type(" at dawn on Monday")
    expect(length).to_have_text("29 words · about 1 minute to read")
    page.locator("#id_sections-0-body").fill(" ".join(["word"] * 600))
    expect(length).to_have_text("627 words · about 3 minutes to read")
    # A quote marked for deletion is no longer part of the brief.
    page.locator("#id_quotes-1-DELETE").check()
    expect(length).to_have_text("620 words · about 3 minutes to read")


def paste_html(page, field, html, text="plain text"):
    """Paste as a word processor does, text/html beside text/plain; True when the page took
    the paste over, False when it left it to the browser."""
    return page.locator(field).evaluate(
        """(field, [html, text]) => {
            const data = new DataTransfer();
            if (html) {
                data.setData("text/html", html);
            }
            data.setData("text/plain", text);
            field.focus();
            return !field.dispatchEvent(new ClipboardEvent("paste", {
                clipboardData: data, bubbles: true, cancelable: true,
            }));
        }""",
        [html, text],
    )


def test_pasting_from_word_and_google_docs_gives_markdown(form, draft, sync_api):
    expect, page = sync_api.expect, form
    field = "#id_latest_developments"
    page.locator(field).fill("")
    assert paste_html(page, field, WORD_HTML)
    expect(page.locator(field)).to_have_value(WORD_MARKDOWN)
    page.locator(field).press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    paste_html(page, field, GOOGLE_DOCS_HTML)
    value = f"{WORD_MARKDOWN}\n\n{GOOGLE_DOCS_MARKDOWN}"
    expect(page.locator(field)).to_have_value(value)
    assert "javascript" not in page.locator(field).input_value()
    # Plain text, and Markdown copied out of a code editor, are the browser's to paste.
    assert not paste_html(page, field, "", "**Kept** as it is")
    assert not paste_html(page, field, VS_CODE_HTML, "**Kept** as it is\n- a line")
    expect(page.locator(field)).to_have_value(value)

    # Into a new section's body too.
    page.get_by_role("button", name="Add another Further section").click()
    page.fill("#id_sections-1-heading", "Pasted")
    paste_html(page, "#id_sections-1-body", GOOGLE_DOCS_HTML)
    expect(page.locator("#id_sections-1-body")).to_have_value(GOOGLE_DOCS_MARKDOWN)

    save_draft(page, expect)
    draft.refresh_from_db()
    assert draft.latest_developments == value
    assert '<a href="https://example.org/deal"' in draft.latest_developments_html
    assert "javascript" not in draft.latest_developments_html
    assert [section.heading for section in draft.sections.all()] == ["Insurers", "Pasted"]


def texts_on_the_preview(page, draft):
    page.goto(f"/admin/briefs/brief/{draft.pk}/preview/")
    return page.locator("figure.quote").all_inner_texts()


def test_a_quote_moved_down_with_its_button_is_saved_in_that_order(form, draft, sync_api):
    expect, page = sync_api.expect, form
    expect(page.locator("#id_quotes-0-position")).to_be_hidden()
    down = page.get_by_role("button", name="Move quote 1 down")
    expect(page.get_by_role("button", name="Move quote 1 up")).to_have_attribute(
        "aria-disabled", "true"
    )
    down.focus()
    page.keyboard.press("Enter")
    status = page.locator("#writing-order-status")
    expect(status).to_have_text("Moved quote “Dana Whitfield” to 2 of 2.")
    rows = page.locator("#quotes-group .inline-related:not(.empty-form)")
    expect(rows.nth(0).locator("textarea")).to_have_value(QUOTE_2)
    expect(rows.nth(1).locator("textarea")).to_have_value(QUOTE_1)
    # The button went with its quote, and kept the focus; its name says where it is now.
    expect(page.get_by_role("button", name="Move quote 2 down")).to_be_focused()
    expect(page.locator("#id_quotes-0-position")).to_have_value("2")
    expect(page.locator("#id_quotes-1-position")).to_have_value("1")

    save_draft(page, expect)
    assert [quote.text for quote in draft.quotes.all()] == [QUOTE_2, QUOTE_1]
    assert list(draft.quotes.values_list("position", flat=True)) == [1, 2]
    quotes = texts_on_the_preview(page, draft)
    assert QUOTE_2 in quotes[0] and QUOTE_1 in quotes[1]


def test_a_quote_dragged_above_the_other_is_saved_in_that_order(form, draft, sync_api):
    expect, page = sync_api.expect, form
    rows = page.locator("#quotes-group .inline-related:not(.empty-form)")
    rows.nth(1).locator(".writing-drag-handle").drag_to(rows.nth(0))
    expect(rows.nth(0).locator("textarea")).to_have_value(QUOTE_2)
    expect(page.locator("#writing-order-status")).to_have_text(
        "Moved quote “Omar Castellanos” to 1 of 2."
    )
    save_draft(page, expect)
    assert [quote.text for quote in draft.quotes.all()] == [QUOTE_2, QUOTE_1]
    quotes = texts_on_the_preview(page, draft)
    assert QUOTE_2 in quotes[0] and QUOTE_1 in quotes[1]


def test_new_rows_take_the_next_number_once_written_in_and_empty_ones_none(form, draft, sync_api):
    expect, page = sync_api.expect, form
    add = page.get_by_role("button", name="Add another Further section")
    add.click()
    add.click()
    # Empty rows get no number: a number would make Django check them, and refuse the save.
    expect(page.locator("#id_sections-1-position")).to_have_value("")
    page.fill("#id_sections-2-heading", "Shipping")
    page.fill("#id_sections-2-body", "Fewer tankers called.")
    expect(page.locator("#id_sections-2-position")).to_have_value("2")
    # The new section goes first, above the empty one and the saved one.
    page.get_by_role("button", name="Move section 3 up").click()
    page.get_by_role("button", name="Move section 2 up").click()
    expect(page.locator("#id_sections-2-position")).to_have_value("1")
    expect(page.locator("#id_sections-0-position")).to_have_value("2")
    # An empty new row removed: the admin numbers the forms again, the saved row stays first.
    page.locator("#sections-1 .inline-deletelink").click()
    expect(page.locator("#id_sections-0-heading")).to_have_value("Insurers")
    expect(page.locator("#id_sections-1-heading")).to_have_value("Shipping")
    save_draft(page, expect)
    assert [section.heading for section in draft.sections.all()] == ["Shipping", "Insurers"]


def test_a_refused_save_shows_the_rows_in_the_order_chosen(form, draft, sync_api):
    expect, page = sync_api.expect, form
    page.get_by_role("button", name="Move quote 1 down").click()
    page.fill("#id_title", "")
    page.get_by_role("button", name="Save draft", exact=True).last.click()
    expect(page.locator(".errornote")).to_be_visible()
    rows = page.locator("#quotes-group .inline-related:not(.empty-form)")
    expect(rows.nth(0).locator("textarea")).to_have_value(QUOTE_2)
    expect(rows.nth(1).locator("textarea")).to_have_value(QUOTE_1)
    page.fill("#id_title", "Ports Under Watch")
    save_draft(page, expect)
    assert [quote.text for quote in draft.quotes.all()] == [QUOTE_2, QUOTE_1]


def test_an_order_kept_by_the_autosave_comes_back_with_the_text(new_context, draft, sync_api):
    expect = sync_api.expect
    analyst = make_user("Analysts")
    change = f"/admin/briefs/brief/{draft.pk}/change/"
    page = new_context().new_page()
    log_in(page, analyst, change)
    page.get_by_role("button", name="Move quote 1 down").click()
    with page.expect_response(lambda r: r.url.endswith("/autosave/") and r.status == 204):
        pass
    page.context.close()  # the crash

    page = new_context().new_page()
    log_in(page, analyst, change)
    rows = page.locator("#quotes-group .inline-related:not(.empty-form)")
    expect(rows.nth(0).locator("textarea")).to_have_value(QUOTE_1)
    page.get_by_role("button", name="Put them back in the form").click()
    expect(rows.nth(0).locator("textarea")).to_have_value(QUOTE_2)
    expect(rows.nth(1).locator("textarea")).to_have_value(QUOTE_1)
    save_draft(page, expect)
    assert [quote.text for quote in draft.quotes.all()] == [QUOTE_2, QUOTE_1]


def test_a_new_brief_saves_with_its_empty_rows_left_alone(new_context, site, sync_api):
    expect = sync_api.expect
    FormatFactory(name="Flash Brief")
    ExpertFactory(name="Dana Whitfield")
    page = new_context().new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, make_user("Analysts"), "/admin/briefs/brief/add/")
    page.fill("#id_title", "A New Brief")
    page.select_option("#id_format", label="Flash Brief")
    page.fill("#id_latest_developments", "Words.")
    # The empty quote and link rows the form opens with, and one more empty link, are left.
    page.get_by_role("button", name="Add another Related link").click()
    expect(page.locator("#id_related_links-1-position")).to_have_value("")
    page.get_by_role("button", name="Move link 2 up").click()
    save_draft(page, expect)
    brief = Brief.objects.get(title="A New Brief")
    assert not brief.quotes.exists() and not brief.related_links.exists()
    assert not errors, errors


def test_without_javascript_the_order_numbers_show_and_work(browser, site, draft):
    context = browser.new_context(base_url=site.url, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, make_user("Analysts"), f"/admin/briefs/brief/{draft.pk}/change/")
        page.locator("#brief_form").wait_for()
        assert page.locator("#id_quotes-0-position").is_visible()
        assert page.locator("#id_quotes-1-position").is_visible()
        assert page.locator(".writing-toolbar, .writing-order").count() == 0
        page.fill("#id_quotes-0-position", "3")
        page.get_by_role("button", name="Save draft", exact=True).last.click()
        page.locator(".messagelist .success").wait_for()
    finally:
        context.close()
    assert [quote.text for quote in draft.quotes.all()] == [QUOTE_2, QUOTE_1]


def test_the_form_keeps_to_a_phone_s_width(new_context, draft, sync_api):
    page = new_context(width=390, height=844).new_page()
    log_in(page, make_user("Analysts"), f"/admin/briefs/brief/{draft.pk}/change/")
    page.locator(".writing-toolbar").first.wait_for()
    select(page, "#id_latest_developments", "ports")
    page.keyboard.press("Control+k")
    sync_api.expect(page.get_by_role("textbox", name="Link address")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
