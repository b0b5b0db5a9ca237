"""The process fixtures never leave a server behind, even when it fails to start."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.conftest import ServerDidNotStart, stop_process_group, wait_until_serving

pytestmark = pytest.mark.slow

# A "server" that forks a child (as gunicorn forks workers) and never answers HTTP.
SILENT_SERVER = """
import os, sys, time
child = os.fork()
if child == 0:
    time.sleep(600)
    os._exit(0)
print(child, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by its parent) counts as gone.
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split()[2] != "Z"


def test_a_server_that_never_answers_is_stopped_with_its_children():
    process = subprocess.Popen(
        [sys.executable, "-c", SILENT_SERVER], stdout=subprocess.PIPE, start_new_session=True
    )
    child = int(process.stdout.readline())
    with pytest.raises(ServerDidNotStart, match="no answer"):
        wait_until_serving("http://127.0.0.1:9/", process, deadline_seconds=1)
    stop_process_group(process)
    assert process.poll() is not None
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child), "the forked child outlived the fixture"


def test_a_server_that_exits_ends_the_wait_at_once():
    process = subprocess.Popen(
        [sys.executable, "-c", "raise SystemExit(3)"], start_new_session=True
    )
    started = time.monotonic()
    with pytest.raises(ServerDidNotStart, match="exited with 3"):
        wait_until_serving("http://127.0.0.1:9/", process, deadline_seconds=30)
    assert time.monotonic() - started < 10
    stop_process_group(process)
