"""Benchmark `warmth demo` stage by stage: wall and CPU time of each load's stages, where
the CPU of the writes goes (rows made in Python, SQLite's executemany, each index built),
peak memory and the machine's load.

    python bench/bench_demo.py --scale 0.1 --db sqlite:////tmp/me/demo.db

The database is made anew (an existing file at that path is removed first, with its key
and snapshot folder) the way `warmth demo` makes a new file (warmth.demo.fresh): built beside
it, the records written by a second process (their CPU is printed apart, as the child
processes'; the table list below is the parent's writes only). Target (issue 8): scale 1.0 in <= 90 s and <= 2 GB; the whole
command's figure is `/usr/bin/time -v python -m warmth.cli demo --scale 1.0 --db ...`.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from warmth import bootstrap, config, demo_years  # noqa: E402
from warmth.database import make_engine  # noqa: E402
from warmth.demo import fresh, load, rows  # noqa: E402

TARGET_SECONDS = 90.0


def _fresh(url: str) -> None:
    path = Path(sa.engine.make_url(url).database or "")
    if not path.name:
        return
    for extra in ("", "-wal", "-shm", "-journal", ".idkey"):
        Path(f"{path}{extra}").unlink(missing_ok=True)
    shutil.rmtree(config.snapshot_dir(url), ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite:////tmp/bench_demo.db")
    parser.add_argument("--scale", type=float, default=0.1)
    args = parser.parse_args(argv)
    _fresh(args.db)
    spent: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0])  # python rows, driver

    def timed_bulk(conn, table, columns, chunks):
        it, written = iter(chunks), 0
        while True:
            t = time.process_time()
            chunk = next(it, None)
            spent[table][0] += time.process_time() - t
            if chunk is None:
                return written
            t = time.process_time()
            written += rows._bulk(conn, table, columns, iter([chunk]))
            spent[table][1] += time.process_time() - t

    load._bulk = timed_bulk  # the load's writes, timed chunk by chunk
    categories = load.write_categories

    def timed_categories(conn, *a):
        t = time.process_time()
        try:
            return categories(conn, *a)
        finally:
            spent["beneficiary_categories (inside SQLite)"][1] += time.process_time() - t

    load.write_categories = timed_categories
    plain = sa.Connection.exec_driver_sql

    def timed_sql(self, sql, *a, **k):
        t = time.process_time()
        try:
            return plain(self, sql, *a, **k)
        finally:
            if sql.startswith(("CREATE INDEX", "CREATE UNIQUE INDEX")):
                words = sql.split()
                spent[words[words.index("INDEX") + 1]][1] += time.process_time() - t
            elif sql.startswith("ANALYZE"):
                spent["ANALYZE (statistics)"][1] += time.process_time() - t

    sa.Connection.exec_driver_sql = timed_sql
    began, cpu0, last = time.perf_counter(), time.process_time(), [None]

    def progress(stage: str, done: float) -> None:
        if stage != last[0]:
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
            print(
                f"{time.perf_counter() - began:7.1f} s wall {time.process_time() - cpu0:7.1f} s "
                f"CPU  {done:5.3f}  {stage:28s} peak {rss} MB",
                flush=True,
            )
            last[0] = stage

    engine = make_engine(fresh.start(args.db))  # as `warmth demo` does on a new file
    bootstrap.init_database(engine)
    demo_years.load_campaigns(engine, scale=args.scale, progress=progress, fresh=True)
    engine.dispose()
    fresh.finish(args.db)
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu0
    print(f"\nCPU of the writes (both campaigns), s:   {'rows made':>10} {'driver':>8}")
    for name, (made, driver) in sorted(spent.items(), key=lambda kv: -sum(kv[1])):
        print(f"  {name:38s} {made:10.2f} {driver:8.2f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"\nCPU of the child processes (the sealing worker, the second writer): {children.ru_utime + children.ru_stime:.1f} s"
    )
    print(
        f"\ndemo --scale {args.scale:g}: {wall:.1f} s wall, {cpu:.1f} s CPU, peak {peak:.2f} GB; "
        f"load {os.getloadavg()[0]:.2f} (target at scale 1.0: <= {TARGET_SECONDS:.0f} s, <= 2 GB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
