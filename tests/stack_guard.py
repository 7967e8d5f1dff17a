"""What a test run's deploy stack leaves when the run ends without stopping it, found and
stopped. The stack's PostgreSQL is started by pg_ctl in a session of its own, so a run
killed as a process group (a CI time limit, `kill -- -PGID`) takes its replicas and nginx
with it but leaves the cluster running, and no finaliser runs to stop it. The stack
fixture (tests/stack_support.py) therefore starts this module as a guard, in a session of
its own too, holding a pipe from the run: when the run ends by any means, the pipe closes,
and the guard stops whatever still runs from the stack's folder and removes the folder.

    python -m tests.stack_guard FOLDER   (stdin: the pipe; the stdlib alone, started fast)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import sys
import time
from pathlib import Path


def left_running(folders: list[Path]) -> list[tuple[int, str]]:
    """(pid, command line) of every other process still running from these stack folders:
    a PostgreSQL cluster and nginx name the folder on their command line, the replicas in
    their environment."""
    marks = [f"{f}/".encode() for f in folders]
    found = []
    for entry in Path("/proc").iterdir() if marks else ():
        if not entry.name.isdigit() or entry.name == str(os.getpid()):
            continue
        try:
            args = (entry / "cmdline").read_bytes()
            env = (entry / "environ").read_bytes()
        except OSError:  # gone meanwhile
            continue
        if any(mark in args or mark in env for mark in marks):
            found.append((int(entry.name), args.replace(b"\0", b" ").decode().strip()))
    return found


def stop_left(found: list[tuple[int, str]]) -> None:
    """Stop what left_running found (processes a test run started, by their pid): a
    PostgreSQL server by its immediate shutdown, which ends its own children too."""
    for pid, args in found:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGQUIT if "/bin/postgres " in args else signal.SIGKILL)


def clear(folder: Path, timeout: float = 30) -> list[tuple[int, str]]:
    """Stop everything running from folder, then remove it; what was found running."""
    found = left_running([folder])
    deadline = time.monotonic() + timeout
    left = found
    while left and time.monotonic() < deadline:
        stop_left(left)
        time.sleep(0.2)
        left = left_running([folder])
    shutil.rmtree(folder, ignore_errors=True)
    return found


def main(argv: list[str]) -> int:
    folder = Path(argv[0])  # given without a trailing "/": left_running does not find us
    sys.stdin.buffer.read()  # returns when the run closes the pipe, or ends
    found = clear(folder)
    if found:
        print(f"stack_guard: stopped what {folder} left running: {found}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
