"""How Warmth's costs grow with the register: one database's figures for deploy/CAPACITY.md.

    python bench/capacity.py sqlite:////tmp/warmth-s05.db [--json out.json]

Prints: people and records (all campaigns, and the newest, whose figures follow); database size (the SQLite file, or pg_database_size); the
snapshot rebuilt from the base tables (`warmth refresh`'s work: every district re-read);
a cold process's first load of the snapshot from its files; the first and the warm
answers of the overview's figures (headline, coverage by district, pacing) and of the
omission list's first page, for the city; and this process's resident memory after.
Run each scale in a fresh process: memory is the process's own. Each time comes with
this process's CPU seconds (`_cpu_s`), the figure to trust on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from warmth import bootstrap, campaigns, queries, schema, worklists  # noqa: E402
from warmth.database import make_engine  # noqa: E402
from warmth.scope import Filters, city_scope  # noqa: E402
from warmth.snapshot import store  # noqa: E402

CPU: dict[str, float] = {}  # this process's CPU seconds of the last timed call


def timed(fn) -> float:
    """Wall seconds of fn(); its CPU seconds in CPU["last"] (on a busy machine the wall time
    includes waiting for a core, the CPU time does not; on PostgreSQL the server's is apart)."""
    began, cpu = time.perf_counter(), time.process_time()
    fn()
    CPU["last"] = round(time.process_time() - cpu, 3)
    return round(time.perf_counter() - began, 3)


def size_mb(engine: sa.Engine) -> float:
    if engine.dialect.name == "sqlite":
        return os.path.getsize(engine.url.database) / 2**20
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar() / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("url")
    ap.add_argument("--json")
    args = ap.parse_args()
    engine = make_engine(args.url, create_dir=False)
    out: dict = {"url": engine.url.render_as_string(hide_password=True)}
    with engine.connect() as conn:
        count = lambda t: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()  # noqa: E731
        out["campaigns"] = count(schema.campaigns)
        out["people"] = count(schema.beneficiaries)  # every campaign's register
        out["records"] = count(schema.aid_records)
        newest = campaigns.campaign(conn, None)["id"]
        of = lambda t: conn.execute(  # noqa: E731
            sa.select(sa.func.count()).select_from(t).where(t.c.campaign_id == newest)
        ).scalar()
        out["people_newest"] = of(schema.beneficiaries)  # the figures below are its
        out["records_newest"] = of(schema.aid_records)
    out["database_mb"] = round(size_mb(engine))
    out["refresh_s"] = timed(lambda: bootstrap.rebuild_snapshots(engine))
    out["refresh_cpu_s"] = CPU["last"]
    store._memory.clear()  # as a new process: the snapshot from its files
    with engine.connect() as conn:
        cid = campaigns.campaign(conn, None)["id"]
        out["snapshot_load_s"] = timed(lambda: store.city(conn, cid))
        out["snapshot_load_cpu_s"] = CPU["last"]
        scope, f = city_scope(conn, user="bench"), Filters()
        calls = {
            "headline": lambda: queries.headline(conn, scope, f),
            "coverage_by_district": lambda: queries.coverage(conn, scope, f, by="district"),
            "pacing": lambda: queries.pacing(conn, scope, f),
            "omission_page": lambda: worklists.omission(conn, scope, f, limit=1000, offset=0),
        }
        for name, call in calls.items():
            out[f"{name}_first_s"] = timed(call)
            out[f"{name}_warm_s"] = min(timed(call) for _ in range(3))
            out[f"{name}_warm_cpu_s"] = CPU["last"]
    out["rss_mb"] = round(psutil.Process().memory_info().rss / 2**20)
    text = json.dumps(out, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")


if __name__ == "__main__":
    main()
