"""The suite on two workers (pytest-xdist, `scripts/test.sh` runs `-n 2`): how its tests are
shared out, and what each worker keeps of its own.

A worker is given whole test files, so a module's app, browser or demo city is set up once,
on one worker. The two files of the deploy stack go to the same worker, which starts the
stack once. Files that take longest go out first, so neither worker is left with a long
file at the end while the other waits. Each worker has its own PostgreSQL template
database (`worker_suffix`); its tests' databases are copies of it under random names.
"""

from __future__ import annotations

import os

import pytest

# Files sharing one session fixture that is slow to set up: one worker runs them all.
SHARED = {
    "tests/test_stack.py": "the deploy stack",
    "tests/test_outages_pg.py": "the deploy stack",
}
# The files that take longest, longest first (seconds in one process, `--durations=0` of a
# whole run at load 4-8, 2026-12-02: 301, 206, 177, 117, 101, 99, 84, 80, 77, 70); the
# others follow by their number of tests. A stale list costs balance, never a result.
SLOW_FIRST = (
    "tests/test_present_browser.py",
    "tests/test_cli_errors.py",
    "tests/test_browser.py",
    "tests/test_days.py",
    "tests/test_demo.py",
    "tests/test_demo_snapshots.py",
    "tests/worklists/test_lists.py",
    "tests/test_patch_files.py",
    "tests/test_stack.py",
    "tests/test_access_pages.py",
)


def worker_suffix() -> str:
    """ "" without xdist, else "_gw0", "_gw1"...: for names that must differ by worker."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return f"_{worker}" if worker else ""


def _unit(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    return SHARED.get(path, path)


def _rank(unit: str, tests: int) -> tuple[int, int]:
    slow = [SHARED.get(p, p) for p in SLOW_FIRST]
    return (slow.index(unit) if unit in slow else len(slow), -tests)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Whole files (and the stack's two as one), slowest first."""
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SlowFirst(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _unit(nodeid)

        def _assign_work_unit(self, node) -> None:
            first = min(self.workqueue, key=lambda u: _rank(u, len(self.workqueue[u])))
            self.workqueue.move_to_end(first, last=False)
            super()._assign_work_unit(node)

    return SlowFirst(config, log)
