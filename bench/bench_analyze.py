"""What a sampled ANALYZE does to a SQLite database's query plans and its people lists: the
plan of every SQL statement the worklists (and the figures) run, and each worklist call's
time, without statistics and then with them (a script, not a test).

    python bench/bench_analyze.py sqlite:////tmp/me/full.db [--repeat 1] [--limit 1000 0]

The calls are bench_matrix's worklist calls (6 lists x 4 scopes x 6 filter combinations,
the first page of 1,000 rows) and its figures without filters (for the SQL they run). The
database is changed: its statistics are removed first (`sqlite_stat1`), then for each
--limit `PRAGMA analysis_limit=<limit>; ANALYZE` (0: every row) is run and timed, and the
last statistics are kept (use a copy). Prints each statement whose plan differs from the
plan without statistics, and each call's time (median of --repeat after a warm-up; wall
and CPU; a call is stopped after --cap seconds and shown as that).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's warmth
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_matrix import figure_calls, prepare, worklist_calls  # noqa: E402

from warmth.database import make_engine  # noqa: E402
from warmth.snapshot import store  # noqa: E402

WORKLIST_COMBOS = [(), ("as_of",), ("categories",), ("dept MZ",), ("as_of", "categories")]
WORKLIST_COMBOS.append(("streets",))


def _calls(setup):
    figures, lists = figure_calls(), worklist_calls({k: v[0] for k, v in setup.streets.items()})
    out = []
    for scope_name, scope in setup.scopes.items():
        for combo in WORKLIST_COMBOS:
            for name, fn in lists.items():
                out.append(("worklist", name, scope_name, scope, combo, fn))
        for name, fn in figures.items():
            for combo in [()]:
                out.append(("figure", name, scope_name, scope, combo, fn))
    return out


def run(url: str, setup, repeat: int, cap: float) -> tuple[dict, dict]:
    """(statement -> plan text, (list, scope, combo) -> (wall ms, CPU ms)) of one pass."""
    store.forget()
    engine = make_engine(url, create_dir=False)
    seen: dict[tuple, None] = {}
    stop = [0.0]

    @sa.event.listens_for(engine, "connect")
    def _capped(dbapi_conn, _record) -> None:
        dbapi_conn.set_progress_handler(lambda: int(time.perf_counter() > stop[0]), 100_000)

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _note(conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and not executemany:
            seen[(statement, tuple(parameters or ()))] = None

    timed = {}
    for kind, name, scope_name, scope, combo, fn in _calls(setup):
        filters = setup.filters(scope_name, combo)
        samples = []
        for i in range(1 + (repeat if kind == "worklist" else 0)):
            began, cpu = time.perf_counter(), time.process_time()
            stop[0] = began + cap
            try:
                with engine.connect() as conn:
                    if kind == "worklist":
                        fn(conn, scope_name, scope, filters)
                    else:
                        fn(conn, scope, filters)
            except sa.exc.OperationalError:  # stopped at the cap
                samples = [(cap * 1000, (time.process_time() - cpu) * 1000)]
                break
            if i:
                samples.append(
                    ((time.perf_counter() - began) * 1000, (time.process_time() - cpu) * 1000)
                )
        if samples:
            timed[(name, scope_name, "+".join(combo) or "(none)")] = (
                statistics.median(s[0] for s in samples),
                statistics.median(s[1] for s in samples),
            )
    sa.event.remove(engine, "before_cursor_execute", _note)
    stop[0] = float("inf")
    plans = {}
    with engine.connect() as conn:
        for statement, parameters in seen:
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
            plans[statement] = "\n".join(f"  {r[0]}/{r[1]} {r[-1]}" for r in rows)
    engine.dispose()
    return plans, timed


def _table(label: str, got: dict) -> None:
    cpus = sorted(v[1] for v in got.values())
    walls = sorted(v[0] for v in got.values())
    p95 = max(0, round(0.95 * len(cpus)) - 1)
    print(
        f"{label}: {len(cpus)} calls, CPU p50 {statistics.median(cpus):.1f} / p95"
        f" {cpus[p95]:.1f} / max {cpus[-1]:.1f} ms, wall p50 {statistics.median(walls):.1f}"
        f" / p95 {walls[p95]:.1f} / max {walls[-1]:.1f} ms"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--cap", type=float, default=20.0, help="seconds a call may take")
    parser.add_argument(
        "--limit", type=int, nargs="+", default=[1000], help="PRAGMA analysis_limit, each"
    )
    args = parser.parse_args()
    setup = prepare(args.url, 60.0)
    engine = make_engine(args.url, create_dir=False)
    with engine.connect() as conn:
        if conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").scalar():
            conn.exec_driver_sql("DELETE FROM sqlite_stat1")
            conn.commit()
    engine.dispose()
    print(f"load at start: {os.getloadavg()[0]:.2f}", flush=True)
    passes = {"none": run(args.url, setup, args.repeat, args.cap)}
    for limit in args.limit:
        engine = make_engine(args.url, create_dir=False)
        with engine.connect() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS sqlite_stat1")
            began, cpu = time.perf_counter(), time.process_time()
            conn.exec_driver_sql(f"PRAGMA analysis_limit={int(limit)}")
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
            took = time.perf_counter() - began, time.process_time() - cpu
        engine.dispose()
        print(
            f"ANALYZE (analysis_limit={limit}): {took[0]:.2f} s wall, {took[1]:.2f} s CPU;"
            f" load {os.getloadavg()[0]:.2f}",
            flush=True,
        )
        passes[f"limit {limit}"] = run(args.url, setup, args.repeat, args.cap)
    plans, timed = passes["none"]
    for label, (other, _) in list(passes.items())[1:]:
        changed = [s for s in plans if plans[s] != other.get(s)]
        print(f"\n{label}: {len(changed)} of {len(plans)} statements with another plan")
        for statement in changed:
            print(f"\n--- {' '.join(statement.split())[:300]}")
            print(f" without statistics:\n{plans[statement]}\n {label}:\n{other.get(statement)}")
    labels = list(passes)
    print(f"\n{'call / scope / filters':58s} " + " ".join(f"{x:>17}" for x in labels))
    print(f"{'':58s} " + " ".join(f"{'wall/CPU ms':>17}" for _ in labels))
    for key, _ in sorted(timed.items(), key=lambda kv: -kv[1][1]):
        cells = " ".join(f"{passes[x][1][key][0]:8.0f} {passes[x][1][key][1]:8.0f}" for x in labels)
        print(f"{' / '.join(key)[:58]:58s} {cells}")
    for label in labels:
        _table(label, passes[label][1])
    print(f"load at end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
