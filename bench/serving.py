"""What the benchmark scripts share: the site under gunicorn on loopback, and wrk's report."""

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
