"""Load test: 200 readers and two editors at once, for 60 seconds, against gunicorn and
PostgreSQL on this machine; then a check that no save was lost or made twice.

    make load
    # or: .venv/bin/python bench/load.py [--duration 60] [--readers 200]

It makes (once) and fills a database of its own, `briefs_load` (the demo content and 2,000
generated briefs), runs the site as production does (gunicorn, 2 workers, debug off) on
127.0.0.1:8200, and for the duration:

- readers: `wrk -c200` cycling through the public pages (lists, issues, briefs, experts,
  feeds, search, sitemap);
- editors: two threads, each signed in to the admin as its own editor, saving its own brief
  over and over (open the form, change the summary to a value never used before, post it).

Then it counts the readers' failures (wrk's socket errors, timeouts and non-2xx/3xx answers,
and every 5xx in gunicorn's access log) and checks each editor's brief in the database: one
new revision per save the editor saw succeed, each with the summary that save sent and in
the same order, the last one in place, and the brief's version equal to its last revision.
It exits non-zero on any failure. Everything it starts is stopped by a watchdog if the run
overstays its time, and in any case when it ends. It talks to 127.0.0.1 only.
"""

import argparse
import http.client
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from types import SimpleNamespace

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST, PORT = "127.0.0.1", 8200
DATABASE = "briefs_load"
SERVER_URL = f"postgres://postgres@{HOST}:5432"
WORKERS = 2
GENERATED_BRIEFS = 2000
EDITORS = 2
# wrk's default 2 s timeout would count a reader queued behind 199 others as an error; 10 s
# is what bench/pages.py allows a slow page.
READER_TIMEOUT = "10s"
EDITOR_TIMEOUT = 60  # seconds for one admin request
SETUP_TIMEOUT = 600  # seconds for each step that fills the database
MARGIN = 60  # seconds past the run's duration before the watchdog stops everything

ENVIRONMENT = {
    "DJANGO_SETTINGS_MODULE": "briefs_site.settings",
    "DATABASE_URL": f"{SERVER_URL}/{DATABASE}",
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": secrets.token_urlsafe(48),
    "DJANGO_ALLOWED_HOSTS": f"{HOST},localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_MEDIA_ROOT": str(Path(tempfile.gettempdir()) / "briefs-load-media"),
    # No worker runs here: the editors' events stay in the database, and nothing is left in
    # the development broker's folder for `make run`'s worker.
    "CELERY_BROKER_URL": "memory://",
}
os.environ.update(ENVIRONMENT)


import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from bench.serving import read_wrk, start_gunicorn, stop, wait_until_answering  # noqa: E402
from briefs.interchange.documents import import_documents  # noqa: E402
from briefs.models import Brief, Issue, Revision  # noqa: E402
from experts.models import Expert  # noqa: E402
from tests.pages import form_fields  # noqa: E402


def manage(*arguments, debug=False):
    """A management command in its own process (load_demo runs only with debug on)."""
    env = {**os.environ, "DJANGO_DEBUG": "1" if debug else "0"}
    subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=SETUP_TIMEOUT,
        stdout=subprocess.DEVNULL,
    )


def prepare_database():
    """The database, made and filled the first time; later runs reuse it."""
    with psycopg.connect(f"{SERVER_URL}/postgres", autocommit=True) as server:
        exists = server.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        if exists.fetchone() is None:
            server.execute(f'CREATE DATABASE "{DATABASE}"')
    manage("migrate", "--noinput")
    # Generated first: it makes its issues in bulk, and the demo's loader reuses them by name.
    if not Brief.objects.filter(slug__startswith="generated-").exists():
        manage("generate_briefs", "--count", str(GENERATED_BRIEFS), "--seed", "1")
    manage("load_demo", debug=True)


def editor_brief_document(number):
    return {
        "title": f"Load test: the brief editor {number} keeps saving",
        "slug": f"load-test-editor-{number}",
        "format": "Flash Brief",
        "status": "published",
        "publish_at": "2026-01-05T09:00:00-05:00",
        "summary": "Not saved yet.",
        "latest_developments": "Saved over and over by the load test.\n\nA second paragraph.",
        "quotes": [
            {"expert": "Load Test Expert", "expert_title": "Fellow", "text": "A view."},
            {"expert": "Load Test Expert", "expert_title": "Fellow", "text": "Another view."},
        ],
        "sections": [{"heading": "More", "body": "Further words."}],
        "related": [
            {"title": "Elsewhere", "byline": "by Someone", "url": "https://example.org/a"},
            {"title": "Also", "byline": "Flash Brief", "url": "https://example.org/b"},
        ],
        "issues": ["Iran", "Russia"],
    }


