"""Benchmark the writes of issue 8 point 4 on one database, printing wall and CPU time and the
machine's load beside each figure:

    python bench/bench_writes.py --db sqlite:////tmp/me/full.db          # imports + refresh
    python bench/bench_writes.py --db ... --skip-refresh                 # imports only

- one district's 50,000-record aid import, then the snapshot update and first figure
  (bench/bench_import.py --district 310115 --records 50000), target <= 3 s;
- the city's 200,000-record aid import, the same way, target <= 10 s;
- `warmth refresh` of every campaign (the city joined again from the shard files that are
  still good, the districts written since read again), in a child process timed with its
  CPU, target <= 20 s; with --full-refresh also `warmth refresh --full` (every district
  read again from the base tables).
Each import is undone afterwards. `warmth demo --scale 1.0` (target <= 90 s, <= 2 GB) is
timed apart, on a database of its own: `/usr/bin/time -v python -m warmth.cli demo --scale
1.0 --db sqlite:////tmp/me/demo.db`.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFRESH_TARGET_SECONDS = 20.0


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def run(label: str, command: list[str]) -> int:
    """Run a child process; print its wall and CPU time and peak memory."""
    print(f"--- {label} (load {load()})", flush=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=ROOT, env=env)  # noqa: S603 (our own commands)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(
        f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU, peak {after.ru_maxrss / 1024:.0f} MB "
        f"(exit {done.returncode}; load after {load()})",
        flush=True,
    )
    return done.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--skip-refresh", action="store_true")
    parser.add_argument("--full-refresh", action="store_true", help="time refresh --full too")
    args = parser.parse_args(argv)
    python = sys.executable
    bench = [python, "bench/bench_import.py", "--db", args.db]
    failed = run(
        "one district, 50,000 records", [*bench, "--district", "310115", "--records", "50000"]
    )
    failed |= run("the city, 200,000 records", [*bench, "--records", "200000"])
    if not args.skip_refresh:
        started = time.perf_counter()
        code = run("warmth refresh", [python, "-m", "warmth.cli", "refresh", "--db", args.db])
        wall = time.perf_counter() - started
        verdict = "OK" if wall <= REFRESH_TARGET_SECONDS else "TOO SLOW"
        print(f"refresh target <= {REFRESH_TARGET_SECONDS:.0f} s: {verdict}")
        failed |= code or wall > REFRESH_TARGET_SECONDS
        if args.full_refresh:
            full = [python, "-m", "warmth.cli", "refresh", "--full", "--db", args.db]
            failed |= run("warmth refresh --full", full)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
