"""What a subscriber reads in the mail of a brief, of the daily digest and of a confirmation
(subscriptions.mail): the brief whole and in the order of its page, links that work from an
inbox (absolute, from the site's configured address), CSS that survives mail clients, and the
recipient's own links filled in per recipient."""

import datetime
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from briefs.interchange.documents import import_documents
from briefs.models import Brief
from subscriptions import mail
from subscriptions.models import Digest
from tests.factories import (
    BriefFactory,
    BriefSectionFactory,
    ExpertFactory,
    ExpertQuoteFactory,
    IssueFactory,
    RelatedLinkFactory,
)
from tests.images import run_image_tasks
from tests.seed import seed_document

pytestmark = pytest.mark.django_db

SITE = "https://briefs.example.org"
PREFERENCES = f"{SITE}/subscribe/preferences/signed-preferences-token/"
UNSUBSCRIBE = f"{SITE}/subscribe/unsubscribe/signed-unsubscribe-token/"


@pytest.fixture(autouse=True)
def site_address(settings):
    settings.SITE_URL = SITE
    settings.SITE_NAME = "Meridian Briefs"


class MailHTML(HTMLParser):
    """What a mail's HTML shows: its links, images, preheader and words."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.links, self.images, self.styled = [], [], 0
        self.words, self.preheader_words, self.style_block = [], [], ""
        self.inside = []  # (tag, attributes) of the open elements
        self.feed(html)
        self.close()
        self.text = words(" ".join(self.words))
        self.preheader = words(" ".join(self.preheader_words))

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "style" in attributes:
            self.styled += 1
        if tag == "a":
            self.links.append(attributes["href"])
        if tag == "img":
            self.images.append(attributes)
        if tag not in {"br", "img", "meta", "hr"}:
            self.inside.append((tag, attributes))

    def handle_endtag(self, tag):
        if self.inside and self.inside[-1][0] == tag:
            self.inside.pop()

    def handle_data(self, data):
        tags = [tag for tag, _ in self.inside]
        hidden = [
            attributes
            for _, attributes in self.inside
            if "preheader" in attributes.get("class", "")
        ]
        if "style" in tags:
            self.style_block += data
        elif hidden:
            # The filler after the preheader is hidden from screen readers too.
            if "aria-hidden" not in hidden[0]:
                self.preheader_words.append(data)
        elif "title" not in tags:
            self.words.append(data)


def words(text):
    return " ".join(text.split())


def png(width=1600, height=900):
    output = BytesIO()
    Image.new("RGB", (width, height), "#12355b").save(output, "PNG")
    return SimpleUploadedFile("lead.png", output.getvalue())


def full_brief(**fields):
    """A brief with every part a brief can have, each part's words found nowhere else."""
    target = BriefFactory(title="Pipelines under pressure")
    brief = BriefFactory(
        title="Ports reopen after the strike",
        summary="Dockworkers and owners settled overnight.",
        latest_developments=(
            "The strike ended at dawn, see [our earlier brief](/briefs/earlier-brief/).\n\n"
            "Ships queued off the coast for nine days."
        ),
        issues=["Trade", "Labour"],
        **fields,
    )
    first = ExpertFactory(name="Ada Quayside", title="Director of Shipping")
    ExpertQuoteFactory(brief=brief, expert=first, text="Backlogs take weeks to clear.")
    ExpertQuoteFactory(
        brief=brief,
        expert=ExpertFactory(name="Ben Harbour", title="Senior Fellow"),
        text="Wages were never the whole story.",
        expert_title="Visiting Fellow",
    )
    BriefSectionFactory(brief=brief, heading="What comes next", body="Talks resume in spring.")
    BriefSectionFactory(brief=brief, heading="Who pays", body="Insurers carry the delays.")
    RelatedLinkFactory(
        brief=brief,
        title="The economics of idle cranes",
        byline="by Cora Dock",
        url="https://example.org/analysis/cranes",
    )
    RelatedLinkFactory(brief=brief, title="Read the pipelines brief", byline="Our brief", url="")
    brief.related_links.filter(title="Read the pipelines brief").update(target=target)
    return brief