@dataclass
class Editor:
    number: int
    username: str
    password: str
    brief_id: int
    start_version: int
    attempted: int = 0
    saved: list = field(default_factory=list)  # the summaries of saves answered with a redirect
    conflicts: int = 0
    uncertain: int = 0  # no answer to a post: it may or may not have been saved
    errors: list = field(default_factory=list)
    seconds_per_save: list = field(default_factory=list)


def make_editors(run):
    """Each editor its own account (a fresh password each run) and its own brief."""
    editors_group = Group.objects.get(name="Editors")
    editors = []
    for number in range(1, EDITORS + 1):
        document = editor_brief_document(number)
        if not Brief.objects.filter(slug=document["slug"]).exists():
            import_documents(document)
        brief = Brief.objects.get(slug=document["slug"])
        user, _ = get_user_model().objects.get_or_create(
            username=f"load-editor-{number}", defaults={"is_staff": True}
        )
        password = secrets.token_urlsafe(24)
        user.set_password(password)
        user.save()
        user.groups.add(editors_group)
        editors.append(Editor(number, user.username, password, brief.pk, brief.version))
    return editors


def reader_paths():
    """The public pages readers cycle through, found in the database so that each answers."""
    briefs = list(
        Brief.objects.published().order_by("-publish_at").values_list("slug", flat=True)[:6]
    )
    briefs += [editor_brief_document(number)["slug"] for number in range(1, EDITORS + 1)]
    expert = Expert.objects.public().order_by("-public_quote_count").first()
    issue, second = Issue.objects.public().order_by("-public_brief_count")[:2]
    return [
        "/",
        "/briefs/",
        "/briefs/?page=2",
        "/briefs/?page=40",
        f"/briefs/?issue={issue.slug}&issue={second.slug}",
        "/issues/",
        f"/issues/{issue.slug}/",
        f"/issues/{issue.slug}/?page=3",
        *(f"/briefs/{slug}/" for slug in briefs),
        "/experts/",
        f"/experts/{expert.slug}/",
        "/feeds/briefs/",
        f"/issues/{issue.slug}/feed/",
        f"/experts/{expert.slug}/feed/",
        "/search/?q=drone",
        "/search/?q=sanctions+evasion",
        "/sitemap.xml",
        "/robots.txt",
    ]


WRK_SCRIPT = """
paths = {%s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[counter %% #paths + 1])
end
"""


# Talking to the site


class Browser:
    """One editor's browser: its cookies (kept by hand: with debug off they are marked
    Secure, which a cookie jar would not send over plain http) and one request at a time."""

    def __init__(self):
        self.cookies = {}

    def request(self, method, path, form=None):
        body = urllib.parse.urlencode(form, doseq=True) if form is not None else None
        headers = {"Host": HOST, "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        server = http.client.HTTPConnection(HOST, PORT, timeout=EDITOR_TIMEOUT)
        try:
            server.request(method, path, body=body, headers=headers)
            response = server.getresponse()
            content = response.read()
        finally:
            server.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, content

    def form(self, path, form_id):
        status, _, content = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}")
        return form_fields(SimpleNamespace(content=content), form_id)

    def log_in(self, username, password):
        fields = self.form("/admin/login/?next=/admin/", "login-form")
        fields.update(username=[username], password=[password])
        status, _, _ = self.request("POST", "/admin/login/?next=/admin/", fields)
        if status != 302:
            raise RuntimeError(f"{username} could not sign in (answer {status})")


