"""A brief without a lead image is shared with a card drawn for it: a 1200 × 630 PNG showing
its title, format, date and issues and the site's name, drawn by the worker once the save
that changed any of them has committed, and named after what it shows so a new card has a
new address. A brief with a lead image is shared with that image, as before.

Tests run inside a transaction that never commits: the callbacks a save leaves for its commit
are captured, and the worker's tasks are called here as the worker would call them.
"""

import json
from datetime import UTC, datetime
from io import BytesIO, StringIO
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import re_path
from django.views.static import serve
from PIL import Image, ImageChops, ImageFont

from briefs import share_card, tasks
from briefs.editorial import changes
from briefs.models import Brief, Issue, Revision, Transition
from briefs_site.urls import urlpatterns as site_urlpatterns
from common import images
from events.models import Event
from tests.factories import BriefFactory, FormatFactory
from tests.pages import elements

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


def serve_media(request, path):
    # briefs_site.urls serves media only with DEBUG on, from the MEDIA_ROOT of that moment:
    # here, from each test's own (as the web server in front does in production).
    return serve(request, path, document_root=settings.MEDIA_ROOT)


urlpatterns = [re_path(r"^media/(?P<path>.*)$", serve_media), *site_urlpatterns]

LONG_TITLE = (
    "After Months of Quiet Negotiations in Vienna, Washington and Its European Partners Weigh "
    "Whether to Trigger the Snapback of United Nations Sanctions on Tehran Before October Ends"
)


def png(size=(1000, 600), colour="#12355b"):
    output = BytesIO()
    Image.new("RGB", size, colour).save(output, "PNG")
    return SimpleUploadedFile("picture.png", output.getvalue())


def meta(response):
    """The page's meta tags as (property or name, content), in order."""
    return [
        (attrs.get("property") or attrs.get("name"), attrs.get("content"))
        for attrs in elements(response, "meta")
        if attrs.get("property") or attrs.get("name")
    ]


def tag(response, key):
    """The content of the last tag of that name (the one social sites take)."""
    found = [content for name, content in meta(response) if name == key]
    return found[-1] if found else None


def inked_box(card, region):
    """The box, in the card's coordinates, of what is drawn in `region` on the paper."""
    body = card.convert("RGB").crop(region)
    left, top, right, bottom = ImageChops.difference(
        body, Image.new("RGB", body.size, share_card.PAPER)
    ).getbbox()
    return left + region[0], top + region[1], right + region[0], bottom + region[1]


def json_ld(response):
    html = response.content.decode()
    start = html.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.fixture
def as_the_worker(django_capture_on_commit_callbacks):
    """Run `change()`, then, once it has committed, the tasks it asked the worker for (and
    whatever they leave for their own commit); returns those tasks as (task, arguments)."""

    def run(change):
        with django_capture_on_commit_callbacks() as callbacks:
            change()
        asked = [
            callback.args
            for callback in callbacks
            if getattr(callback, "func", None) is images._send
        ]
        with django_capture_on_commit_callbacks(execute=True):
            for task, arguments in asked:
                task(*arguments)
        return asked

    return run


def draft(**fields):
    return BriefFactory(status=Brief.Status.DRAFT, publish_at=None, **fields)


def edit(brief, user, **fields):
    with changes.operation(user) as change:
        brief = Brief.objects.get(pk=brief.pk)
        change.watch(brief)
        for name, value in fields.items():
            setattr(brief, name, value)
        brief.save()


def share_files(media_root):
    folder = media_root / "share"
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


def test_a_published_brief_is_shared_with_its_card_once_the_worker_has_drawn_it(
    client, editor, media_root, django_capture_on_commit_callbacks
):
    brief = draft(
        title="Iran and Belarus Sign Defense Cooperation Agreements",
        format=FormatFactory(name="Analysis"),
        issues=["Iran", "Russia"],
    )
    with django_capture_on_commit_callbacks() as callbacks:
        changes.publish_now(brief, editor)
    # Nothing is drawn in the request: the page has no og:image until the worker has run.
    assert not share_files(media_root)
    page = client.get(brief.get_absolute_url())
    assert page.status_code == 200 and tag(page, "og:image") is None
    assert "image" not in json_ld(page)

    asked = [callback.args for callback in callbacks if callback.func is images._send]
    assert asked == [(tasks.make_share_card, (brief.pk,))]
    with django_capture_on_commit_callbacks(execute=True):
        tasks.make_share_card(brief.pk)

    page = client.get(brief.get_absolute_url())
    image_url = tag(page, "og:image")
    path = urlsplit(image_url).path
    assert image_url.startswith("http://testserver/media/share/")
    assert path == f"/media/share/{brief.pk}-{path.rsplit('-', 1)[1]}" and path.endswith(".png")
    assert tag(page, "twitter:image") == image_url
    assert tag(page, "twitter:card") == "summary_large_image"
    assert (tag(page, "og:image:width"), tag(page, "og:image:height")) == ("1200", "630")
    assert tag(page, "og:image:alt").startswith(
        "Iran and Belarus Sign Defense Cooperation Agreements · Analysis · "
    )
    assert json_ld(page)["image"] == [image_url]

    served = client.get(path)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    with Image.open(BytesIO(b"".join(served.streaming_content))) as card:
        assert (card.format, card.size) == ("PNG", (1200, 630))
    assert share_files(media_root) == [path.rsplit("/", 1)[1]]


