"""p50/p95 of every dashboard figure over a matrix of filters and scopes (a script, not a test).

    python bench/bench_matrix.py sqlite:////tmp/full.db [--repeat 3] [--quick] [--budget 540]

Figures: warmth.queries.coverage (each `by` in queries.BYS), headline, pacing, timeline (by
department and by district), overlap_matrix and reporting_status; scopes: the city, the
districts 310115 (浦东) and 310101, and the department MZ. Filter combinations: none, each
filter alone (as-of 2005-01-20; two districts; two streets of one district; the department
MZ; two departments; two programmes; categories DBU+TKSY; forms cash), each pair of those,
and each pair again with the as-of date. Then the worklists' first page (limit 1000) for the
same scopes with a few combinations. Each call runs once to warm up, then --repeat times;
wall and CPU time (the worker's process time) are both reported.

Every call runs in a worker process, so a call slower than --timeout is killed and reported
as "timeout" instead of hanging the run (the worker is restarted; on PostgreSQL the server's
statement_timeout is set 1 s above it, to end what the killed worker left running). A call slower than --slow on warm-up is not
repeated: its warm-up time is its one sample. To keep the run within --budget seconds, the
pairs are sampled (seeded) after the singles and the worklists have shown what a call costs;
--quick runs only none/singles/singles+as-of with one repeat, a 2 s timeout, no repeat after
a warm-up over 300 ms and a 300 s budget: a first look at a large database whose engine
still has slow paths.
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing as mp
import random
import sys
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))  # matrix_report beside this file

import sqlalchemy as sa  # noqa: E402
from matrix_report import (  # noqa: E402
    SCOPE_NAMES,
    Result,
    header,
    line,
    load,
    report_figures,
    summary,
)

from warmth import queries, schema, worklists  # noqa: E402
from warmth.database import make_engine, redact  # noqa: E402
from warmth.scope import Filters, Scope, city_scope, district_scope  # noqa: E402

AS_OF = date(2005, 1, 20)
WARM_DAY = date(2004, 12, 25)  # the worker's own warm-up day (not timed)
TARGET_MS = 100.0
WORKLIST_TARGET_MS = 150.0
FILTER_NAMES = (
    "as_of",
    "districts",
    "streets",
    "dept MZ",
    "2 depts",
    "programmes",
    "categories",
    "forms",
)


def figure_calls() -> dict[str, object]:
    """Figure name -> fn(conn, scope, filters)."""
    out: dict[str, object] = {}
    for by in queries.BYS:
        out[f"coverage[{by}]"] = lambda c, s, f, by=by: queries.coverage(c, s, f, by)
    out["headline"] = queries.headline
    out["pacing"] = queries.pacing
    out["timeline[department]"] = lambda c, s, f: queries.timeline(c, s, f, by="department")
    out["timeline[district]"] = lambda c, s, f: queries.timeline(c, s, f, by="district")
    out["overlap_matrix"] = queries.overlap_matrix
    out["reporting_status"] = queries.reporting_status
    return out


def worklist_calls(street_of: dict[str, str]) -> dict[str, object]:
    """Worklist name -> fn(conn, scope_name, scope, filters): the first page of 1,000 rows."""
    out: dict[str, object] = {}
    for name in ("omission", "repeats", "overlaps", "leakage", "cross_district"):
        fn = getattr(worklists, name)
        out[name] = lambda c, sn, s, f, fn=fn: fn(c, s, f, limit=1000, offset=0)
    out["street_people"] = lambda c, sn, s, f: worklists.street_people(
        c, s, f, street_of[sn], limit=1000
    )
    return out


@dataclass
class Setup:
    """What the workers need: scopes and the filter values, resolved once in the parent."""

    url: str
    timeout: float
    scopes: dict[str, Scope]
    streets: dict[str, tuple[str, str]]  # scope name -> two streets of its district
    districts: tuple[str, str]
    programmes: tuple[str, str]
    departments: tuple[str, str]

    def filters(self, scope_name: str, combo: tuple[str, ...]) -> Filters:
        values: dict[str, object] = {}
        for name in combo:
            if name == "as_of":
                values["as_of"] = AS_OF
            elif name == "districts":
                values["districts"] = self.districts
            elif name == "streets":
                values["streets"] = self.streets[scope_name]
            elif name == "dept MZ":
                values["departments"] = ("MZ",)
            elif name == "2 depts":
                values["departments"] = self.departments
            elif name == "programmes":
                values["programmes"] = self.programmes
            elif name == "categories":
                values["categories"] = ("DBU", "TKSY")
            elif name == "forms":
                values["forms"] = ("cash",)
        return Filters(**values)


def prepare(url: str, timeout: float) -> Setup:
    engine = make_engine(url, create_dir=False)
    with engine.connect() as conn:
        city = city_scope(conn)
        s = schema.streets

        def two_streets(district: str) -> tuple[str, str]:
            rows = conn.execute(
                sa.select(s.c.code).where(s.c.district_code == district).order_by(s.c.code)
            ).scalars()
            got = tuple(rows)[:2]
            return got if len(got) == 2 else (got + ("", ""))[:2]

        scopes = {
            "city": city,
            "district 310115": district_scope(conn, "310115"),
            "district 310101": district_scope(conn, "310101"),
            "department MZ": Scope(
                districts=city.districts, departments=frozenset({"MZ"}), role="department"
            ),
        }
        pudong, huangpu = two_streets("310115"), two_streets("310101")
        counts = [
            conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in (schema.beneficiaries, schema.aid_records)
        ]
    engine.dispose()
    print(f"database: {redact(url)}: {counts[0]:,} beneficiaries, {counts[1]:,} aid records")
    return Setup(
        url=url,
        timeout=timeout,
        scopes=scopes,
        # streets of the scope's own district (Pudong's for the city and the department)
        streets={
            "city": pudong,
            "district 310115": pudong,
            "district 310101": huangpu,
            "department MZ": pudong,
        },
        districts=("310101", "310115"),
        programmes=("MZ01", "LB01"),
        departments=("MZ", "LB"),
    )


# --- the worker: runs calls and reports each one's time -----------------------------------


def worker(setup: Setup, pipe) -> None:
    engine = make_engine(setup.url, create_dir=False)
    if engine.dialect.name == "postgresql":
        ms = int(setup.timeout * 1000) + 1000  # the parent kills the worker first

        @sa.event.listens_for(engine, "connect")
        def _timeout(dbapi_conn, _record) -> None:
            with dbapi_conn.cursor() as cur:
                cur.execute(f"SET statement_timeout = {ms}")
            dbapi_conn.commit()

    figures = figure_calls()
    lists = worklist_calls({k: v[0] for k, v in setup.streets.items()})
    began = time.perf_counter(), time.process_time()
    with engine.connect() as conn:  # the snapshot loaded before any call is timed, and the
        # day changes made (warmth.snapshot.days) on another day than AS_OF, which stays a
        # day no call has asked for
        queries.coverage(conn, setup.scopes["city"], Filters(), "district")
        queries.coverage(conn, setup.scopes["city"], Filters(as_of=WARM_DAY), "district")
    took = (time.perf_counter() - began[0], time.process_time() - began[1])
    pipe.send(("ready", took))
    while True:
        task = pipe.recv()
        if task is None:
            return
        kind, name, scope_name, combo, repeat, slow_ms = task
        scope = setup.scopes[scope_name]
        filters = setup.filters(scope_name, combo)
        if kind == "figure":
            fn = figures[name]

            def call(fn=fn, scope=scope, filters=filters) -> None:
                with engine.connect() as conn:
                    fn(conn, scope, filters)
        else:
            fn = lists[name]

            def call(fn=fn, scope_name=scope_name, scope=scope, filters=filters) -> None:
                with engine.connect() as conn:
                    fn(conn, scope_name, scope, filters)

        for i in range(1 + repeat):
            began, cpu = time.perf_counter(), time.process_time()
            try:
                call()
            except Exception as exc:  # noqa: BLE001 - reported, the run goes on
                pipe.send(("error", f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}"))
                break
            took = (time.perf_counter() - began) * 1000
            pipe.send(("ok", (took, (time.process_time() - cpu) * 1000)))
            if i == 0 and took > slow_ms:
                break
        pipe.send(("done", None))


STARTUP_S = 300


class Runner:
    """Sends calls to a worker process and kills it when a call passes the timeout."""

    def __init__(self, setup: Setup, repeat: int, slow_ms: float) -> None:
        self.setup, self.repeat, self.slow_ms = setup, repeat, slow_ms
        self.ctx = mp.get_context("fork")
        self.proc = None
        self.pipe = None
        self.started = time.monotonic()
        self.calls = 0

    def _spawn(self) -> None:
        parent, child = self.ctx.Pipe()
        self.proc = self.ctx.Process(target=worker, args=(self.setup, child), daemon=True)
        self.proc.start()
        self.pipe = parent
        if not parent.poll(STARTUP_S):  # a worker's cold start (the snapshot) is not timed
            raise RuntimeError(f"a worker did not load the snapshot within {STARTUP_S} s")
        _, (wall, cpu) = parent.recv()
        print(
            f"  worker {self.proc.pid} ready: snapshot and day changes in {wall:.1f} s"
            f" ({cpu:.1f} s CPU), not timed",
            file=sys.stderr,
            flush=True,
        )

    def _kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.join(5)
        self.proc = self.pipe = None

    def run(self, kind: str, name: str, scope: str, combo: tuple[str, ...]) -> Result:
        if self.proc is None:
            self._spawn()
        res = Result(kind, name, scope, combo)
        self.pipe.send((kind, name, scope, combo, self.repeat, self.slow_ms))
        got: list[float] = []
        cpu: list[float] = []
        while True:
            if not self.pipe.poll(self.setup.timeout):
                self._kill()
                res.status = "timeout"
                res.note = f"> {self.setup.timeout:g} s"
                res.warmup = got[0] if got else None
                res.samples = got[1:] + [self.setup.timeout * 1000]  # counted at the timeout
                return res
            msg, value = self.pipe.recv()
            if msg == "ok":
                got.append(value[0])
                cpu.append(value[1])
                self.calls += 1
            elif msg == "error":
                res.status, res.note = "error", value
            elif msg == "done":
                break
        if got:
            res.warmup = got[0]
            res.samples = got[1:] or got[:1]
            res.cpu = cpu[1:] or cpu[:1]
            if len(got) == 1 and res.status == "ok" and self.repeat:
                res.status = "slow"
        return res

    def close(self) -> None:
        if self.pipe is not None:
            self.pipe.send(None)
            self.proc.join(5)
        self._kill()


# --- the matrix ------------------------------------------------------------------------------


def combos(quick: bool) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """The first phase (none, singles, singles with the as-of date) and the pairs."""
    others = [f for f in FILTER_NAMES if f != "as_of"]
    first = [(), *((f,) for f in FILTER_NAMES), *(("as_of", f) for f in others)]
    if quick:
        return first, []
    pairs = [p for p in itertools.combinations(others, 2)]
    return first, pairs + [("as_of", *p) for p in pairs]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--repeat", type=int, default=None, help="repeats after the warm-up")
    parser.add_argument("--quick", action="store_true", help="singles only, a first look")
    parser.add_argument("--timeout", type=float, default=None, help="seconds per call")
    parser.add_argument(
        "--slow", type=float, default=None, help="ms: no repeats above (1000; --quick 300)"
    )
    parser.add_argument("--budget", type=float, default=None, help="seconds for the whole run")
    parser.add_argument("--seed", type=int, default=7, help="for sampling the pairs")
    args = parser.parse_args()
    repeat = args.repeat if args.repeat is not None else (1 if args.quick else 3)
    timeout = args.timeout or (2.0 if args.quick else 20.0)
    slow = args.slow or (300.0 if args.quick else 1000.0)
    budget = args.budget or (300.0 if args.quick else 540.0)

    print(f"load at start: {load()}")
    began = time.monotonic()
    setup = prepare(args.url, timeout)
    figures = list(figure_calls())
    lists = list(worklist_calls({}))
    first, pairs = combos(args.quick)
    print(
        f"{len(figures)} figure functions x {len(SCOPE_NAMES)} scopes; warm-up + {repeat}"
        f" repeats per call; timeout {timeout:g} s per call; no repeats after a warm-up over"
        f" {slow:.0f} ms; budget {budget:.0f} s"
    )
    print(
        f"scopes: {', '.join(SCOPE_NAMES)}; streets {setup.streets['city']} (city, department,"
        f" 310115) / {setup.streets['district 310101']} (310101); districts {setup.districts};"
        f" programmes {setup.programmes}; 2 depts {setup.departments}; as-of {AS_OF}",
        flush=True,
    )
    runner = Runner(setup, repeat, slow)
    deadline = began + budget
    results: list[Result] = []

    def run_all(
        kind: str, names: list[str], combo_list: list[tuple[str, ...]], until: float
    ) -> list[Result]:
        """Every call of names x scopes x combos, in a seeded random order so that a run cut
        short by the budget leaves out calls evenly across figures, scopes and combos."""
        tasks = [(c, s, n) for c in combo_list for s in SCOPE_NAMES for n in names]
        random.Random(args.seed).shuffle(tasks)
        out = []
        for i, (combo, scope, name) in enumerate(tasks, 1):
            if time.monotonic() > until:
                out.append(Result(kind, name, scope, combo, status="skipped"))
                continue
            out.append(runner.run(kind, name, scope, combo))
            if i % 50 == 0 or i == len(tasks):
                print(
                    f"  .. {kind}s: {i} of {len(tasks)} calls, {time.monotonic() - began:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
        return out

    # the budget: singles first (up to 60 %, 75 % with --quick), then the worklists (up to
    # 85 %), then as many pairs as the rest allows, sampled
    wl_combos = [(), ("as_of",), ("categories",), ("dept MZ",)]
    if not args.quick:
        wl_combos += [("as_of", "categories"), ("streets",)]
    sampled_note = "none (--quick: singles only)"
    try:
        t0 = time.monotonic()
        results += run_all("figure", figures, first, began + budget * (0.75 if args.quick else 0.6))
        ran = sum(1 for r in results if r.status != "skipped")
        per_call = (time.monotonic() - t0) / max(1, ran)
        wl_results = run_all(
            "worklist", lists, wl_combos, began + budget * (1 if args.quick else 0.85)
        )
        if pairs:
            per_combo = per_call * len(figures) * len(SCOPE_NAMES)
            left = deadline - time.monotonic()
            fit = max(0, min(len(pairs), int(left / per_combo))) if per_combo > 0 else len(pairs)
            if fit < len(pairs):
                rng = random.Random(args.seed)
                keep = set(rng.sample(range(len(pairs)), fit))
                chosen = [p for i, p in enumerate(pairs) if i in keep]
                sampled_note = (
                    f"{fit} of {len(pairs)} pair combos, seeded sample (seed {args.seed}): a"
                    f" call of the singles took {per_call * 1000:.0f} ms with its repeats,"
                    f" {left:.0f} s of budget left"
                )
            else:
                chosen = pairs
                sampled_note = f"all {len(pairs)} pair combos"
            results += run_all("figure", figures, chosen, deadline)
    finally:
        runner.close()

    print(f"\npairs run: {sampled_note}")
    report_figures(results, figures, TARGET_MS, "figure")
    summary(results, TARGET_MS, f"all figures (target {TARGET_MS:.0f} ms)")
    print(
        f"\nworklists, first page of 1,000 rows, combos {[('+'.join(c) or '(none)') for c in wl_combos]}"
    )
    print(header("worklist / scope"))
    for name in lists:
        for s in SCOPE_NAMES:
            sel = [
                r for r in wl_results if r.name == name and r.scope == s and r.status != "skipped"
            ]
            if sel:
                print(line(f"{name} | {s}", sel, target=WORKLIST_TARGET_MS))
    summary(wl_results, WORKLIST_TARGET_MS, f"worklists (target {WORKLIST_TARGET_MS:.0f} ms)")
    print(f"\ntotal {time.monotonic() - began:.0f} s; {runner.calls} timed calls")
    print(f"load at end: {load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
