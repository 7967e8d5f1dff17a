"""Memory of one server process holding the snapshot (a script, not a test).

    python bench/bench_memory.py sqlite:////tmp/full.db [--lists]

In a fresh process: the first figure (a cold start: the snapshot loaded from its file, or
built), the overview's figures (headline, coverage by district, department and category,
pacing), then a filtered request (as of a day, two categories) and, with --lists, every
list's first page. Prints the resident memory (VmRSS, and the peak VmHWM) after each step,
and at the end an inventory of what the snapshot holds: its arrays and the values derived
from them and kept (statics, the large-array LRU, the frame LRU), largest first.
Target: <= 400 MB resident after the filtered request.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's warmth
RSS_TARGET_MB = 400


def status_mb(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _owner(a: np.ndarray):
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def deep_nbytes(value, seen: set) -> int:
    """Bytes of the numpy buffers and frames inside a value, each buffer counted once
    (views count their base; `seen` holds the ids already counted)."""
    if isinstance(value, np.ndarray):
        owner = _owner(value)
        if id(owner) in seen:
            return 0
        seen.add(id(owner))
        return owner.nbytes
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(deep=True).sum())
    if isinstance(value, pd.Series | pd.Index):
        return int(value.memory_usage(deep=True))
    if isinstance(value, dict):
        return sum(deep_nbytes(v, seen) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(deep_nbytes(v, seen) for v in value)
    if hasattr(value, "__dataclass_fields__"):
        return sum(deep_nbytes(getattr(value, k), seen) for k in value.__dataclass_fields__)
    return 0


def inventory(city) -> list[tuple[str, int, str]]:
    rows, seen = [], set()
    for part in ("people", "records"):
        for k, v in vars(getattr(city, part)).items():
            mapped = isinstance(_owner(v), np.memmap) or not _owner(v).flags.owndata
            note = f"{v.dtype}{' (file mapped)' if mapped else ''}"
            rows.append((f"{part}.{k}", deep_nbytes(v, seen), note))
    for k, v in city._statics.items():
        rows.append((f"static {k}", deep_nbytes(v, seen), ""))
    for k, v in city._arrays.items():
        rows.append((f"big LRU {k[0]}", deep_nbytes(v, seen), ""))
    frames = sum(deep_nbytes(v, seen) for v in city._frames.values())
    rows.append((f"frame LRU ({len(city._frames)} frames)", frames, ""))
    return sorted(rows, key=lambda r: -r[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--lists", action="store_true", help="also every list's first page")
    args = parser.parse_args()

    from warmth import queries, worklists
    from warmth.database import make_engine
    from warmth.scope import Filters, city_scope
    from warmth.snapshot import store

    def step(label, fn):
        began, cpu = time.perf_counter(), time.process_time()
        fn()
        print(
            f"{label:<44} {1000 * (time.perf_counter() - began):8.0f} ms wall "
            f"{1000 * (time.process_time() - cpu):8.0f} ms cpu   "
            f"RSS {status_mb('VmRSS'):5.0f} MB (anon {status_mb('RssAnon'):4.0f}, "
            f"file {status_mb('RssFile'):4.0f}; peak {status_mb('VmHWM'):.0f})",
            flush=True,
        )

    print(
        f"{'start':<44} {'':>28}   RSS {status_mb('VmRSS'):5.0f} MB (anon "
        f"{status_mb('RssAnon'):4.0f}, file {status_mb('RssFile'):4.0f})"
    )
    engine = make_engine(args.url)
    with engine.connect() as conn:
        city = city_scope(conn)
        none = Filters()
        step(
            "cold start: coverage by district",
            lambda: queries.coverage(conn, city, none, "district"),
        )
        step("overview: headline", lambda: queries.headline(conn, city, none))
        for by in ("department", "category"):
            step(
                f"overview: coverage by {by}", lambda by=by: queries.coverage(conn, city, none, by)
            )
        step("overview: pacing", lambda: queries.pacing(conn, city, none))
        picked = Filters(as_of=date(2005, 1, 20), categories=("DBU", "TKSY"))
        for by in ("district", "department", "category"):
            step(
                f"filtered (as of, 2 categories): by {by}",
                lambda by=by: queries.coverage(conn, city, picked, by),
            )
        step("filtered: headline", lambda: queries.headline(conn, city, picked))
        step("filtered: pacing", lambda: queries.pacing(conn, city, picked))
        if args.lists:
            for name in ("omission", "repeats", "overlaps", "leakage"):
                fn = getattr(worklists, name)
                step(f"list {name}, first page", lambda fn=fn: fn(conn, city, none))
        held = next(iter(store._memory.values()))
    rss = status_mb("VmRSS")
    print(
        f"\nresident {rss:.0f} MB, peak {status_mb('VmHWM'):.0f} MB "
        f"(target <= {RSS_TARGET_MB} MB: {'ok' if rss <= RSS_TARGET_MB else 'OVER'})"
    )
    print("\nheld by the snapshot (MB):")
    total = 0
    for name, size, note in inventory(held):
        total += size
        print(f"  {size / 2**20:8.1f}  {name} {note}")
    print(f"  {total / 2**20:8.1f}  in all")


if __name__ == "__main__":
    main()