def edit_until(editor, deadline, run):
    """Save the editor's brief again and again until the deadline, noting each outcome."""
    browser = Browser()
    try:
        browser.log_in(editor.username, editor.password)
    except (OSError, RuntimeError, http.client.HTTPException) as error:
        editor.errors.append(f"sign-in: {error}")
        return
    change = f"/admin/briefs/brief/{editor.brief_id}/change/"
    while time.monotonic() < deadline:
        started = time.monotonic()
        summary = f"Saved by editor {editor.number}, run {run}, save {editor.attempted + 1}."
        try:
            fields = browser.form(change, "brief_form")
        except (OSError, RuntimeError, http.client.HTTPException) as error:
            editor.errors.append(f"opening the form: {error}")
            continue
        fields["summary"] = [summary]
        editor.attempted += 1
        try:
            status, _, content = browser.request("POST", change, fields)
        except (OSError, http.client.HTTPException) as error:
            editor.uncertain += 1
            editor.errors.append(f"saving: {error}")
            continue
        if status == 302:
            editor.saved.append(summary)
            editor.seconds_per_save.append(time.monotonic() - started)
        elif status == 200 and b"brief-conflict" in content:
            editor.conflicts += 1
        else:
            editor.errors.append(f"saving: answer {status}")


# Running it


def start_site(logs, log_file):
    return start_gunicorn(
        f"{HOST}:{PORT}",
        WORKERS,
        os.environ.copy(),
        f"--access-logfile={logs / 'access.log'}",
        "--access-logformat=%(s)s %(M)s %(r)s",
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )


def check_pages(paths):
    """Every reader page answers 200 before the run: a 404 would count as a reader error."""
    browser = Browser()
    for path in paths:
        status, _, _ = browser.request("GET", path)
        if status != 200:
            raise RuntimeError(f"{path} answers {status}: not a page for the readers")


def read_access_log(path):
    """Answers by class (2xx, 3xx...), the 5xx lines, and the server's time for each public
    page request in milliseconds."""
    by_class, server_errors, times = {}, [], []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        status, milliseconds, method, page, _ = line.split(" ", 4)
        by_class[f"{status[:1]}xx"] = by_class.get(f"{status[:1]}xx", 0) + 1
        if status.startswith("5"):
            server_errors.append(line)
        if method == "GET" and not page.startswith("/admin/"):
            times.append(int(milliseconds))
    return by_class, server_errors, sorted(times)


def verify(editor):
    """What the database holds against what the editor saw: problems, in words."""
    brief = Brief.objects.get(pk=editor.brief_id)
    added = list(
        Revision.objects.filter(brief=brief, number__gt=editor.start_version)
        .order_by("number")
        .values_list("document__summary", flat=True)
    )
    problems = []
    if editor.uncertain:
        # A post without an answer may have been saved: the revisions must still be the
        # answered saves, with at most that many more among them.
        if not set(editor.saved) <= set(added) or len(added) > len(editor.saved) + editor.uncertain:
            problems.append(f"{len(added)} revisions for {len(editor.saved)} answered saves")
    elif added != editor.saved:
        lost = [summary for summary in editor.saved if summary not in added]
        doubled = {summary for summary in added if added.count(summary) > 1}
        problems.append(
            f"{len(added)} revisions for {len(editor.saved)} saves "
            f"({len(lost)} lost, {len(doubled)} made twice, or out of order)"
        )
    if editor.saved and brief.summary != editor.saved[-1]:
        problems.append("the brief does not hold the last summary saved")
    last_number = brief.revisions.order_by("-number").values_list("number", flat=True).first()
    if brief.version != last_number:
        problems.append(f"version {brief.version}, last revision {last_number}")
    return len(added), problems