def in_order(text, parts):
    """Whether each of `parts` is in `text`, in this order (in any case: the plain text
    writes headings in capitals)."""
    positions = [text.casefold().index(part.casefold()) for part in parts]
    return positions == sorted(positions)


READING_ORDER = [
    "Ports reopen after the strike",
    "Dockworkers and owners settled overnight.",
    "The strike ended at dawn",
    "Ships queued off the coast for nine days.",
    "Backlogs take weeks to clear.",
    "Ada Quayside",
    "Director of Shipping",
    "Wages were never the whole story.",
    "Ben Harbour",
    "Visiting Fellow",
    "What comes next",
    "Talks resume in spring.",
    "Who pays",
    "Insurers carry the delays.",
    "The economics of idle cranes",
    "by Cora Dock",
    "Read the pipelines brief",
    "Our brief",
]
ISSUES = ["Labour", "Trade"]


def test_the_subject_is_the_title_and_the_preheader_the_summary():
    rendered = mail.brief_mail(full_brief())

    assert rendered.subject == "Ports reopen after the strike"
    assert rendered.preheader == "Dockworkers and owners settled overnight."
    assert MailHTML(rendered.html).preheader == "Dockworkers and owners settled overnight."


def test_a_brief_without_a_summary_previews_the_start_of_its_news():
    rendered = mail.brief_mail(
        BriefFactory(summary="", latest_developments="Talks *collapsed* at noon.\n\nMore later.")
    )

    assert rendered.preheader.startswith("Talks collapsed at noon.")
    assert MailHTML(rendered.html).preheader == rendered.preheader


def test_the_html_holds_the_whole_brief_in_the_order_of_its_page():
    shown = MailHTML(mail.brief_mail(full_brief()).html).text

    assert in_order(shown, READING_ORDER)
    assert all(in_order(shown, [READING_ORDER[-1], issue]) for issue in ISSUES)
    assert "Flash Brief" in shown
    assert "Visiting Fellow" in shown and "Senior Fellow" not in shown


def test_the_text_holds_the_whole_brief_in_the_order_of_its_page():
    text = mail.brief_mail(full_brief()).text

    assert in_order(text, READING_ORDER)
    assert all(in_order(text, [READING_ORDER[-1], issue]) for issue in ISSUES)
    assert "— Ada Quayside, Director of Shipping" in text
    assert "— Ben Harbour, Visiting Fellow" in text
    assert (
        "The economics of idle cranes, by Cora Dock\n  https://example.org/analysis/cranes" in text
    )
    assert "<" not in text and "&amp;" not in text


def test_every_link_and_image_in_the_html_is_absolute_from_the_site_address(settings):
    brief = full_brief(
        lead_image=png(), lead_image_alt="Cranes idle at the quay", lead_image_caption="Idle."
    )
    ExpertQuoteFactory(brief=brief, expert=ExpertFactory(photo=png(600, 600)))
    run_image_tasks()
    html, _ = mail.brief_mail(Brief.objects.get(pk=brief.pk)).personalised(PREFERENCES, UNSUBSCRIBE)
    shown = MailHTML(html)

    outside = {"https://example.org/analysis/cranes"}
    assert set(shown.links) - outside
    for address in [*shown.links, *(image["src"] for image in shown.images)]:
        assert address in outside or address.startswith(f"{SITE}/"), address
    assert f"{SITE}/briefs/earlier-brief/" in shown.links
    assert f"{SITE}/briefs/pipelines-under-pressure/" in shown.links
    assert {f"{SITE}/issues/trade/", f"{SITE}/issues/labour/"} <= set(shown.links)
    assert f"{SITE}{brief.get_absolute_url()}" in shown.links
    lead = shown.images[0]
    assert lead["alt"] == "Cranes idle at the quay"
    assert lead["width"] == "552"
    assert urlsplit(lead["src"]).path.startswith("/media/briefs/renditions/")


