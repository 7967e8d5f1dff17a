"""Server CPU and wall time of a page's script run, for every page (a script, not a test).

    python bench/bench_pages.py sqlite:////tmp/full.db [--repeat 5] [--pages overview,gaps]

For each page, in streamlit's AppTest (which runs the script as the server does, but in this
process: see the note the script prints):

- cold: the page's run right after every cached answer is dropped (every query runs);
- first run: a new session's first run of the page, with the caches warm from the sessions
  before (a new viewer arriving); for pages other than the overview, AppTest can only
  switch pages after one run, so the session first runs the overview, then the page;
- warm rerun: the same session runs the page again (a click whose answers are cached),
  median of --repeat;
- new as-of: a rerun with a new as-of date (new cache keys: the queries run again).

CPU is time.process_time() around AppTest.run(), wall is time.perf_counter(). Targets are
printed beside: warm rerun <= 100 ms CPU, first run <= 200 ms CPU, warm rerun <= 300 ms wall.
bench/bench_runs.py is the same script.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overview", "districts", "departments", "categories", "timeline", "gaps", "data"]
WARM_CPU_MS, FIRST_CPU_MS, RERUN_WALL_MS = 100.0, 200.0, 300.0


def timed_run(at) -> tuple[float, float]:
    """(wall ms, CPU ms) of one AppTest.run()."""
    wall, cpu = time.perf_counter(), time.process_time()
    at.run()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if at.exception:
        raise RuntimeError([e.message for e in at.exception])
    return wall * 1000, cpu * 1000


def new_session(app_test):
    at = app_test.from_file(str(ROOT / "app.py"), default_timeout=600)
    at.context = {"locale": "zh-CN"}
    return at


def mark(value: float, target: float) -> str:
    return "ok" if value <= target else "OVER"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated")
    args = parser.parse_args()
    os.environ["WARMTH_DATABASE_URL"] = args.url
    os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")
    sys.path.insert(0, str(ROOT))

    from streamlit.testing.v1 import AppTest

    from components.data.base import clear_answers

    pages = [p for p in args.pages.split(",") if p]
    print(f"database: {args.url}; load {os.getloadavg()[0]:.2f} ({os.cpu_count()} cpus)")
    print(
        "note: AppTest runs the script in a thread of this process, so CPU counts the script"
        " and AppTest's own handling of what it sends (not the server's websocket work, nor"
        " the browser's); times are ms, wall / CPU"
    )
    # one run before anything is timed: imports, the engine, the reference data
    warmup = new_session(AppTest)
    warmup.run()
    rows = []
    for page in pages:
        at = new_session(AppTest)
        at.run()  # the frame and the default page; the target page follows
        if page != "overview":
            at.switch_page(f"pages/{page}.py")
        clear_answers()
        cold = timed_run(at)

        at = new_session(AppTest)
        if page == "overview":
            first = timed_run(at)
        else:
            at.run()
            at.switch_page(f"pages/{page}.py")
            first = timed_run(at)
        warm_runs = [timed_run(at) for _ in range(args.repeat)]
        warm = (
            statistics.median(w for w, _ in warm_runs),
            statistics.median(c for _, c in warm_runs),
        )
        at.date_input(key="asof").set_value(date(2005, 1, 25))
        new_date = timed_run(at)
        rows.append((page, cold, first, warm, new_date))
        print(
            f"  {page}: cold {cold[0]:.0f}/{cold[1]:.0f}, first {first[0]:.0f}/{first[1]:.0f},"
            f" warm {warm[0]:.0f}/{warm[1]:.0f}, new as-of {new_date[0]:.0f}/{new_date[1]:.0f}",
            file=sys.stderr,
            flush=True,
        )

    print()
    print(
        "| page | cold wall | cold CPU | first run wall | first run CPU (<= 200) |"
        " warm rerun wall (<= 300) | warm rerun CPU (<= 100) | new as-of wall | new as-of CPU |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for page, cold, first, warm, new_date in rows:
        print(
            f"| {page} | {cold[0]:.0f} | {cold[1]:.0f} | {first[0]:.0f} |"
            f" {first[1]:.0f} {mark(first[1], FIRST_CPU_MS)} |"
            f" {warm[0]:.0f} {mark(warm[0], RERUN_WALL_MS)} |"
            f" {warm[1]:.0f} {mark(warm[1], WARM_CPU_MS)} | {new_date[0]:.0f} | {new_date[1]:.0f} |"
        )
    over = [
        page
        for page, _, first, warm, _ in rows
        if first[1] > FIRST_CPU_MS or warm[0] > RERUN_WALL_MS or warm[1] > WARM_CPU_MS
    ]
    print(f"\npages over a target: {', '.join(over) or 'none'}")
    print(f"load at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