def test_a_brief_with_a_lead_image_keeps_its_image_and_gets_no_card(
    client, editor, media_root, as_the_worker
):
    brief = draft(lead_image=png(), lead_image_alt="Ships at anchor")

    asked = as_the_worker(lambda: changes.publish_now(brief, editor))

    assert [task for task, _ in asked] == [tasks.make_lead_image_renditions]
    page = client.get(brief.get_absolute_url())
    largest = Brief.objects.get().lead_picture["largest"]
    assert [content for name, content in meta(page) if name == "og:image"] == [
        f"http://testserver{largest}"
    ]
    assert tag(page, "twitter:image") == f"http://testserver{largest}"
    assert "/media/share/" not in page.content.decode()
    assert not share_files(media_root)


def test_a_new_title_draws_a_new_card_at_a_new_address_and_the_old_one_goes(
    client, editor, media_root, as_the_worker
):
    brief = draft(title="Drones and Deals", issues=["Iran"])
    as_the_worker(lambda: changes.publish_now(brief, editor))
    first = tag(client.get(brief.get_absolute_url()), "og:image")
    revisions, transitions = Revision.objects.count(), Transition.objects.count()

    asked = as_the_worker(lambda: edit(brief, editor, title="Drones, Deals and Debts"))

    assert asked == [(tasks.make_share_card, (brief.pk,))]
    second = tag(client.get(brief.get_absolute_url()), "og:image")
    assert second != first and second.endswith(".png")
    assert share_files(media_root) == [second.rsplit("/", 1)[1]]
    assert client.get(urlsplit(first).path).status_code == 404
    assert client.get(urlsplit(second).path).status_code == 200
    # The edit made one revision; recording its card made none, nor any move.
    assert Revision.objects.count() == revisions + 1
    assert Transition.objects.count() == transitions
    # Nothing under share/ is an orphan.
    output = StringIO()
    call_command("remove_orphan_media", "--dry-run", "--older-than-hours", "0", stdout=output)
    assert "share/" not in output.getvalue()


def test_the_card_is_drawn_again_only_when_what_it_shows_changes(
    client, editor, media_root, as_the_worker
):
    brief = draft(title="Drones and Deals", issues=["Iran"])
    as_the_worker(lambda: changes.publish_now(brief, editor))
    first = Brief.objects.get().share_card.name

    # What the card does not show: no task.
    assert as_the_worker(lambda: edit(brief, editor, summary="Another summary.")) == []
    # A duplicate or late message does nothing.
    tasks.make_share_card(brief.pk)
    assert Brief.objects.get().share_card.name == first

    def add_an_issue():
        with changes.operation(editor) as change:
            saved = Brief.objects.get(pk=brief.pk)
            change.watch(saved)
            saved.issues.add("Russia")
            saved.save()

    assert as_the_worker(add_an_issue) == [(tasks.make_share_card, (brief.pk,))]
    assert Brief.objects.get().share_card.name not in {"", first}
    assert len(share_files(media_root)) == 1


def test_a_public_page_shows_the_new_card_and_the_edge_hears_of_it_without_a_loop(
    client, editor, media_root, as_the_worker
):
    brief = draft(title="Drones and Deals")
    as_the_worker(lambda: changes.publish_now(brief, editor))
    page = client.get(brief.get_absolute_url())  # kept in the page cache
    before = Event.objects.count()

    with_card = tag(page, "og:image")
    as_the_worker(lambda: edit(brief, editor, title="Drones and Debts"))

    # The page kept with the old card is not served again.
    assert tag(client.get(brief.get_absolute_url()), "og:image") not in {None, with_card}
    # The edit's own event, and one for the card (which purges the edge), as for renditions.
    kinds = list(Event.objects.order_by("pk").values_list("kind", flat=True)[before:])
    assert kinds == ["brief.updated", "brief.updated"]
    # Recording the card asks for nothing more.
    assert as_the_worker(lambda: tasks.make_share_card(brief.pk)) == []