def test_a_lead_image_without_its_renditions_yet_is_the_upload_itself():
    brief = BriefFactory(lead_image=png(400, 300), lead_image_alt="A map")
    (image,) = MailHTML(mail.brief_mail(brief).html).images

    assert image["src"] == f"{SITE}{brief.lead_image.url}"
    assert (image["width"], image["height"]) == ("400", "300")


def test_relative_links_written_in_markdown_are_written_out_absolutely():
    brief = BriefFactory(
        latest_developments=(
            "See [the map](/briefs/map/) and [notes](notes/#a) or [mail](mailto:desk@example.org)."
        )
    )
    rendered = mail.brief_mail(brief)
    page = f"{SITE}{brief.get_absolute_url()}"

    assert {f"{SITE}/briefs/map/", f"{page}notes/#a", "mailto:desk@example.org"} <= set(
        MailHTML(rendered.html).links
    )
    assert (
        f"See the map ({SITE}/briefs/map/) and notes ({page}notes/#a) or mail (desk@example.org)."
        in rendered.text
    )


def test_a_link_to_a_brief_that_is_not_public_is_left_out_as_on_the_page():
    brief = BriefFactory()
    draft = BriefFactory(status=Brief.Status.DRAFT, publish_at=None)
    RelatedLinkFactory(brief=brief, title="Not yet public", url="", target=draft)
    rendered = mail.brief_mail(brief)

    assert "Not yet public" not in rendered.html
    assert "Not yet public" not in rendered.text


def test_the_css_is_inlined_and_the_phone_and_dark_mode_rules_kept():
    html = mail.brief_mail(full_brief()).html
    shown = MailHTML(html)

    assert shown.styled > 30
    assert "@media (prefers-color-scheme: dark)" in shown.style_block
    assert "@media (max-width: 620px)" in shown.style_block
    assert '<meta name="color-scheme" content="light dark">' in html
    assert '<meta name="supported-color-schemes" content="light dark">' in html


def test_each_recipients_links_replace_the_placeholders():
    rendered = mail.brief_mail(full_brief())
    assert f'href="{mail.UNSUBSCRIBE_URL}"' in rendered.html
    assert f'href="{mail.PREFERENCES_URL}"' in rendered.html

    html, text = rendered.personalised(PREFERENCES, UNSUBSCRIBE)

    for part in (html, text):
        assert "%%" not in part
        assert PREFERENCES in part and UNSUBSCRIBE in part
    assert f'href="{UNSUBSCRIBE}"' in html
    assert {PREFERENCES, UNSUBSCRIBE} <= set(MailHTML(html).links)
    assert "You receive this because you subscribed to Meridian Briefs" in text


def test_a_title_is_escaped_in_the_html_and_plain_in_the_text():
    rendered = mail.brief_mail(BriefFactory(title="Guns & <b>butter</b>"))

    assert "Guns &amp; &lt;b&gt;butter&lt;/b&gt;" in rendered.html
    assert rendered.text.count("Guns & <b>butter</b>") == 1


def test_a_brief_mail_takes_the_same_few_queries_however_many_parts(
    django_assert_max_num_queries,
):
    brief = full_brief()
    for _ in range(5):
        ExpertQuoteFactory(brief=brief)
        RelatedLinkFactory(brief=brief, url="", target=BriefFactory())
    brief = Brief.objects.get(pk=brief.pk)

    with django_assert_max_num_queries(5):
        mail.brief_mail(brief)


