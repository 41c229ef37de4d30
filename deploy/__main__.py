"""python -m deploy (make deploy): the production layout on this machine, on loopback ports.

Its own Redis (deploy/redis.conf), PostgreSQL from DATABASE_URL (the database is made if
missing, migrated, and given the demo content while it has no brief), app servers under
gunicorn, the worker with beat, and Varnish in front of them. It prints what runs where and
waits; Ctrl-C or SIGTERM stops everything it started (docs/deploy.md).
"""

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import psycopg

from deploy import stack

STATE = stack.REPO / "var" / "deploy"
SECRET_KEY_FILE = STATE / "secret_key"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/briefs_deploy"
HOSTS = ["127.0.0.1", "localhost"]
WATCH_INTERVAL = 1  # seconds between looks at whether every part is still running


def arguments():
    parser = argparse.ArgumentParser(
        prog="python -m deploy",
        description="Varnish, app servers, Redis, the worker and PostgreSQL on loopback.",
        epilog=f"DATABASE_URL names the PostgreSQL database (default {DEFAULT_DATABASE_URL}).",
    )

    def option(flag, variable, default, what):
        parser.add_argument(
            flag,
            type=int,
            default=int(os.environ.get(variable, default)),
            help=f"{what} (env {variable}, default {default})",
        )

    option("--varnish-port", "BRIEFS_DEPLOY_VARNISH_PORT", 6081, "Varnish's port")
    option("--app-port", "BRIEFS_DEPLOY_APP_PORT", 8101, "the first app server's port; the "
           "others take the ports after it")  # fmt: skip
    option("--app-servers", "BRIEFS_DEPLOY_APP_SERVERS", 2, "how many app servers")
    option("--workers", "GUNICORN_WORKERS", 2, "gunicorn workers in each app server")
    option("--redis-port", "BRIEFS_DEPLOY_REDIS_PORT", 6380, "Redis's port")
    parsed = parser.parse_args()
    if parsed.app_servers < 1:
        parser.error("--app-servers must be at least 1")
    return parsed


def secret_key():
    """Kept between runs, so that sessions and signed links outlive a restart."""
    if not SECRET_KEY_FILE.exists():
        SECRET_KEY_FILE.touch(mode=0o600)
        SECRET_KEY_FILE.write_text(secrets.token_urlsafe(50))
    return SECRET_KEY_FILE.read_text().strip()


def manage(env, *command):
    subprocess.run(
        [sys.executable, "manage.py", *command],
        cwd=stack.REPO,
        env={**os.environ, **env},
        check=True,
    )


def has_briefs(database_url):
    server, name = stack.server_options(database_url)
    with psycopg.connect(**server, dbname=name) as connection:
        return connection.execute("SELECT EXISTS (SELECT 1 FROM briefs_brief)").fetchone()[0]


def health_of(port):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_health/", headers={"Host": HOSTS[0]}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.read().decode()
    except urllib.error.HTTPError as error:
        return f"{error.code} {error.read().decode(errors='replace')}"
    except OSError as error:
        return f"not answering ({error})"


def start(options, parts):
    """Start every part, appending each to `parts` as soon as it runs, so that whatever
    started is stopped if a later part fails."""
    app_ports = [options.app_port + number for number in range(options.app_servers)]
    wanted = [options.varnish_port, options.redis_port, *app_ports]
    taken = [port for port in wanted if stack.accepts_connections(port)]
    if taken:
        raise RuntimeError(f"already in use on 127.0.0.1: port {', '.join(map(str, taken))}")

    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    site_url = f"http://{HOSTS[0]}:{options.varnish_port}"
    env = {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secret_key(),
        "DJANGO_ALLOWED_HOSTS": ",".join(HOSTS),
        "BRIEFS_SITE_URL": site_url,
        # Plain HTTP on loopback; a TLS terminator in front would turn this back on.
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        # The app servers listen on loopback only, so every request came through Varnish,
        # which appends the client's address to X-Forwarded-For.
        "DJANGO_TRUSTED_PROXY_HOPS": "1",
        "DATABASE_URL": database_url,
        "REDIS_URL": f"redis://127.0.0.1:{options.redis_port}/0",
        "BRIEFS_EDGE_PURGE_URLS": f"{site_url}/",
        # No web server in front to serve uploads (production's TLS terminator does).
        "BRIEFS_SERVE_MEDIA": "1",
        # No mail server on loopback: mail is written to the worker's log unless one is named.
        "DJANGO_EMAIL_BACKEND": os.environ.get(
            "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
        ),
    }

    parts.append(stack.start_redis(STATE / "redis", options.redis_port))
    if stack.ensure_database(database_url):
        print(f"Made the database {stack.server_options(database_url)[1]}.")
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    if not has_briefs(database_url):
        # The demo's accounts have known passwords, so load_demo runs only with debug on:
        # on for this one command, for a database that has no content of its own. Varnish is
        # not running yet and starts empty: there is nothing to purge.
        manage({**env, "DJANGO_DEBUG": "1", "BRIEFS_EDGE_PURGE_URLS": ""}, "load_demo")

    for number, port in enumerate(app_ports, start=1):
        parts.append(
            stack.start_app(STATE, port, env, workers=options.workers, name=f"app-{number}")
        )
    parts.append(stack.start_worker(STATE, env))
    parts.append(
        stack.start_varnish(
            STATE / "varnish",
            options.varnish_port,
            [("127.0.0.1", port) for port in app_ports],
            HOSTS,
        )
    )
    return site_url, database_url


def report(parts, site_url, database_url):
    print()
    print(f"The site: {site_url}/  (admin: {site_url}/admin/)")
    print(f"PostgreSQL: {database_url}")
    for part in parts:
        where = f"127.0.0.1:{part.port}" if part.port else ""
        print(f"  {part.name:<8} pid {part.pid:<8} {where:<16} log {part.log}")
    for part in parts:
        if part.name.startswith("app-"):
            print(f"  {part.name} /_health/: {health_of(part.port)}")
    print("Ctrl-C stops it all.")
    sys.stdout.flush()


def watch(parts):
    """Say once when a part exits; the others go on (Varnish sends readers to the app servers
    still answering)."""
    reported = set()
    while True:
        for part in parts:
            if part.pid not in reported and not part.alive:
                reported.add(part.pid)
                print(f"{part.name} exited with {part.popen.returncode}; see {part.log}")
                sys.stdout.flush()
        time.sleep(WATCH_INTERVAL)


def stop_all(parts):
    # Varnish first, so no reader is sent to an app server that is going; Redis last, once
    # nothing uses it.
    for part in reversed(parts):
        part.stop()


def main():
    options = arguments()
    STATE.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    parts = []
    try:
        report(parts, *start(options, parts))
        watch(parts)
    except KeyboardInterrupt:
        pass
    except (RuntimeError, OSError, subprocess.CalledProcessError, psycopg.Error) as error:
        print(f"python -m deploy: {error}", file=sys.stderr)
        sys.exit(1)
    finally:
        # A second Ctrl-C must not leave half of it running.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("Stopping...")
        stop_all(parts)


if __name__ == "__main__":
    main()
