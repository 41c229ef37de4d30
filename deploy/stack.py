"""The parts of the production layout started as processes on loopback (docs/deploy.md):
Varnish, gunicorn app servers, Redis, a throwaway PostgreSQL cluster and the worker.

`python -m deploy`, the edge benchmark and the tests all start them with these functions. Each
returns a Process, which is stopped by the PID it was started with, never by name; its output
goes to <name>.log in the folder given.
"""

import atexit
import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dj_database_url
import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parent.parent
VARNISH_FOLDER = REPO / "deploy" / "varnish"
REDIS_CONF = REPO / "deploy" / "redis.conf"
GUNICORN_CONF = REPO / "deploy" / "gunicorn.conf.py"

STARTUP_TIMEOUT = 60  # seconds for a part to answer before it is stopped and reported
STOP_TIMEOUT = 30  # seconds a part may take to shut down before it is killed
POLL_INTERVAL = 0.05
LOG_TAIL = 3000  # characters of a log quoted when a part fails to start

# Host names and addresses as they may appear in a Host header: nothing that could break out
# of a VCL string or a regular expression.
HOST_NAME = re.compile(r"^[A-Za-z0-9.\-]+$|^\[[0-9A-Fa-f:.]+\]$")
ACL_ENTRY = re.compile(r"^[0-9A-Fa-f:.]+(/[0-9]{1,3})?$")
COOKIE_NAME = re.compile(r"^[A-Za-z0-9_\-]+$")


class Missing(RuntimeError):
    """Software a part needs is not installed on this machine."""


class Process:
    """A part we started, in a process group of its own so that what it starts is stopped
    with it."""

    def __init__(self, name, popen, log, *, port=None, workdir=None, stop_signal=signal.SIGTERM):
        self.name = name
        self.popen = popen
        self.port = port
        self.log = log
        self.workdir = workdir  # Varnish's -n folder, PostgreSQL's data folder
        self.stop_signal = stop_signal

    def __repr__(self):
        return f"<Process {self.name} pid={self.pid} port={self.port}>"

    @property
    def pid(self):
        return self.popen.pid

    @property
    def alive(self):
        return self.popen.poll() is None

    def stop(self, timeout=STOP_TIMEOUT):
        """Ask the process to shut down the way it shuts down best (its stop signal, to it
        alone, so it stops its own children in order); kill whatever of its group is still
        there once it has gone or the timeout has passed."""
        if self.alive:
            self._signal_process(self.stop_signal)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout)
        self.kill(grace=timeout)

    def kill(self, grace=0.0):
        """Kill the process and its group, after `grace` seconds for what is left to exit."""
        deadline = time.monotonic() + grace
        while self._group_exists() and time.monotonic() < deadline and not self.alive:
            time.sleep(POLL_INTERVAL)
        if self._group_exists():
            self._signal_group(signal.SIGKILL)
        self.popen.wait()

    def log_tail(self):
        try:
            return self.log.read_text(errors="replace")[-LOG_TAIL:]
        except FileNotFoundError:
            return ""

    def _signal_process(self, sig):
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, sig)

    def _signal_group(self, sig):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pid, sig)

    def _group_exists(self):
        try:
            os.killpg(self.pid, 0)
        except ProcessLookupError:
            return False
        return True


def free_port():
    """A TCP port on 127.0.0.1 nothing listens on just now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def spawn(name, command, folder, *, env=None, cwd=None, as_user=None, **process_options):
    """Start `command` in a process group of its own, its output in <folder>/<name>.log;
    `as_user` holds Popen's user options."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"{name}.log"
    with open(log, "ab") as output:
        popen = subprocess.Popen(
            [str(part) for part in command],
            cwd=cwd or REPO,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **(as_user or {}),
        )
    return Process(name, popen, log, **process_options)


def wait_until(process, ready, what, timeout=STARTUP_TIMEOUT):
    """Poll `ready()` until it holds. A process that exits first, never gets there, or is
    waited for when the wait is interrupted (Ctrl-C) is stopped, so none is left behind; the
    error quotes the end of its log."""
    deadline = time.monotonic() + timeout
    try:
        while not ready():
            if not process.alive:
                raise RuntimeError(
                    f"{process.name} exited with {process.popen.returncode} before it {what}:"
                    f"\n{process.log_tail()}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{process.name} did not {what} within {timeout} s:\n{process.log_tail()}"
                )
            time.sleep(POLL_INTERVAL)
    except BaseException:
        process.stop(timeout=5)
        raise
    return process


