"""Wall and CPU time of the briefing, end to end and step by step (a script, not a test).

    python bench/bench_briefing.py sqlite:////tmp/full.db [--lang zh] [--repeat 3] [--district CODE]

- end to end: `python -m warmth.cli briefing --db URL --lang LANG --out FILE.pdf` in a
  new process, --repeat times: wall, and CPU of that process and its children (the
  browser among them, from getrusage), against the target of 10 s wall at scale 1.0;
- steps: the same work in a new process, one step after the other (the command line
  overlaps two pairs: the browser starts first, while pandas and SQLAlchemy are imported
  and the figures computed, and the fonts load while the charts are drawn), each with its wall time, the CPU of this process
  and the CPU of the browser's processes (psutil) during it.

The machine's load average is printed before and after: quote it beside any figure.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 10.0


def load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def end_to_end(url: str, lang: str, district: str | None, repeat: int) -> None:
    args = [sys.executable, "-m", "warmth.cli", "briefing", "--db", url, "--lang", lang]
    args += ["--district", district] if district else []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    print(f"end to end ({load()}):")
    with tempfile.TemporaryDirectory() as folder:
        for i in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run(  # noqa: S603  (this interpreter, the command line)
                [*args, "--out", str(Path(folder) / "b.pdf")],
                check=True,
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
            )
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            mark = "ok" if wall <= TARGET_S else "OVER"
            print(
                f"  run {i + 1}: wall {wall:5.2f} s  cpu {cpu:5.2f} s  ({mark}, target {TARGET_S} s)"
            )
    print(f"  ({load()})")


def steps(url: str, lang: str, district: str | None) -> None:
    """Run in a new process: every step of the briefing, timed (printed as JSON lines)."""
    import psutil

    me = psutil.Process()
    rows = []
    clock = {"wall": time.perf_counter(), "cpu": time.process_time(), "browser": 0.0}

    def browser_cpu() -> float:
        total = 0.0
        for child in me.children(recursive=True):
            try:
                t = child.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                continue
        return total

    def step(name: str) -> None:
        wall, cpu, browser = time.perf_counter(), time.process_time(), browser_cpu()
        rows.append(
            {
                "step": name,
                "wall": wall - clock["wall"],
                "cpu": cpu - clock["cpu"],
                "browser": max(browser - clock["browser"], 0.0),
            }
        )
        clock.update(wall=wall, cpu=cpu, browser=browser)

    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import sqlalchemy  # noqa: F401

    step("import numpy, pandas, sqlalchemy")
    import plotly.graph_objects  # noqa: F401

    step("import plotly")
    import fpdf  # noqa: F401

    step("import fpdf2")
    import kaleido  # noqa: F401

    step("import kaleido")
    from warmth import audit, briefing
    from warmth.briefing import facts, pdf, render
    from warmth.database import make_engine
    from warmth.scope import Filters, city_scope, district_scope
    from warmth.snapshot import store

    step("import warmth")
    render.warm()
    render._start().result()  # the bench waits; the command line computes meanwhile
    step("browser start (in the background in the command line)")
    engine = make_engine(url)
    with engine.connect() as conn:
        scope = district_scope(conn, district, user="bench") if district else city_scope(conn)
        filters = Filters()
        from warmth import campaigns

        store.city(conn, campaigns.campaign(conn, None)["id"])
        step("database, scope, snapshot (memory-mapped)")
        found = facts.gather(conn, scope, filters)
        step("facts (the queries)")
    at = pdf.stamp()
    figs = pdf.chart_figures(found, lang)
    step(f"chart figures ({len(figs)})")
    pictures = render.pictures(figs, width=pdf.CHART_PX, fmt=pdf.PICTURES)
    step(f"charts drawn ({len(figs)}, one page)")
    doc = pdf.new(lang, at, pdf.faces(found, lang))
    step("fonts: the cut faces (overlaps the drawing in the command line)")
    made = pdf.write(doc, found, lang, figs, pictures, at)
    step(f"pages laid out and written, fonts subset ({made.pages} pages)")
    with engine.begin() as conn:
        audit.write_audit(
            conn, user="bench", role=scope.role, scope=scope, action="export",
            detail=briefing.audit_detail(filters, lang, "bench"), row_count=made.pages,
        )  # fmt: skip
    step("audit row")
    render.stop()
    step("browser closed")
    engine.dispose()
    for row in rows:
        print(json.dumps(row))


def breakdown(url: str, lang: str, district: str | None) -> None:
    args = [sys.executable, __file__, url, "--lang", lang, "--steps"]
    args += ["--district", district] if district else []
    print(f"steps, one after the other ({load()}):")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(  # noqa: S603  (this script again)
        args, check=True, capture_output=True, text=True, cwd=ROOT, env=env
    )
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    print(f"  {'step':58s} {'wall':>6s} {'cpu':>6s} {'browser cpu':>12s}")
    for r in rows:
        print(f"  {r['step']:58s} {r['wall']:6.2f} {r['cpu']:6.2f} {r['browser']:12.2f}")
    total = {k: sum(r[k] for r in rows) for k in ("wall", "cpu", "browser")}
    print(f"  {'total':58s} {total['wall']:6.2f} {total['cpu']:6.2f} {total['browser']:12.2f}")
    print(f"  ({load()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--lang", default="zh", choices=["zh", "en"])
    parser.add_argument("--district", help="one district's briefing")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--steps", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.steps:
        steps(args.url, args.lang, args.district)
        return
    end_to_end(args.url, args.lang, args.district, args.repeat)
    breakdown(args.url, args.lang, args.district)


if __name__ == "__main__":
    main()
