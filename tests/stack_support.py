"""The production stack of deploy/ started once for the tests that need it: a PostgreSQL
cluster of its own (so a test may stop it), two replicas as the application role, nginx;
stopped at the end, and by a guard (tests/stack_guard.py) when the run is killed."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

import pytest

from deploy.postgres import pg_bin
from deploy.stack import NGINX, Stack, http_status
from tests.browser_support import ROOT, free_port
from tests.stack_guard import clear, left_running

__all__ = ["active_sessions", "http_status", "left_running", "stack", "MADE"]

MADE: list[Path] = []  # the stack folders this process made: none may be left running


@pytest.fixture(scope="session")
def stack():
    if not Path(NGINX).exists():
        pytest.skip("Debian's nginx is not installed (scripts/test.sh installs it)")
    pg_bin()  # raises when PostgreSQL is not installed
    # the postgres user must reach the cluster's folder: not under pytest's private tmp
    folder = Path(tempfile.mkdtemp(prefix="warmth-stack-"))
    folder.chmod(0o755)
    MADE.append(folder)
    guard = _guard(folder)
    ports = [free_port() for _ in range(4)]
    running = Stack(folder, ports[0], ports[1:3], ports[3], scale=0.005)
    try:
        yield running.start()
    finally:
        try:
            running.stop()
        finally:
            left = clear(folder)  # what the stop missed: stopped, and the run fails
            guard.stdin.close()  # the guard finds nothing more and ends
            guard.wait(timeout=60)
        assert not left, f"the stack's stop left these running (now stopped): {left}"


def _guard(folder: Path) -> subprocess.Popen:
    """The guard of the stack in folder: a session of its own, so that it outlives a run
    killed with its process group, and stops what the run left (tests/stack_guard.py)."""
    return subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "tests.stack_guard", str(folder)],
        cwd=ROOT, stdin=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip


def active_sessions(replica_url: str) -> int:
    """Sessions open on a replica (its own /_stcore/metrics, read on loopback)."""
    with urllib.request.urlopen(f"{replica_url}/_stcore/metrics", timeout=5) as resp:  # noqa: S310
        text = resp.read().decode()
    found = re.search(r"^active_sessions (\d+)", text, re.M)
    return int(found.group(1)) if found else 0
