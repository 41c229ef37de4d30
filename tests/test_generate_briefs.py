"""The benchmark's archive (`generate_briefs`): the same for a seed, and on PostgreSQL loaded in
bulk without losing an index."""

import io
import itertools
from datetime import datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from briefs.models import Brief, Issue
from experts.models import Expert
from tests.factories import FormatFactory

pytestmark = pytest.mark.django_db


def generated(count, seed):
    call_command("generate_briefs", "--count", str(count), "--seed", str(seed),
                 "--until", "2026-11-26", stdout=io.StringIO())  # fmt: skip
    briefs = Brief.objects.filter(slug__startswith="generated-").order_by("pk")
    return [
        (brief.title, brief.publish_at, brief.status, sorted(brief.issues.names()))
        for brief in briefs.prefetch_related("issues")
    ]


def indexes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexdef FROM pg_indexes "
            "WHERE tablename IN ('briefs_brief', 'briefs_searchentry') ORDER BY 1, 2"
        )
        return cursor.fetchall()


def test_a_seed_gives_the_same_archive_whatever_the_batches(monkeypatch):
    """The briefs are made up in a thread of their own, batch by batch, while the database
    writes the one before: one batch or many, the same briefs come out."""
    from bench.management.commands import generate_briefs

    FormatFactory()
    in_one_batch = generated(12, seed=7)
    for model in (Brief, Issue, Expert):
        model.objects.all().delete()
    monkeypatch.setattr(generate_briefs, "BATCH", 5)
    assert generated(12, seed=7) == in_one_batch
    assert len({title for title, *_ in in_one_batch}) == 12


def test_briefs_are_dated_in_the_order_they_are_written_as_an_archive_grows():
    """Their rows and search entries then lie in about the order of publication, as a site's
    do; dated at random, a search at a million briefs read a page for each entry it ranked. A
    scheduled brief goes out at most 30 days after it was written, so only the last written
    are still to come."""
    FormatFactory()
    dates = [publish_at for _, publish_at, _, _ in generated(300, seed=3)]
    until = timezone.make_aware(datetime(2026, 11, 26))
    latest_before = itertools.accumulate(dates, max)
    assert all(
        latest - date <= timedelta(days=30)
        for latest, date in zip(latest_before, dates, strict=True)
    )
    assert until - dates[0] > timedelta(days=4 * 365)
    assert until - min(dates[-10:]) < timedelta(days=100)
    assert max(dates) <= until + timedelta(days=30)


def test_the_load_builds_again_every_index_it_dropped():
    if connection.vendor != "postgresql":
        pytest.skip("the bulk load, with the indexes dropped meanwhile, is PostgreSQL's")
    FormatFactory()
    before = indexes()
    generated(30, seed=1)
    assert indexes() == before
    assert Brief.objects.filter(slug__startswith="generated-").count() == 30
