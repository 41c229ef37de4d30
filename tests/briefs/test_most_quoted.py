"""An issue's most quoted experts (issue 16: the first request after a save). The database
counts each expert's quotes per issue in settled briefs (briefs.models.IssueQuoteCount, kept
by the triggers of migration 0015) whatever writes the rows; the briefs whose publication or
withdrawal is still to come are counted when the issue page is made. So the counts always
equal a recount, and the issue page ranks experts as counting every public quote would,
without walking them."""

import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Count
from django.db.models.signals import m2m_changed, post_delete, post_save
from factory.django import mute_signals

from briefs.editorial import changes
from briefs.models import Brief, Issue, IssueQuoteCount, TaggedBrief
from common.publication import settled_condition
from experts.models import Expert, ExpertQuote
from tests.factories import (
    BriefFactory,
    ExpertFactory,
    ExpertQuoteFactory,
    FormatFactory,
    IssueFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def recount():
    """{(issue id, expert id): quotes} counted afresh from the rows."""
    rows = (
        ExpertQuote.objects.filter(settled_condition("brief__"))
        .order_by()
        .values_list("brief__issues", "expert")
        .annotate(quotes=Count("pk"))
    )
    return {(issue, expert): quotes for issue, expert, quotes in rows if issue is not None}


def kept_counts():
    rows = IssueQuoteCount.objects.exclude(quotes=0).values_list("issue", "expert", "quotes")
    return {(issue, expert): quotes for issue, expert, quotes in rows}


def most_quoted(client, slug):
    """The names under "Most quoted on ..." on the issue's page, in order."""
    html = client.get(f"/issues/{slug}/").content.decode()
    return re.findall(r'class="expert-chip-name">([^<]*)<', html[html.index('id="top-experts"') :])


@pytest.fixture
def quoted(time_machine):
    """Under Shipping: Ada quoted in three briefs, Ben in two, Cleo in one."""
    time_machine.move_to(NOW, tick=False)
    shipping, labor = IssueFactory(name="Shipping"), IssueFactory(name="Labor")
    for name, count in (("Ada Reyes", 3), ("Ben Okafor", 2), ("Cleo Marsh", 1)):
        expert = ExpertFactory(name=name)
        for _ in range(count):
            ExpertQuoteFactory(expert=expert, brief=BriefFactory(issues=[shipping, labor]))
    return shipping


def test_the_counts_equal_a_recount_after_every_kind_of_write(quoted, editor):
    ada, ben = Expert.objects.get(name="Ada Reyes"), Expert.objects.get(name="Ben Okafor")
    labor, food = Issue.objects.get(name="Labor"), IssueFactory(name="Food")
    brief = Brief.objects.filter(quotes__expert=ada).first()
    assert kept_counts() == recount() and recount()

    steps = [
        lambda: changes.withdraw(brief, editor, "Superseded."),
        lambda: changes.publish_now(brief, editor),
        lambda: changes.schedule(brief, editor, NOW + timedelta(days=2)),
        lambda: changes.publish_now(brief, editor),
        lambda: brief.issues.set([food, labor]),
        lambda: brief.issues.add(quoted),
        lambda: brief.issues.remove(labor),
        lambda: ExpertQuoteFactory(brief=brief, expert=ada),
        lambda: ExpertQuote.objects.filter(brief=brief).update(expert=ben),
        lambda: ExpertQuote.objects.filter(brief=brief).first().delete(),
        lambda: TaggedBrief.objects.filter(tag=food).update(tag=labor),
        lambda: Brief.objects.filter(pk=brief.pk).update(withdraw_at=NOW + timedelta(days=9)),
        lambda: Brief.objects.filter(pk=brief.pk).update(withdraw_at=None),
        lambda: changes.delete(Brief.objects.filter(quotes__expert=ben).first(), editor),
        lambda: BriefFactory(issues=[quoted]).delete(),
        lambda: labor.delete(),
    ]
    for number, step in enumerate(steps, start=1):
        step()
        assert kept_counts() == recount(), f"after step {number}"


def test_the_issue_page_ranks_experts_by_their_public_quotes(quoted, client, editor):
    assert most_quoted(client, "shipping") == ["Ada Reyes", "Ben Okafor", "Cleo Marsh"]

    # Withdrawing two of Ada's briefs drops her below Ben, at once.
    for brief in Brief.objects.filter(quotes__expert__name="Ada Reyes")[:2]:
        changes.withdraw(brief, editor, "Superseded.")
    assert most_quoted(client, "shipping") == ["Ben Okafor", "Ada Reyes", "Cleo Marsh"]

    # A brief no longer filed under the issue no longer counts there.
    for brief in Brief.objects.filter(quotes__expert__name="Ben Okafor"):
        with changes.operation(note="Refiled") as change:
            change.watch(brief)
            brief.issues.set(["Labor"])
    assert most_quoted(client, "shipping") == ["Ada Reyes", "Cleo Marsh"]


def test_a_scheduled_brief_counts_once_its_time_comes(quoted, client, editor, time_machine):
    cleo = Expert.objects.get(name="Cleo Marsh")
    for _ in range(3):
        brief = BriefFactory(status=Brief.Status.DRAFT, issues=[quoted])
        ExpertQuoteFactory(brief=brief, expert=cleo)
        changes.schedule(brief, editor, NOW + timedelta(hours=2))
    assert most_quoted(client, "shipping") == ["Ada Reyes", "Ben Okafor", "Cleo Marsh"]

    time_machine.move_to(NOW + timedelta(hours=2), tick=False)
    assert most_quoted(client, "shipping") == ["Cleo Marsh", "Ada Reyes", "Ben Okafor"]


def test_a_brief_with_a_withdrawal_time_counts_until_it(quoted, client, editor, time_machine):
    ben = Expert.objects.get(name="Ben Okafor")
    for _ in range(2):
        brief = BriefFactory(issues=[quoted], withdraw_at=NOW + timedelta(hours=3))
        ExpertQuoteFactory(brief=brief, expert=ben)
    assert most_quoted(client, "shipping") == ["Ben Okafor", "Ada Reyes", "Cleo Marsh"]

    time_machine.move_to(NOW + timedelta(hours=3), tick=False)
    assert most_quoted(client, "shipping") == ["Ada Reyes", "Ben Okafor", "Cleo Marsh"]


def test_the_issue_page_reads_its_most_quoted_in_one_query_after_a_publication(
    quoted, client, editor, django_assert_max_num_queries, settings
):
    settings.BRIEFS_PAGE_CACHE = False
    later = BriefFactory(status=Brief.Status.DRAFT, issues=[quoted])
    ExpertQuoteFactory(brief=later, expert=Expert.objects.get(name="Ben Okafor"))
    changes.schedule(later, editor, NOW + timedelta(days=1))
    client.get("/issues/shipping/")
    brief = BriefFactory(status=Brief.Status.DRAFT, issues=[quoted])
    ExpertQuoteFactory(brief=brief, expert=Expert.objects.get(name="Cleo Marsh"))
    changes.publish_now(brief, editor)
    # The content's version, the page's run of ids, the most quoted with their experts, the
    # page's cards and their issues: no quote is walked, and the scheduled brief's quotes were
    # read by the publication.
    with django_assert_max_num_queries(5):
        assert client.get("/issues/shipping/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_the_counts_is_counted_once_migrated(client, time_machine):
    time_machine.move_to(NOW, tick=False)
    MigrationExecutor(connection).migrate([("briefs", "0014_public_order_covers_withdrawal")])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    # Rows written as they stood before the counts (no trigger yet), by the models alone: the
    # content version's row, which saves write, has columns added after 0014.
    with mute_signals(post_save, post_delete, m2m_changed):
        brief = BriefFactory()
        TaggedBrief.objects.create(content_object=brief, tag=IssueFactory(name="Shipping"))
        ExpertQuoteFactory(brief=brief, expert=ExpertFactory(name="Ada Reyes"))
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert most_quoted(client, "shipping") == ["Ada Reyes"]
    assert kept_counts() == recount() == {(brief.issues.get().pk, brief.quotes.get().expert_id): 1}


def test_generated_briefs_are_counted(client):
    """The generator writes rows in bulk; on PostgreSQL with the counting triggers off, and
    then counts them all at once."""
    FormatFactory()
    call_command("generate_briefs", "--count", "30", stdout=io.StringIO())
    assert kept_counts() == recount() and recount()


@pytest.mark.django_db(transaction=True)
def test_a_restored_site_is_counted_as_its_rows_are_loaded(client, tmp_path, time_machine):
    time_machine.move_to(NOW, tick=False)
    brief = BriefFactory(issues=["Shipping"])
    ExpertQuoteFactory(brief=brief, expert=ExpertFactory(name="Ada Reyes"))
    call_command("backup_site", "--output", str(tmp_path), stdout=io.StringIO())
    (archive,) = tmp_path.glob("briefs-*.tar.gz")
    ExpertQuoteFactory(brief=brief, expert=ExpertFactory(name="Ben Okafor"))
    ExpertQuoteFactory(brief=brief, expert=Expert.objects.get(name="Ben Okafor"))
    assert most_quoted(client, "shipping") == ["Ben Okafor", "Ada Reyes"]

    call_command("restore_site", str(archive), "--replace", stdout=io.StringIO())

    assert kept_counts() == recount() and len(recount()) == 1
    assert most_quoted(client, "shipping") == ["Ada Reyes"]