def accepts_connections(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def answers(port, request, expected):
    """Whether a server on the port answers `request` (bytes) with something starting with
    `expected`."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(request)
            return connection.recv(len(expected)) == expected
    except OSError:
        return False


def require(program):
    path = shutil.which(program, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if path is None:
        raise Missing(f"{program} is not installed ({MISSING_HINTS[program]})")
    return path


MISSING_HINTS = {
    "varnishd": "apt-get install varnish varnish-modules",
    "varnishstat": "apt-get install varnish",
    "varnishncsa": "apt-get install varnish",
    "varnishadm": "apt-get install varnish",
    "redis-server": "apt-get install redis-server",
}


# Varnish


def write_site_vcl(
    folder,
    backends,
    hosts,
    purgers=("127.0.0.1",),
    session_cookie="sessionid",
    health_path="/_health/",
):
    """site.vcl, the part of deploy/varnish/briefs.vcl that differs per installation: the app
    servers (`backends`, (address, port) pairs) behind a round-robin director that skips those
    failing the health probe, the addresses that may purge, and the site's own host names."""
    if not backends:
        raise ValueError("Varnish needs at least one app server")
    if not hosts:
        raise ValueError("Varnish needs the site's host names")
    for host in hosts:
        if not HOST_NAME.match(host):
            raise ValueError(f"not a host name: {host!r}")
    for purger in purgers:
        if not ACL_ENTRY.match(purger):
            raise ValueError(f"not an address or network: {purger!r}")
    if not COOKIE_NAME.match(session_cookie):
        raise ValueError(f"not a cookie name: {session_cookie!r}")
    if not re.match(r"^/[A-Za-z0-9_\-/]*$", health_path):
        raise ValueError(f"not a path: {health_path!r}")

    host_pattern = "|".join(re.escape(host) for host in hosts)
    lines = [
        "# Written by deploy/stack.py for one installation; included by briefs.vcl.",
        "probe briefs_health {",
        f'    .url = "{health_path}";',
        "    .interval = 1s;",
        "    .timeout = 2s;",
        # Out of rotation after two failures in a row, back after two successes; healthy from
        # the start, so the site is served while the first probes are on their way.
        "    .window = 3;",
        "    .threshold = 2;",
        "    .initial = 2;",
        "}",
    ]
    names = []
    for number, (address, port) in enumerate(backends, start=1):
        if not HOST_NAME.match(address):
            raise ValueError(f"not an address: {address!r}")
        name = f"app_{number}"
        names.append(name)
        lines += [
            f"backend {name} {{",
            f'    .host = "{address}";',
            f'    .port = "{int(port)}";',
            # The probe's Host: a name the app accepts (DJANGO_ALLOWED_HOSTS), not the
            # backend's address, which production does not allow.
            f'    .host_header = "{hosts[0]}";',
            "    .probe = briefs_health;",
            "    .connect_timeout = 1s;",
            # gunicorn ends a request at 30 s (deploy/gunicorn.conf.py): no longer wait here.
            "    .first_byte_timeout = 35s;",
            "    .between_bytes_timeout = 10s;",
            "}",
        ]
    lines += ["sub vcl_init {", "    new app = directors.round_robin();"]
    lines += [f"    app.add_backend({name});" for name in names]
    lines += ["}", "acl purgers {"]
    for purger in purgers:
        address, _, bits = purger.partition("/")
        lines.append(f'    "{address}"/{bits};' if bits else f'    "{address}";')
    lines += [
        "}",
        # A failed fetch goes to the next app server in turn, each tried once: a round-robin
        # pick could land on the failed one again.
        "sub briefs_retry_elsewhere {",
        f"    if (bereq.retries < {len(names) - 1}) {{",
        "        set bereq.http.X-Briefs-Failed = beresp.backend.name;",
        "        return (retry);",
        "    }",
        "}",
        "sub briefs_next_backend {",
    ]
    for number, name in enumerate(names):
        branch = "if" if number == 0 else "} elsif"
        lines += [
            f'    {branch} (bereq.http.X-Briefs-Failed == "{name}") {{',
            f"        set bereq.backend = {names[(number + 1) % len(names)]};",
        ]
    lines += [
        "    }",
        "    unset bereq.http.X-Briefs-Failed;",
        "}",
        "sub briefs_site {",
        f'    if (req.http.host ~ "(?i)^({host_pattern})(:[0-9]+)?$") {{',
        '        set req.http.X-Briefs-Host-Ok = "1";',
        "    }",
        f'    if (req.http.Cookie ~ "(^|;\\s*){session_cookie}=") {{',
        '        set req.http.X-Briefs-Signed-In = "1";',
        "    }",
        "}",
    ]
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "site.vcl"
    path.write_text("\n".join(lines) + "\n")
    return path


def start_varnish(
    folder,
    port,
    backends,
    hosts,
    *,
    memory="256m",
    purgers=("127.0.0.1",),
    session_cookie="sessionid",
):
    """varnishd in the foreground on 127.0.0.1:port with deploy/varnish/briefs.vcl and a
    site.vcl written into `folder`; its working directory (for varnishstat and varnishadm -n)
    is the Process's workdir."""
    varnishd = require("varnishd")
    folder = Path(folder).resolve()
    write_site_vcl(folder, backends, hosts, purgers=purgers, session_cookie=session_cookie)
    workdir = folder / "varnishd"
    command = [
        varnishd,
        "-F",
        # No separate unprivileged user: the same command as root and as anyone else; the
        # Debian service (docs/deploy.md) runs it with its own jail instead.
        "-j", "none",
        "-n", workdir,
        "-a", f"127.0.0.1:{port}",
        "-T", f"127.0.0.1:{free_port()}",
        "-p", f"vcl_path={folder}:{VARNISH_FOLDER}",
        "-f", "briefs.vcl",
        "-s", f"malloc,{memory}",
    ]  # fmt: skip
    varnish = spawn("varnish", command, folder, port=port, workdir=workdir)
    # An unknown Host is answered by Varnish itself: an answer means the VCL is loaded.
    request = b"HEAD / HTTP/1.1\r\nHost: readiness.invalid\r\nConnection: close\r\n\r\n"
    try:
        return wait_until(
            varnish, lambda: answers(port, request, b"HTTP/1.1 400"), "answered on its port"
        )
    except RuntimeError as error:
        if re.search(r"VMOD.*xkey|xkey.*not found|libvmod_xkey", str(error), re.I):
            raise Missing(
                "Varnish's xkey module is not installed (apt-get install varnish-modules)"
            ) from error
        raise


def varnish_stat(varnish, *fields):
    """Varnish's counters (`varnishstat -1 -j`) by name, e.g. "MAIN.backend_req",
    "MAIN.cache_hit", "MAIN.client_req"; `varnish` is the Process from start_varnish."""
    output = subprocess.run(
        [require("varnishstat"), "-n", str(varnish.workdir), "-1", "-j"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    ).stdout
    values = {name: counter["value"] for name, counter in json.loads(output)["counters"].items()}
    unknown = [field for field in fields if field not in values]
    if unknown:
        raise KeyError(f"Varnish has no counter {', '.join(unknown)}")
    return {field: values[field] for field in fields}


# The app servers and the worker

# The worker as production runs it (docs/deploy.md); tests/workers.py starts the same.
WORKER_COMMAND = [
    sys.executable, "-m", "celery", "-A", "briefs_site", "worker", "--beat",
    "--concurrency", "1", "--loglevel", "warning", "--without-mingle", "--without-gossip",
]  # fmt: skip


def start_app(folder, port, env, *, workers=2, name="app"):
    """gunicorn serving briefs_site.wsgi on 127.0.0.1:port with deploy/gunicorn.conf.py, once
    it accepts connections (not necessarily healthy: that is the probe's business)."""
    command = [
        sys.executable, "-m", "gunicorn", "briefs_site.wsgi",
        "--config", GUNICORN_CONF,
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--name", name,
    ]  # fmt: skip
    app = spawn(name, command, folder, env=env, port=port)
    return wait_until(app, lambda: accepts_connections(port), "accepted connections")


def start_worker(folder, env, *, name="worker"):
    """The worker: Celery with beat inside it, so exactly one beat runs per worker started
    this way (start one per installation). Its beat schedule is kept in `folder`."""
    folder = Path(folder).resolve()
    env = {"BRIEFS_BEAT_SCHEDULE": str(folder / "celerybeat-schedule"), **env}
    return spawn(name, WORKER_COMMAND, folder, env=env)


# Redis


def start_redis(folder, port):
    """redis-server with deploy/redis.conf (bounded memory, evicting the least recently used
    keys, nothing written to disk) on 127.0.0.1:port, once it answers PING."""
    folder = Path(folder).resolve()
    command = [
        require("redis-server"), REDIS_CONF,
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--dir", folder,
    ]  # fmt: skip
    redis = spawn("redis", command, folder, port=port)
    return wait_until(redis, lambda: answers(port, b"PING\r\n", b"+PONG"), "answered PING")


# PostgreSQL


def postgres_bin():
    """The folder of PostgreSQL's server programs: Debian's newest, else the PATH's."""
    debian = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda path: int(path.parent.parent.name) if path.parent.parent.name.isdigit() else 0,
    )
    if debian:
        return debian[-1].parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise Missing("PostgreSQL's server is not installed (apt-get install postgresql)")


def start_postgres(folder, port):
    """A throwaway PostgreSQL cluster on 127.0.0.1:port (user postgres, no password, no
    durability), made on the first call for a folder; calling it again for the same folder
    after .stop() starts the same cluster with its data. Stopping it is a fast
    shutdown: open transactions are rolled back and connections closed."""
    bin_folder = postgres_bin()
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    data, user = postgres_data(folder)
    if not (data / "PG_VERSION").exists():
        initdb = subprocess.run(
            [
                str(bin_folder / "initdb"), "-D", str(data), "-U", "postgres",
                "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8",
                "--no-sync", "--no-instructions",
            ],
            cwd=data,
            capture_output=True,
            text=True,
            **user,
        )  # fmt: skip
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{initdb.stdout}{initdb.stderr}")
    command = [
        bin_folder / "postgres", "-D", data,
        "-p", str(port),
        "-c", "listen_addresses=127.0.0.1",
        # TCP only: no socket file in a folder shared with the system's PostgreSQL.
        "-c", "unix_socket_directories=",
        # Thrown away after the run: durability only costs time.
        "-c", "fsync=off",
        "-c", "synchronous_commit=off",
        "-c", "full_page_writes=off",
    ]  # fmt: skip
    postgres = spawn(
        "postgres",
        command,
        folder,
        cwd=data,
        port=port,
        workdir=data,
        # SIGINT is PostgreSQL's fast shutdown; SIGTERM would wait for every client to leave.
        stop_signal=signal.SIGINT,
        as_user=user,
    )
    return wait_until(postgres, lambda: postgres_answers(port), "accepted queries")


def postgres_data(folder):
    """The cluster's data folder and the Popen options that run its programs. PostgreSQL
    refuses to run as root: as root they run as the postgres user, in a folder of /tmp that
    user can reach (a test's own folder often cannot be), linked from `folder` and removed
    when this interpreter exits."""
    link = folder / "postgres-data"
    if os.geteuid() != 0:
        link.mkdir(exist_ok=True)
        return link, {}
    user = {"user": "postgres", "group": "postgres", "extra_groups": []}
    if not link.exists():
        data = Path(tempfile.mkdtemp(prefix="briefs-postgres-"))
        shutil.chown(data, "postgres", "postgres")
        link.symlink_to(data)
        atexit.register(shutil.rmtree, data, ignore_errors=True)
    return link.resolve(), user


def postgres_answers(port):
    try:
        with psycopg.connect(
            host="127.0.0.1", port=port, user="postgres", dbname="postgres", connect_timeout=1
        ):
            return True
    except psycopg.OperationalError:
        return False


def server_options(database_url):
    """psycopg.connect's options for the server a postgres:// URL names, and the name of its
    database."""
    settings = dj_database_url.parse(database_url)
    server = {
        "host": settings["HOST"] or "127.0.0.1",
        "port": settings["PORT"] or 5432,
        "user": settings["USER"] or "postgres",
        "password": settings["PASSWORD"] or None,
    }
    return server, settings["NAME"]


def ensure_database(database_url):
    """Create the database a postgres:// URL names unless it exists; True if it was made."""
    server, name = server_options(database_url)
    with psycopg.connect(
        **server, dbname="postgres", connect_timeout=5, autocommit=True
    ) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists:
            return False
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True
