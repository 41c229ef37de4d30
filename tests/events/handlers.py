"""Handlers for the tests: one that fails while told to, one that blocks while told to."""

import os
import time
from pathlib import Path

from events.handlers import handler
from events.models import Activity

failures = {"left": 0}


@handler("flaky")
def flaky(event):
    if failures["left"]:
        failures["left"] -= 1
        raise ConnectionRefusedError("the mail server is down")
    Activity.objects.create(event=event, happened_at=event.due_at, description="flaky did it")


@handler("blocking")
def block_while_told(event):
    """In a worker process: while BLOCK_FILE exists, say so in STARTED_FILE and never finish,
    until the test kills the worker mid-run."""
    block, started = os.environ.get("BLOCK_FILE"), os.environ.get("STARTED_FILE")
    if not block or not Path(block).exists():
        return
    Path(started).write_text(str(event.pk))
    while Path(block).exists():
        time.sleep(0.05)
