"""What lists share (counts, each list's page ids, the newest of each list, the briefs "more
on" a brief: briefs.public.listings) is kept under the lists token, which a save through the
write path changes only when it changes what a list holds (issue 16: the first request after
a save). After an edit of a brief's words, the next request renders that brief's card again
and works out no list; after any change to what a list holds, every list shows it at once.

The tests of what pages show run with the page cache on (local memory and Redis) and off
(the `page_cache` fixture); those counting queries, with it off. The changes are made as
editors make them: in the admin, or through the write path's operations.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.test import Client

from briefs.editorial import changes
from briefs.models import Brief, Issue
from briefs.public import freshness
from briefs.public.sitemaps import BriefSitemap
from experts.models import Expert
from tests.briefs.test_admin import change_url, submit
from tests.factories import BriefFactory, ExpertFactory, ExpertQuoteFactory
from tests.pages import card_titles, visible_text

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
LISTS = ["/", "/briefs/", "/briefs/?page=2", "/issues/", "/issues/shipping/", "/experts/"]
# The queries of each list's first request after an edit, page cache off: the content
# version, and the page's cards (their briefs, and the briefs' issues); the front page has two
# sets of cards (its lead and the rest). Working a list out again would add its count and page
# ids, the public issues with their counts, and the public experts with theirs.
AFTER_AN_EDIT = {"/": 5, "/briefs/": 3, "/briefs/?page=2": 3, "/issues/shipping/": 3}


@pytest.fixture
def archive(time_machine, settings):
    """Three public briefs on two pages of two: Port Strikes Spread (Shipping and Labor,
    quoting Ada Reyes), Grain Prices Climb (Food), An Older Brief (Shipping)."""
    settings.BRIEFS_PAGE_SIZE = 2
    time_machine.move_to(NOW, tick=False)
    strikes = BriefFactory(
        title="Port Strikes Spread",
        publish_at=datetime(2026, 5, 30, 13, 0, tzinfo=UTC),
        issues=["Shipping", "Labor"],
    )
    ExpertQuoteFactory(brief=strikes, expert__name="Ada Reyes", text="Strikes travel fast.")
    BriefFactory(
        title="Grain Prices Climb", publish_at=datetime(2026, 5, 20, tzinfo=UTC), issues=["Food"]
    )
    BriefFactory(
        title="An Older Brief", publish_at=datetime(2026, 5, 1, tzinfo=UTC), issues=["Shipping"]
    )
    return strikes


@pytest.fixture
def editor_client(editor):
    client = Client()
    client.force_login(editor)
    return client


def warm(client, urls):
    for url in urls:
        assert client.get(url).status_code == 200, url
        client.get(url)


def text_of(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return visible_text(response)


def all_titles(client):
    return card_titles(client.get("/briefs/")) + card_titles(client.get("/briefs/?page=2"))


def test_an_edit_of_a_briefs_words_works_out_no_list_again(
    page_cache, archive, client, editor_client, django_assert_max_num_queries
):
    warm(client, LISTS)
    response = submit(editor_client, change_url(archive), title="Port Strikes Reach the North")
    assert response.status_code == 302

    if page_cache == "page cache off":
        for url, most in AFTER_AN_EDIT.items():
            with django_assert_max_num_queries(most):
                client.get(url)
    assert all_titles(client) == [
        "Port Strikes Reach the North",
        "Grain Prices Climb",
        "An Older Brief",
    ]
    assert "Port Strikes Reach the North" in text_of(client, "/issues/shipping/")
    assert "Port Strikes Reach the North" in text_of(client, "/")


def shows_with_one_card_rendered(client, page_cache, titles):
    """/briefs/ shows these cards; with the page cache off, only one of them was rendered
    for this request (Django's test instrumentation records each template rendered)."""
    response = client.get("/briefs/")
    assert card_titles(response) == titles
    if page_cache == "page cache off":
        rendered = [template.name for template in response.templates]
        assert rendered.count("includes/_brief_card.html") == 1


def test_after_a_publication_a_list_renders_the_new_briefs_card_alone(
    page_cache, archive, client, editor, time_machine
):
    warm(client, LISTS)
    draft = BriefFactory(title="Canal Fees Rise", status=Brief.Status.REVIEW, publish_at=None)
    time_machine.move_to(NOW + timedelta(minutes=5), tick=False)
    changes.publish_now(draft, editor)

    shows_with_one_card_rendered(client, page_cache, ["Canal Fees Rise", "Port Strikes Spread"])


def test_after_an_edit_a_list_renders_the_edited_briefs_card_alone(
    page_cache, archive, client, editor_client
):
    warm(client, LISTS)
    response = submit(editor_client, change_url(archive), title="Port Strikes Reach the North")
    assert response.status_code == 302

    shows_with_one_card_rendered(
        client, page_cache, ["Port Strikes Reach the North", "Grain Prices Climb"]
    )


def test_cards_stay_right_when_more_briefs_change_than_the_version_lists(
    archive, client, editor, monkeypatch
):
    """Past freshness.MOST_CHANGED_BRIEFS the content's version stops naming the briefs
    changed, and every card is made again once."""
    monkeypatch.setattr(freshness, "MOST_CHANGED_BRIEFS", 1)
    warm(client, ["/briefs/", "/briefs/?page=2"])
    for old, new in (("Port Strikes Spread", "Strikes End"), ("An Older Brief", "Old News")):
        with changes.operation(editor, note="Retitle"):
            brief = Brief.objects.get(title=old)
            changes.current().watch(brief)
            brief.title = new
            brief.save()
        assert new in all_titles(client)
    assert all_titles(client) == ["Strikes End", "Grain Prices Climb", "Old News"]


def test_a_brief_filed_under_another_issue_moves_between_lists_and_counts(
    page_cache, archive, client, editor_client
):
    both = ["/briefs/?issue=shipping&issue=labor", "/briefs/?issue=food&issue=shipping"]
    warm(client, LISTS + ["/issues/food/", "/issues/labor/", *both])
    assert card_titles(client.get(both[0])) == ["Port Strikes Spread"]
    assert card_titles(client.get(both[1])) == []
    food, shipping = Issue.objects.get(name="Food"), Issue.objects.get(name="Shipping")
    response = submit(editor_client, change_url(archive), issues=[str(food.pk), str(shipping.pk)])
    assert response.status_code == 302

    assert client.get(both[0]).status_code == 404
    assert card_titles(client.get(both[1])) == ["Port Strikes Spread"]
    assert card_titles(client.get("/issues/food/")) == ["Port Strikes Spread", "Grain Prices Climb"]
    assert card_titles(client.get("/issues/shipping/")) == ["Port Strikes Spread", "An Older Brief"]
    assert client.get("/issues/labor/").status_code == 404
    issues = text_of(client, "/issues/")
    assert "Food 2 briefs" in issues and "Shipping 2 briefs" in issues
    assert "Labor" not in issues


def test_a_quote_by_another_expert_lists_the_brief_on_their_page(page_cache, archive, client):
    ben = ExpertFactory(name="Ben Okafor")
    warm(client, LISTS + ["/experts/ada-reyes/"])
    assert client.get("/experts/ben-okafor/").status_code == 404

    with changes.operation(note="A second view") as change:
        change.watch(archive)
        ExpertQuoteFactory(brief=archive, expert=ben, text="Ports adapt.")

    assert "Port Strikes Spread" in text_of(client, "/experts/ben-okafor/")
    assert "Ben Okafor" in text_of(client, "/experts/")


def test_a_brief_changed_without_being_watched_has_its_lists_worked_out_again(
    page_cache, archive, client
):
    ben = ExpertFactory(name="Ben Okafor")
    warm(client, LISTS)
    # What the brief was is read only at the operation's end, after the change: not known.
    with changes.operation(note="A quote added by a script"):
        ExpertQuoteFactory(brief=archive, expert=ben, text="Ports adapt.")

    assert "Ben Okafor" in text_of(client, "/experts/")
    assert "Port Strikes Spread" in text_of(client, "/experts/ben-okafor/")


def test_a_second_quote_by_the_same_expert_is_counted(page_cache, archive, client):
    ada = Expert.objects.get(name="Ada Reyes")
    other = Brief.objects.get(title="Grain Prices Climb")
    warm(client, ["/experts/"])
    assert "Quoted in 1 brief" in text_of(client, "/experts/")

    with changes.operation(note="Ada on grain") as change:
        change.watch(other)
        ExpertQuoteFactory(brief=other, expert=ada, text="Grain follows ports.")

    assert "Quoted in 2 briefs" in text_of(client, "/experts/")


def test_a_brief_moved_back_in_time_moves_down_every_list(
    page_cache, archive, client, editor_client
):
    warm(client, LISTS)
    # The admin's times are the site's (America/New_York): 2026-04-01 08:00 is 12:00 UTC.
    response = submit(editor_client, change_url(archive), publish_at="2026-04-01T08:00")
    assert response.status_code == 302
    assert Brief.objects.get(pk=archive.pk).publish_at == datetime(2026, 4, 1, 12, tzinfo=UTC)

    assert all_titles(client) == ["Grain Prices Climb", "An Older Brief", "Port Strikes Spread"]
    assert card_titles(client.get("/issues/shipping/")) == ["An Older Brief", "Port Strikes Spread"]


def test_a_withdrawal_set_for_later_takes_the_brief_off_every_list_at_its_time(
    page_cache, archive, client, editor_client, time_machine
):
    warm(client, LISTS)
    response = submit(editor_client, change_url(archive), withdraw_at="2026-06-02T05:00")
    assert response.status_code == 302
    assert "Port Strikes Spread" in all_titles(client)

    time_machine.move_to(datetime(2026, 6, 2, 9, 0, tzinfo=UTC), tick=False)
    assert all_titles(client) == ["Grain Prices Climb", "An Older Brief"]
    assert "Labor" not in text_of(client, "/issues/")
    assert client.get("/experts/ada-reyes/").status_code == 404


def test_a_withdrawn_published_or_deleted_brief_changes_every_list_at_once(
    page_cache, archive, client, editor, time_machine
):
    warm(client, LISTS)
    changes.withdraw(archive, editor, "Superseded by events.")
    assert all_titles(client) == ["Grain Prices Climb", "An Older Brief"]
    assert "Labor" not in text_of(client, "/issues/")

    draft = BriefFactory(
        title="Canal Fees Rise", status=Brief.Status.REVIEW, publish_at=None, issues=["Shipping"]
    )
    warm(client, ["/", "/briefs/", "/issues/", "/issues/shipping/"])
    time_machine.move_to(NOW + timedelta(minutes=5), tick=False)
    changes.publish_now(draft, editor)
    assert all_titles(client) == ["Canal Fees Rise", "Grain Prices Climb", "An Older Brief"]
    assert "Shipping 2 briefs" in text_of(client, "/issues/")

    changes.delete(Brief.objects.get(title="An Older Brief"), editor)
    assert all_titles(client) == ["Canal Fees Rise", "Grain Prices Climb"]
    assert "Shipping 1 brief" in text_of(client, "/issues/")


def test_a_renamed_issue_is_renamed_in_every_list(page_cache, archive, client):
    warm(client, LISTS)
    with changes.operation(note="Rename"):
        issue = Issue.objects.get(name="Food")
        issue.name = "Food Security"
        issue.save()
    assert "Food Security 1 brief" in text_of(client, "/issues/")


def test_the_sitemap_dates_an_edit_at_once_without_counting_the_briefs_again(
    page_cache, archive, client, editor_client, time_machine, django_assert_max_num_queries
):
    warm(client, ["/sitemap.xml", "/sitemap-briefs.xml"])
    assert f"{archive.get_absolute_url()}</loc><lastmod>2026-06-01<" in sitemap_page(client)

    time_machine.move_to(datetime(2026, 6, 3, 15, 0, tzinfo=UTC), tick=False)
    response = submit(editor_client, change_url(archive), title="Port Strikes Reach the North")
    assert response.status_code == 302

    if page_cache == "page cache off":
        # The content version and the page's own rows: its start and the count are kept.
        with django_assert_max_num_queries(2):
            client.get("/sitemap-briefs.xml")
    assert f"{archive.get_absolute_url()}</loc><lastmod>2026-06-03<" in sitemap_page(client)
    index = client.get("/sitemap.xml").content.decode()
    assert "sitemap-briefs.xml</loc><lastmod>2026-06-03T11:00:00-04:00</lastmod>" in index


def test_after_a_publication_the_sitemap_reads_no_more_than_the_page_asked_for(
    archive, client, editor, settings, monkeypatch, time_machine, django_assert_max_num_queries
):
    settings.BRIEFS_PAGE_CACHE = False
    monkeypatch.setattr(BriefSitemap, "limit", 2)
    warm(client, ["/sitemap.xml", "/sitemap-briefs.xml?p=2"])
    draft = BriefFactory(title="Canal Fees Rise", status=Brief.Status.REVIEW, publish_at=None)

    time_machine.move_to(NOW + timedelta(minutes=5), tick=False)
    changes.publish_now(draft, editor)

    # The content version and the latest dates: the count was kept by the publication.
    with django_assert_max_num_queries(3):
        index = client.get("/sitemap.xml").content.decode()
    assert "sitemap-briefs.xml?p=2</loc>" in index
    # The content version, where the page starts, and its rows.
    with django_assert_max_num_queries(3):
        page = client.get("/sitemap-briefs.xml?p=2").content.decode()
    assert draft.get_absolute_url() in page
    assert Brief.objects.get(title="Grain Prices Climb").get_absolute_url() not in page


def sitemap_page(client):
    response = client.get("/sitemap-briefs.xml")
    assert response.status_code == 200
    return response.content.decode()


def test_a_page_whose_kept_ids_left_the_cache_is_worked_out_again(archive, client, settings):
    settings.BRIEFS_PAGE_CACHE = False
    assert card_titles(client.get("/briefs/?page=2")) == ["An Older Brief"]
    # The cache evicts the entry holding the first pages' ids, and keeps the list's count.
    assert cache.delete(freshness.entry_key("page-ids:briefs::2:run:0"))
    freshness.forget_in_process()
    assert card_titles(client.get("/briefs/?page=2")) == ["An Older Brief"]
    assert client.get("/briefs/?page=3").status_code == 404


def test_a_publication_works_out_the_issues_and_experts_counts_before_it_commits(
    archive, client, editor, settings, time_machine, django_assert_max_num_queries
):
    settings.BRIEFS_PAGE_CACHE = False
    warm(client, ["/issues/", "/experts/"])
    draft = BriefFactory(
        title="Canal Fees Rise", status=Brief.Status.REVIEW, publish_at=None, issues=["Shipping"]
    )
    ExpertQuoteFactory(brief=draft, expert=Expert.objects.get(name="Ada Reyes"), text="Costly.")
    warm(client, ["/issues/", "/experts/"])

    time_machine.move_to(NOW + timedelta(minutes=5), tick=False)
    changes.publish_now(draft, editor)

    # The content version alone: the counts were kept by the publication itself.
    with django_assert_max_num_queries(1):
        issues = text_of(client, "/issues/")
    with django_assert_max_num_queries(1):
        experts = text_of(client, "/experts/")
    assert "Shipping 3 briefs" in issues
    assert "Quoted in 2 briefs" in experts
