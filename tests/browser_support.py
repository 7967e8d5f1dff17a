"""Starting the real app for browser journeys: a free port, a fresh database, a health poll."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(
    db_url: str,
    log_path: Path,
    timeout: float = 90,
    *,
    args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    port: int | None = None,
) -> tuple[subprocess.Popen, str]:
    """Run `streamlit run app.py` on loopback against db_url (with more options and
    environment when given); return the process and its URL once /_stcore/health answers."""
    port = port or free_port()
    env = {**os.environ, **(env or {}), "WARMTH_DATABASE_URL": db_url}
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false", *args,
    ]  # fmt: skip
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process by the caller
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited early: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:  # noqa: S310
                if resp.read() == b"ok":
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"app did not become healthy: {log_path.read_text()[-2000:]}")
