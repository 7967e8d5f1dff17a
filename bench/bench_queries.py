"""Benchmark of the dashboard's queries: from summaries vs. the same figures from the base
tables, and the time to refresh the summaries (a script, not a test).

    python bench/bench_queries.py sqlite:////tmp/bench_1.db [--repeat 20] [--base-repeat 3]

Prints median and p95 (ms) of each query from summaries, of the same figures straight from
the base tables (queries' exact path), their ratio, the refresh time (whole city, the
biggest district; rolled back) and the peak resident memory of this process.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from warmth import queries, reference, schema, summaries  # noqa: E402
from warmth.database import make_engine  # noqa: E402
from warmth.scope import Filters, city_scope, district_scope  # noqa: E402


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--base-repeat", type=int, default=3)
    parser.add_argument("--campaign", default=None)
    parser.add_argument("--skip-refresh", action="store_true")
    parser.add_argument("--skip-base", action="store_true")
    args = parser.parse_args()

    engine = make_engine(args.url, create_dir=False)
    with engine.connect() as conn:
        cid = reference.campaign_id(conn, args.campaign)
        b = schema.beneficiaries
        people = dict(
            conn.execute(
                sa.select(b.c.district_code, sa.func.count())
                .where(b.c.campaign_id == cid)
                .group_by(b.c.district_code)
            ).all()
        )
        records = conn.execute(
            sa.select(sa.func.count()).select_from(schema.aid_records)
        ).scalar_one()
        big = max(people, key=people.get) if people else "310115"
        sizes = {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in summaries.SUMMARY_TABLES
        }
        city = city_scope(conn)
        one = district_scope(conn, big)
        camp = queries.campaigns(conn).iloc[-1]
    print(
        f"database {args.url}: {sum(people.values()):,} beneficiaries, {records:,} records; "
        f"biggest district {big} ({people.get(big, 0):,}); summary rows {sizes}"
    )
    mid = date.fromordinal((camp.window_start.toordinal() + camp.window_end.toordinal()) // 2)
    cases = [(f"coverage by {by}", "coverage", (by,), Filters()) for by in queries.BYS]
    cases += [
        (
            "coverage by district, category filter",
            "coverage",
            ("district",),
            Filters(categories=("DBU", "TKJT")),
        ),
        (
            "coverage by department, 2 departments",
            "coverage",
            ("department",),
            Filters(departments=("MZ", "LB")),
        ),
        (
            "coverage by district, as_of (per-day summary)",
            "coverage",
            ("district",),
            Filters(as_of=mid),
        ),
        (
            "coverage by category, as_of (per-day summary)",
            "coverage",
            ("category",),
            Filters(as_of=mid),
        ),
        ("headline", "headline", (), Filters()),
        ("pacing", "pacing", (), Filters()),
        ("timeline by department", "timeline", ("department",), Filters()),
        ("timeline by district", "timeline", ("district",), Filters()),
        ("overlap_matrix", "overlap_matrix", (), Filters()),
        ("reporting_status", "reporting_status", (), Filters()),
    ]
    print()
    print("| query | scope | summaries median ms | p95 ms | base tables median ms | ratio |")
    print("|---|---|---:|---:|---:|---:|")
    real_plan = queries._plan
    for label, fn_name, extra, filters in cases:
        for scope_name, scope in (("city", city), (f"district {big}", one)):
            fn = getattr(queries, fn_name)
            with engine.connect() as conn:
                fn(conn, scope, filters, *extra)  # warm
                fast = timed(
                    lambda fn=fn, conn=conn, scope=scope, f=filters, e=extra: fn(
                        conn, scope, f, *e
                    ),
                    args.repeat,
                )
                base_cell, ratio = "-", "-"
                measure_base = fn_name == "coverage" and filters.as_of is None
                # city-wide from base tables reads every record: only the two headline tables
                measure_base &= scope is one or (bool(extra) and extra[0] in ("city", "district"))
                if measure_base and not args.skip_base:
                    queries._plan = lambda ctx, by: ("base", None, None)
                    try:
                        slow = timed(
                            lambda fn=fn, conn=conn, scope=scope, f=filters, e=extra: fn(
                                conn, scope, f, *e
                            ),
                            args.base_repeat,
                        )
                    finally:
                        queries._plan = real_plan
                    base_cell = f"{statistics.median(slow):.0f}"
                    ratio = f"{statistics.median(slow) / statistics.median(fast):.0f}×"
            print(
                f"| {label} | {scope_name} | {statistics.median(fast):.1f} | {p95(fast):.1f} | "
                f"{base_cell} | {ratio} |",
                flush=True,
            )
    if not args.skip_refresh:
        print()
        for label, districts in ((f"one district ({big})", [big]), ("whole city", None)):
            with engine.connect() as conn:
                trans = conn.begin()
                t = time.perf_counter()
                summaries.refresh(conn, cid, districts)
                took = time.perf_counter() - t
                trans.rollback()
            print(f"refresh {label}: {took:.1f} s", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (ru_maxrss): {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
