"""Two app servers on shared PostgreSQL and Redis behind Varnish: an edit through one is seen
through the other; Redis stopping costs speed, not pages; its memory is bounded and old
content versions do not pile up in it."""

import time

import pytest
import redis
from django.db import connection
from django.test import Client

from briefs.editorial import changes
from briefs.models import Brief
from deploy import stack
from tests.edge.servers import (
    Readers,
    backend_health,
    collect_static,
    fetch,
    production_env,
    started,
    wait_for,
)
from tests.edge.through import EdgeClient, varnish_in_front_of
from tests.factories import BriefFactory, ExpertFactory, ExpertQuoteFactory, UserFactory
from tests.pages import form_fields
from tests.workers import database_url

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def layout(django_db_setup, django_db_blocker, tmp_path_factory):
    """Redis, two app servers and Varnish in front, on the test database."""
    if connection.vendor != "postgresql":
        pytest.skip("the app servers need a database server to share with the test (PostgreSQL)")
    folder = tmp_path_factory.mktemp("layout")
    redis_port, varnish_port = stack.free_port(), stack.free_port()
    app_ports = [stack.free_port(), stack.free_port()]
    parts = {"redis": started(stack.start_redis, folder / "redis", redis_port)}
    try:
        env = production_env(
            database_url(), redis_port, f"http://127.0.0.1:{varnish_port}",
            BRIEFS_EDGE_PURGE_URLS=f"http://127.0.0.1:{varnish_port}/",
        )  # fmt: skip
        collect_static(env)
        for number, port in enumerate(app_ports, start=1):
            parts[f"app {number}"] = stack.start_app(
                folder, port, env, workers=1, name=f"app-{number}"
            )
        parts["varnish"] = varnish_in_front_of(
            folder / "varnish", [("127.0.0.1", port) for port in app_ports]
        )
        parts["folder"], parts["env"] = folder, env
        yield parts
    finally:
        for part in reversed(list(parts.values())):
            if isinstance(part, stack.Process):
                part.stop()


def app_url(layout, number):
    return f"http://127.0.0.1:{layout[f'app {number}'].port}"


def redis_client(layout):
    return redis.Redis(port=layout["redis"].port)


@pytest.fixture
def archive(layout, transactional_db, settings):
    settings.BRIEFS_EDGE_BACKEND = "common.edge.Varnish"
    settings.BRIEFS_EDGE_PURGE_URLS = [f"http://127.0.0.1:{layout['varnish'].port}/"]
    redis_client(layout).flushdb()
    brief = BriefFactory(title="Grid Drill", issues=["Iran"])
    ExpertQuoteFactory(brief=brief, expert=ExpertFactory(name="Jane Example"))
    return brief


def test_an_edit_through_one_app_server_is_seen_through_the_other(layout, archive, settings):
    page = f"/briefs/{archive.slug}/"
    second = EdgeClient(app_url(layout, 2))
    assert "Grid Drill" in second.get(page).text
    assert "Grid Drill" in second.get(page).text, "now kept in the shared cache"
    # The session is made here, for servers that check it with their own key.
    settings.SECRET_KEY = layout["env"]["DJANGO_SECRET_KEY"]
    signed_in = Client()
    signed_in.force_login(UserFactory(username="editor", group="Editors"))
    first = EdgeClient(app_url(layout, 1))
    first.sign_in_as(signed_in.cookies["sessionid"].value)
    form = first.get(f"/admin/briefs/brief/{archive.pk}/change/")
    data = form_fields(form, "brief_form")
    data["title"] = ["Grid Drill Called Off"]
    assert first.post(f"/admin/briefs/brief/{archive.pk}/change/", data).status == 302
    for answer in (
        second.get(page),
        EdgeClient(f"http://127.0.0.1:{layout['varnish'].port}").get(page),
    ):
        assert "Grid Drill Called Off" in answer.text


def test_with_redis_stopped_pages_answer_from_the_database_and_caching_resumes(layout, archive):
    urls = [
        f"{app_url(layout, number)}{path}"
        for number in (1, 2)
        for path in ("/", f"/briefs/{archive.slug}/", "/issues/iran/", "/feeds/briefs/")
    ]
    with Readers(urls) as readers:
        wait_for(lambda: readers.statuses()[200] > 100, "answers with Redis", seen=readers.statuses)
        layout["redis"].stop()
        stopped_at = time.monotonic()
        wait_for(lambda: sum(readers.statuses(since=stopped_at).values()) > 300,
                 "answers without Redis")  # fmt: skip
        layout["redis"] = stack.start_redis(layout["folder"] / "redis", layout["redis"].port)
        back_at = time.monotonic()
        wait_for(lambda: redis_client(layout).dbsize() > 0, "entries kept in Redis again")
    assert set(readers.statuses()) == {200}, readers.statuses()
    away = sum(readers.statuses(stopped_at, back_at).values())
    print(f"Redis stopped: {dict(readers.statuses())} in all, {away} while it was away")
    assert away > 300, "requests while it was away"
    assert all("Grid Drill" in body for *_, body in readers.answers)


def test_redis_memory_is_bounded_and_old_versions_do_not_pile_up(layout, archive):
    """Entries are named by what they hold and carry their content version: a save makes the
    next request overwrite them, it does not add a set of new ones."""
    assert redis_client(layout).config_get("maxmemory-policy") == {
        "maxmemory-policy": "allkeys-lru"
    }
    assert int(redis_client(layout).config_get("maxmemory")["maxmemory"]) > 0
    paths = ["/", "/briefs/", f"/briefs/{archive.slug}/", "/issues/iran/", "/feeds/briefs/",
             "/experts/", "/sitemap.xml"]  # fmt: skip
    editor = UserFactory(username="editor", group="Editors")

    def read_every_page():
        for path in paths:
            assert fetch(app_url(layout, 1) + path)[0] == 200, path

    read_every_page()
    before = redis_client(layout).dbsize()
    for number in range(100):
        with changes.operation(editor) as change:
            brief = Brief.objects.get(pk=archive.pk)
            change.watch(brief)
            brief.title = f"Grid Drill, take {number}"
            brief.save()
        read_every_page()
    after = redis_client(layout).dbsize()
    print(f"Redis keys after reading every page: {before}; after 100 saves: {after}")
    assert after <= before


def test_an_app_server_going_down_is_no_error_for_readers(layout, archive):
    """Varnish asks the other server when one refuses, and its probe then takes the fallen
    one out of rotation until it is back."""
    edge = f"http://127.0.0.1:{layout['varnish'].port}"
    # The subscription form is not kept at the edge: every request reaches an app server.
    urls = [f"{edge}/subscribe/"]
    with Readers(urls) as readers:
        wait_for(
            lambda: readers.statuses()[200] > 100,
            "answers from both servers",
            seen=readers.statuses,
        )
        layout["app 1"].kill()
        killed_at = time.monotonic()
        # Readers keep coming while the probe finds it gone, and after.
        wait_for(lambda: backend_health(layout["varnish"])["app_1"] == "sick", "the probe")
        marked_at = time.monotonic()
        wait_for(lambda: sum(readers.statuses(since=marked_at).values()) > 100, "answers after")
        layout["app 1"] = stack.start_app(
            layout["folder"], layout["app 1"].port, layout["env"], workers=1, name="app-1"
        )
        wait_for(lambda: backend_health(layout["varnish"])["app_1"] == "healthy", "its return")
    assert set(readers.statuses()) == {200}, readers.statuses()
    after = sum(readers.statuses(since=killed_at).values())
    print(f"An app server killed: {dict(readers.statuses())} in all, {after} after it went")
    assert after > 20