def median(values):
    values = sorted(values)
    return values[len(values) // 2] if values else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=60, help="seconds (default 60)")
    parser.add_argument("--readers", type=int, default=200, help="connections (default 200)")
    arguments = parser.parse_args()

    prepare_database()
    call_command("collectstatic", interactive=False, verbosity=0)
    run = time.strftime("%Y%m%d-%H%M%S")
    editors = make_editors(run)
    paths = reader_paths()
    briefs, public = Brief.objects.count(), Brief.objects.published().count()
    connection.close()  # this process's connection is not part of the load

    logs = Path(tempfile.mkdtemp(prefix="briefs-load-"))
    script = logs / "readers.lua"
    script.write_text(WRK_SCRIPT % ", ".join(f'"{path}"' for path in paths), encoding="utf-8")
    wrk_command = [
        "wrk",
        "-t2",
        f"-c{arguments.readers}",
        f"-d{arguments.duration}s",
        "--latency",
        f"--timeout={READER_TIMEOUT}",
        f"--script={script}",
        f"http://{HOST}:{PORT}",
    ]
    started = {}
    stopping = threading.Event()

    def stop_everything():
        stopping.set()
        for process in (started.get("wrk"), started.get("gunicorn")):
            stop(process)

    gunicorn_log = open(logs / "gunicorn.log", "wb")  # noqa: SIM115 (closed in the finally)
    watchdog = threading.Timer(arguments.duration + MARGIN, stop_everything)
    watchdog.daemon = True
    watchdog.start()
    try:
        started["gunicorn"] = start_site(logs, gunicorn_log)
        wait_until_answering(started["gunicorn"], f"http://{HOST}:{PORT}/robots.txt")
        check_pages(paths)
        (logs / "access.log").write_text("", encoding="utf-8")  # the run's requests only
        deadline = time.monotonic() + arguments.duration
        threads = [
            threading.Thread(target=edit_until, args=(editor, deadline, run)) for editor in editors
        ]
        started["wrk"] = subprocess.Popen(wrk_command, stdout=subprocess.PIPE, text=True)
        for thread in threads:
            thread.start()
        wrk_output, _ = started["wrk"].communicate(timeout=arguments.duration + MARGIN)
        for thread in threads:
            thread.join(timeout=EDITOR_TIMEOUT * 2)
        if stopping.is_set():
            raise RuntimeError(f"the run overstayed {arguments.duration + MARGIN} s: stopped")
    finally:
        watchdog.cancel()
        stop_everything()
        gunicorn_log.close()

    readers = read_wrk(wrk_output)
    statuses, server_errors, server_times = read_access_log(logs / "access.log")
    tracebacks = (logs / "gunicorn.log").read_text(errors="replace").count("Traceback")
    failures = []

    print()
    print(
        f"{connection.vendor}, {briefs} briefs ({public} public); gunicorn {WORKERS} workers; "
        f"{arguments.duration} s; {len(paths)} reader pages; logs in {logs}"
    )
    print(f"readers: `{' '.join(wrk_command[:-2])}` (a Lua script cycles through the pages)")
    latency = readers["latency"]
    print(
        f"  {readers['requests']} requests, {readers['rps']:.1f}/s; latency p50 "
        f"{latency.get('50', 0):.0f} ms, p90 {latency.get('90', 0):.0f} ms, p99 "
        f"{latency.get('99', 0):.0f} ms"
    )
    socket_errors = readers["socket errors"]
    print(
        f"  errors: {readers['non-2xx/3xx']} non-2xx/3xx, socket errors "
        + ", ".join(
            f"{kind} {socket_errors.get(kind, 0)}"
            for kind in ("connect", "read", "write", "timeout")
        )
    )
    print(
        "server (access log): "
        + ", ".join(f"{kind} {count}" for kind, count in sorted(statuses.items()))
        + f"; tracebacks in its log: {tracebacks}"
    )
    if server_times:
        print(
            f"  server's own time per reader request: median {median(server_times)} ms, p99 "
            f"{server_times[int(len(server_times) * 0.99)]} ms (the rest is waiting for a worker)"
        )
    if readers["non-2xx/3xx"] or any(socket_errors.values()):
        failures.append("readers had errors")
    if server_errors or tracebacks:
        failures.append(f"{len(server_errors)} server errors, {tracebacks} tracebacks")

    header = (
        f"{'editor':10} {'attempted':>9} {'saved':>6} {'conflicts':>9} {'errors':>6} "
        f"{'revisions added':>15} {'s/save':>7}  check"
    )
    print(header)
    print("-" * len(header))
    for editor in editors:
        added, problems = verify(editor)
        print(
            f"{editor.username:10} {editor.attempted:>9} {len(editor.saved):>6} "
            f"{editor.conflicts:>9} {len(editor.errors):>6} {added:>15} "
            f"{median(editor.seconds_per_save):>7.2f}  {'; '.join(problems) or 'ok'}"
        )
        for error in editor.errors[:5]:
            print(f"    {error}")
        if problems or editor.errors or editor.conflicts or not editor.saved:
            failures.append(f"{editor.username}: {'; '.join(problems) or 'errors or no saves'}")
    if failures:
        print("FAILED: " + "; ".join(failures))
        sys.exit(1)
    print("No errors, no lost or duplicated saves.")


if __name__ == "__main__":
    main()
