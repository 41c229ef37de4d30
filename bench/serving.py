"""What the benchmark scripts share: the site under gunicorn on loopback, and wrk's report."""

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STARTUP_TIMEOUT = 30  # seconds for gunicorn to answer before giving up
POLL_INTERVAL = 0.2
PEER_FOLDER = ROOT.parent / "shared" / "bench" / "peer"
ANCHORS = Path(os.environ.get("ANCHORS", "/tmp/anchors"))  # where the peer harness builds
BARE_FLOOR_WORKERS = 2  # as the peer harness runs it
# The bare floor's page: a listing of the archive's size, Django's usual middleware, no database.
BARE_FLOOR_PATH = "/briefs/"


def bare_floor(bind):
    """(command, folder, environment) that serve the peer harness's bare-Django floor on
    `bind` (built in ANCHORS by its setup_floor.sh when missing), or None without
    ../shared/bench/peer beside the repository."""
    if not PEER_FOLDER.is_dir():
        return None
    site, venv = ANCHORS / "floor", ANCHORS / "floor-venv"
    if not (site.is_dir() and (venv / "bin" / "gunicorn").exists()):
        subprocess.run(["bash", "setup_floor.sh"], cwd=PEER_FOLDER, check=True)
    command = [
        str(venv / "bin" / "gunicorn"), "floor.wsgi:application",
        "--workers", str(BARE_FLOOR_WORKERS), "--worker-class", "sync",
        "--bind", bind, "--log-level", "warning",
    ]  # fmt: skip
    # Only its own settings: ours are in the benchmark's environment, which its wsgi.py would take.
    return command, site, {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "floor.settings"}


def start_gunicorn(bind, workers, env, *options, **popen):
    """The site as production runs it; stop it with stop()."""
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "briefs_site.wsgi",
        f"--workers={workers}",
        f"--bind={bind}",
        *options,
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, **popen)


def wait_until_answering(server, url):
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode} before answering")
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(POLL_INTERVAL)
    raise RuntimeError(f"gunicorn did not answer {url} within {STARTUP_TIMEOUT} s")


def stop(process):
    """Stop a process the script started, by its PID: gunicorn's master stops its workers."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def to_ms(value, unit):
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def read_wrk(output):
    """wrk's report (run with --latency): requests, requests/s, latency percentiles in ms,
    socket errors by kind, and answers other than 2xx/3xx."""
    latency = {
        share: to_ms(value, unit)
        for share, value, unit in re.findall(
            r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", output, re.M
        )
    }
    requests = re.search(r"(\d+) requests in", output)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    socket_errors = dict(re.findall(r"(connect|read|write|timeout) (\d+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests": int(requests.group(1)) if requests else 0,
        "rps": float(rps.group(1)) if rps else 0.0,
        "latency": latency,
        "socket errors": {kind: int(count) for kind, count in socket_errors.items()},
        "non-2xx/3xx": int(non_2xx.group(1)) if non_2xx else 0,
    }