def test_a_very_long_title_fits_inside_the_margins_and_ends_at_a_whole_word():
    text = share_card.CardText(
        site="Meridian Briefs",
        title=LONG_TITLE + " " + LONG_TITLE,
        format="Analysis",
        date="December 3, 2026",
        issues=("Iran", "Sanctions and Illicit Finance", "United Nations", "Europe", "Russia"),
    )
    with Image.open(BytesIO(share_card.draw(text))) as card:
        assert card.size == (1200, 630)
        # Below the header's band, nothing but the paper outside the margins.
        left, top, right, bottom = inked_box(card, (0, share_card.BAND + 1, 1200, 630))
    assert left >= share_card.MARGIN - 4  # a glyph's overhang at most
    assert right <= 1200 - share_card.MARGIN
    assert bottom <= 630 - 40

    _, lines, _ = share_card._fit_title(text.title, 1200 - 2 * share_card.MARGIN, 300)
    assert lines[-1].endswith("…")
    shown = " ".join(lines).removesuffix("…").split()
    assert shown == text.title.split()[: len(shown)]


@pytest.mark.parametrize(
    "title",
    [
        "Iran’s “snapback” — وقف إطلاق النار",
        "وقف إطلاق النار في غزة يدخل حيز التنفيذ بعد أسابيع من المفاوضات",
        "Путин и Лукашенко подписали соглашение о союзном государстве",
        "Ελλάδα, Κύπρος and שלום: 中文 too",
    ],
)
def test_titles_in_other_scripts_are_drawn(title, media_root):
    brief = BriefFactory(title=title, issues=["Иран", "إيران"])

    tasks.make_share_card(brief.pk)

    card = Brief.objects.get().share_card
    with Image.open(media_root / card.name) as drawn:
        assert drawn.size == (1200, 630)
        # Something is drawn where the title goes.
        title_area = drawn.convert("L").crop((72, 190, 1128, 420))
        assert title_area.getextrema()[0] < 100


def test_without_raqm_titles_in_other_scripts_are_still_drawn(monkeypatch):
    """A machine whose Pillow has no Raqm layout (no FriBiDi) draws them unjoined, not fails."""
    truetype = ImageFont.truetype
    monkeypatch.setattr(share_card, "_fonts", {})
    monkeypatch.setattr(
        ImageFont,
        "truetype",
        lambda *args, **kwargs: truetype(*args, **kwargs, layout_engine=ImageFont.Layout.BASIC),
    )
    monkeypatch.setattr(share_card.features, "check", lambda feature: feature != "raqm")
    text = share_card.CardText("Meridian Briefs", "وقف إطلاق النار في غزة", "Memo", "", ("Iran",))

    with Image.open(BytesIO(share_card.draw(text))) as card:
        assert card.size == (1200, 630)
        assert inked_box(card, (0, 190, 1200, 420))[2] <= 1200 - share_card.MARGIN


def test_the_date_is_the_publication_day_in_the_sites_time_zone(time_machine, settings):
    settings.TIME_ZONE = "America/New_York"
    time_machine.move_to(datetime(2026, 11, 1, 12, tzinfo=UTC))
    # 03:00 UTC is 22:00 the day before in New York.
    scheduled = BriefFactory(publish_at=datetime(2026, 12, 4, 3, tzinfo=UTC))
    unscheduled = BriefFactory(status=Brief.Status.DRAFT, publish_at=None)

    assert scheduled.state == "scheduled"
    assert share_card.card_text(scheduled).date == "December 3, 2026"
    assert share_card.card_text(unscheduled).date == ""


def test_the_sweep_asks_for_missing_and_outdated_cards(media_root, time_machine):
    time_machine.move_to(datetime(2026, 11, 1, 12, tzinfo=UTC))
    lost = BriefFactory(issues=["Iran"])
    pictured = BriefFactory(lead_image=png(), lead_image_alt="A picture")
    time_machine.move_to(datetime(2026, 11, 1, 12, 10, tzinfo=UTC))
    just_saved = BriefFactory()

    assert tasks.briefs_without_current_cards(
        saved_before=datetime(2026, 11, 1, 12, 5, tzinfo=UTC)
    ) == [lost.pk]
    tasks.make_share_card(lost.pk)
    assert tasks.briefs_without_current_cards(saved_before=datetime(2026, 11, 2, tzinfo=UTC)) == [
        just_saved.pk
    ]

    # Renaming an issue saves no brief: the sweep finds the card that shows the old name.
    Issue.objects.filter(name="Iran").update(name="Iran and Its Proxies")
    assert lost.pk in tasks.briefs_without_current_cards(
        saved_before=datetime(2026, 11, 2, tzinfo=UTC)
    )
    # A brief with a lead image needs no card.
    assert pictured.pk not in tasks.briefs_without_current_cards(
        saved_before=datetime(2026, 11, 2, tzinfo=UTC)
    )