def test_the_seed_brief_is_mailed_with_nothing_lost():
    seed = seed_document()
    import_documents({**seed, "status": "published"})
    rendered = mail.brief_mail(Brief.objects.get())
    shown, text = MailHTML(rendered.html).text, words(rendered.text)

    expected = [seed["title"], *seed["latest_developments"].split("\n\n")]
    for quote in seed["quotes"]:
        expected += [quote["text"], quote["expert"], quote["expert_title"]]
    for section in seed["sections"]:
        expected += [section["heading"].upper(), *section["body"].split("\n\n")]
    for link in seed["related"]:
        expected += [link["title"], link["byline"]]
    expected += seed["issues"]
    for part in expected:
        assert words(part) in text, part
        assert words(part).casefold() in shown.casefold(), part
    for quote in seed["quotes"]:
        assert f"— {quote['expert']}, {quote['expert_title']}" in rendered.text


def digest_of(day):
    moment = datetime.datetime(2026, 12, 3, 7, tzinfo=datetime.UTC)
    return Digest.objects.create(date=day, starts_at=moment, cutoff_at=moment)


def test_the_digest_lists_each_brief_with_its_link_date_summary_and_issues():
    older = BriefFactory(title="Grain corridor holds", summary="Ships pass.", issues=["Trade"])
    newer = BriefFactory(
        title="Tariffs on steel", summary="A new schedule.", issues=[IssueFactory(name="Metals")]
    )
    rendered = mail.digest_mail(digest_of(datetime.date(2026, 12, 3)), [newer, older])
    shown = MailHTML(rendered.html)

    assert rendered.subject == "Meridian Briefs daily: 2 new briefs, Dec 3"
    assert rendered.preheader == "Tariffs on steel · Grain corridor holds"
    assert shown.preheader == rendered.preheader
    for part in (shown.text, rendered.text):
        assert in_order(part, ["Tariffs on steel", "A new schedule.", "Metals", "Grain corridor"])
        assert "Ships pass." in part and "Trade" in part
        assert newer.publish_at.strftime("%B") in part
    assert f"{SITE}{newer.get_absolute_url()}" in shown.links
    assert f"{SITE}/issues/metals/" in shown.links
    assert f"Read the brief: {SITE}{older.get_absolute_url()}" in rendered.text
    assert all(link.startswith(SITE) for link in shown.links if "%%" not in link)


def test_a_digest_of_one_brief_says_so_and_a_long_one_previews_the_first_titles():
    (brief,) = [BriefFactory(title="Only one")]
    assert mail.digest_mail(digest_of(datetime.date(2026, 1, 9)), [brief]).subject == (
        "Meridian Briefs daily: 1 new brief, Jan 9"
    )

    many = [BriefFactory(title=f"A rather long title for brief number {n}") for n in range(8)]
    preheader = mail.digest_mail(digest_of(datetime.date(2026, 1, 10)), many).preheader
    assert preheader.startswith("A rather long title for brief number 0 · ")
    assert preheader.endswith("more")
    assert len(preheader) < 180


def test_a_digest_takes_the_same_few_queries_however_many_briefs(django_assert_max_num_queries):
    briefs = [BriefFactory(issues=["Trade", "Energy"]) for _ in range(6)]
    briefs = list(Brief.objects.filter(pk__in=[brief.pk for brief in briefs]))
    digest = digest_of(datetime.date(2026, 12, 3))

    with django_assert_max_num_queries(2):
        mail.digest_mail(digest, briefs)


def test_the_confirmation_asks_for_one_click_and_says_what_happens_otherwise():
    confirm = f"{SITE}/subscribe/confirm/a-signed-token/"
    rendered = mail.confirmation_mail(confirm)
    shown = MailHTML(rendered.html)

    assert rendered.subject == "Confirm your subscription to Meridian Briefs"
    assert "Confirm your subscription" in shown.text
    assert confirm in shown.links
    assert {mail.PREFERENCES_URL, mail.UNSUBSCRIBE_URL} <= set(shown.links)
    for part in (shown.text, words(rendered.text)):
        assert "48 hours" in part
        assert "Nothing is sent to you until you do" in part
        assert "If you did not ask, ignore this mail" in part
    assert confirm in rendered.text
    assert mail.UNSUBSCRIBE_URL in rendered.text
