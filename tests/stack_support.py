"""The production stack of deploy/ started once for the tests that need it: a PostgreSQL
cluster of its own (so a test may stop it), two replicas as the application role, nginx."""

from __future__ import annotations

import re
import shutil
import tempfile
import urllib.request
from pathlib import Path

import pytest

from deploy.postgres import pg_bin
from deploy.stack import NGINX, Stack, http_status
from tests.browser_support import free_port

__all__ = ["active_sessions", "http_status", "stack"]


@pytest.fixture(scope="session")
def stack():
    if not Path(NGINX).exists():
        pytest.skip("Debian's nginx is not installed (scripts/test.sh installs it)")
    pg_bin()  # raises when PostgreSQL is not installed
    # the postgres user must reach the cluster's folder: not under pytest's private tmp
    folder = Path(tempfile.mkdtemp(prefix="warmth-stack-"))
    folder.chmod(0o755)
    ports = [free_port() for _ in range(4)]
    running = Stack(folder, ports[0], ports[1:3], ports[3], scale=0.005)
    try:
        yield running.start()
    finally:
        running.stop()
        shutil.rmtree(folder, ignore_errors=True)


def active_sessions(replica_url: str) -> int:
    """Sessions open on a replica (its own /_stcore/metrics, read on loopback)."""
    with urllib.request.urlopen(f"{replica_url}/_stcore/metrics", timeout=5) as resp:  # noqa: S310
        text = resp.read().decode()
    found = re.search(r"^active_sessions (\d+)", text, re.M)
    return int(found.group(1)) if found else 0
