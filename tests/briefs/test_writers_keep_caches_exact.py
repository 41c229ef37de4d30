"""Writers that do not save brief by brief through Django keep the caches exact all the same:
`rebuild_search_index`, a restore (`restore_site`) and the generator (`generate_briefs`) each
change the content token (briefs.public.freshness) once they have written, so a page kept
before they ran is not served after.

Each test first has a page kept (the second request is answered from the cache), then runs
the writer, and reads the page again as a reader would.
"""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from briefs.models import Brief
from tests.factories import BriefFactory, FormatFactory
from tests.pages import card_titles

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.BRIEFS_PAGE_CACHE = True


def kept(client, url):
    """The page at `url`, asked for twice: the second time it is the kept page (one query,
    the content token's), so what it shows is what the cache holds."""
    assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    assert len(queries) == 1, [query["sql"] for query in queries]
    return card_titles(response)


def titles(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return card_titles(response)


def test_a_rebuilt_search_index_is_searched_on_the_next_request(client):
    brief = BriefFactory(title="Harbour Report", latest_developments="Cranes stand idle.")
    assert kept(client, "/search/?q=zebra") == []
    # Written behind Django's back (no signal, no new token), as a bulk load would.
    Brief.objects.filter(pk=brief.pk).update(latest_developments_html="<p>A zebra crossing.</p>")
    call_command("rebuild_search_index", stdout=io.StringIO())
    assert titles(client, "/search/?q=zebra") == ["Harbour Report"]


def test_generated_briefs_are_seen_on_the_next_request(client):
    # A transactional test's flush may have taken away the formats `migrate` made.
    FormatFactory()
    BriefFactory(title="Existing Brief")
    assert kept(client, "/briefs/") == ["Existing Brief"]
    assert kept(client, "/search/?q=report") == []
    call_command("generate_briefs", "--count", "5", stdout=io.StringIO())
    generated = Brief.objects.published().filter(slug__startswith="generated-")
    expected = set(generated.values_list("title", flat=True))
    assert expected
    assert set(titles(client, "/briefs/")) == expected | {"Existing Brief"}
    assert set(titles(client, "/search/?q=report")) == expected


# A restore runs its own transaction, as in production.


def backup(tmp_path):
    call_command("backup_site", "--output", str(tmp_path / "backups"), stdout=io.StringIO())
    (archive,) = (tmp_path / "backups").glob("briefs-*.tar.gz")
    return archive


@pytest.mark.django_db(transaction=True)
def test_a_restored_site_is_seen_on_the_next_request(client, tmp_path):
    BriefFactory(title="Harbour Strike Ends")
    archive = backup(tmp_path)
    # The archive holds the token of this moment; the site then changes without a new one,
    # and pages kept under that token show the change.
    Brief.objects.update(title="Harbour Strike Spreads")
    assert kept(client, "/") == ["Harbour Strike Spreads"]
    assert kept(client, "/search/?q=harbour") == ["Harbour Strike Spreads"]

    call_command("restore_site", str(archive), "--replace", stdout=io.StringIO())

    assert titles(client, "/") == ["Harbour Strike Ends"]
    assert titles(client, "/search/?q=harbour") == ["Harbour Strike Ends"]


@pytest.mark.django_db(transaction=True)
def test_a_restore_leaves_the_rest_of_the_cache_alone(client, tmp_path):
    """A new token is what keeps the restored site's pages exact; the cache is not emptied,
    for in production it may be one Redis database with Celery's queue of events."""
    BriefFactory(title="Harbour Strike Ends")
    archive = backup(tmp_path)
    cache.set("not-ours", "still here")
    call_command("restore_site", str(archive), "--replace", stdout=io.StringIO())
    assert cache.get("not-ours") == "still here"
    assert titles(client, "/") == ["Harbour Strike Ends"]
