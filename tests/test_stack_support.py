"""The suite's own checks that a run leaves no process of a deploy stack behind: what a
stack folder left running is found and stopped (at the stack's stop and at the end of
every run), and the guard stops it when the run itself is killed (tests/stack_guard.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from tests.browser_support import ROOT
from tests.stack_guard import left_running, stop_left

HOLD = [sys.executable, "-c", "import time; time.sleep(120)"]
RUN = (  # a test run that starts the stack's guard and is then killed
    "import sys, time\n"
    "from pathlib import Path\n"
    "from tests.stack_support import _guard\n"
    "print(_guard(Path(sys.argv[1])).pid, flush=True)\n"
    "time.sleep(120)\n"
)


def _held(folder):
    """A process from the folder by its command line (as PostgreSQL and nginx are), and
    one by its environment (as a replica is)."""
    return [
        subprocess.Popen([*HOLD, f"{folder}/postgres/pgdata"]),  # noqa: S603
        subprocess.Popen(HOLD, env={**os.environ, "WARMTH_SNAPSHOT_DIR": f"{folder}/snapshots"}),  # noqa: S603
    ]


def test_what_a_stack_folder_left_running_is_found_and_stopped(tmp_path):
    folder, other = tmp_path / "stack", tmp_path / "other"
    held = _held(folder)
    elsewhere = subprocess.Popen([*HOLD, f"{other}/postgres/pgdata"])  # noqa: S603
    try:
        found = left_running([folder])
        assert sorted(pid for pid, _ in found) == sorted(p.pid for p in held), found
        stop_left(found)
        assert all(p.wait(timeout=10) == -signal.SIGKILL for p in held)
        assert left_running([folder]) == []
        assert elsewhere.poll() is None  # another folder's process is left alone
    finally:
        for proc in [*held, elsewhere]:
            proc.kill()
            proc.wait(timeout=10)


def test_the_guard_stops_what_a_killed_run_left(tmp_path):
    folder = tmp_path / "stack"
    (folder / "postgres").mkdir(parents=True)
    held = _held(folder)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", RUN, str(folder)], cwd=ROOT, env=env, stdout=subprocess.PIPE
    )
    try:
        guard = int(run.stdout.readline())
        assert all(p.poll() is None for p in held)  # the guard waits while the run lives
        run.kill()  # no finaliser of the run runs
        run.wait(timeout=10)
        deadline = time.monotonic() + 30
        while left_running([folder]) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert left_running([folder]) == []
        assert all(p.wait(timeout=10) == -signal.SIGKILL for p in held)
        while os.path.exists(f"/proc/{guard}") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not os.path.exists(f"/proc/{guard}")  # the guard ended, the folder gone
        assert not folder.exists()
    finally:
        for proc in [*held, run]:
            proc.kill()
            proc.wait(timeout=10)
