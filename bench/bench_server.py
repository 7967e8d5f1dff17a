"""Server CPU per script run of a real Streamlit server, as its own process counts it (a
script, not a test): what AppTest cannot see (the server's message handling, its
per-session setup, Streamlit's own work after a run).

    WARMTH_DATABASE_URL=sqlite:////tmp/full.db streamlit run app.py --server.port 8790 &
    python bench/bench_server.py --url http://127.0.0.1:8790 --pid $(pgrep -f 'port 8790')

One session (bench/load.py's WebSocket client) reruns the overview and a street of the
districts page --runs times each after a warm-up, then --sessions new sessions each make
their first run; the server process's CPU (user + system, psutil) is read around each
group. Targets (issue 8): a warm run <= 100 ms CPU and <= 300 ms wall, a new session's
first run <= 200 ms CPU. With --pages, the same two figures for each page named.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import Official  # noqa: E402  (bench/load.py)

DRILL = {"district": "310115", "street": "310115005"}  # Pudong, a street


async def measure(url: str, server: psutil.Process, runs: int, sessions: int) -> None:
    def cpu() -> float:
        t = server.cpu_times()
        return t.user + t.system

    one = Official(url)
    await one.open()
    for _ in range(2):
        await one.rerun({"lang": "zh"})
    for label, query, page in [
        ("overview, warm rerun", {"lang": "zh"}, ""),
        ("street drill, warm rerun", {"lang": "zh", **DRILL}, "districts"),
    ]:
        await one.rerun(query, page=page)
        began, wall = cpu(), time.perf_counter()
        for _ in range(runs):
            await one.rerun(query, page=page)
        print(
            f"{label}: server CPU {(cpu() - began) / runs * 1000:.0f} ms,"
            f" wall {(time.perf_counter() - wall) / runs * 1000:.0f} ms per run"
        )
    await one.close()
    began = cpu()
    for _ in range(sessions):
        new = Official(url)
        await new.open()
        await new.rerun({"lang": "zh"})
        await new.close()
    print(f"new session, first run: server CPU {(cpu() - began) / sessions * 1000:.0f} ms")


async def measure_pages(
    url: str, server: psutil.Process, pages: list[str], runs: int, sessions: int
):
    """Per page (its URL path; "" the overview, "street" the districts page drilled to a
    street, "slides" the presentation): a warm rerun (median server CPU of `runs`) and a new session's first run on
    that page (the mean of `sessions`)."""

    def cpu() -> float:
        t = server.cpu_times()
        return t.user + t.system

    print("| page | warm rerun CPU (<= 100) | warm wall | new session first run CPU (<= 200) |")
    print("|---|---:|---:|---:|")
    for name in pages:
        page, query = name, {}
        if name == "street":
            page, query = "districts", DRILL
        elif name == "slides":  # the presentation (app.py: ?present=1)
            page, query = "", {"present": "1"}
        query = {"lang": "zh", **query}
        one = Official(url)
        await one.open()
        await one.rerun({"lang": "zh"})  # the navigation, so the page's hash is known
        for _ in range(2):
            await one.rerun(query, page=page)
        cpus, walls = [], []
        for _ in range(runs):
            began, wall = cpu(), time.perf_counter()
            await one.rerun(query, page=page)
            cpus.append(cpu() - began)
            walls.append(time.perf_counter() - wall)
        await one.close()
        began = cpu()
        for _ in range(sessions):
            new = Official(url)
            await new.open()
            await new.rerun(query, page=page)
            await new.close()
        first = (cpu() - began) / sessions
        warm, wall = sorted(cpus)[len(cpus) // 2], sorted(walls)[len(walls) // 2]
        print(
            f"| {name or 'overview'} | {warm * 1000:.0f} | {wall * 1000:.0f} | {first * 1000:.0f} |",
            flush=True,
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", required=True)
    ap.add_argument("--pid", type=int, required=True, help="the server process")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--sessions", type=int, default=5)
    ap.add_argument(
        "--pages",
        default=None,
        help="comma-separated URL paths (overview, districts, street, departments, ...):"
        " each page's warm rerun and new session's first run instead",
    )
    args = ap.parse_args()
    print(f"load {os.getloadavg()[0]:.2f} ({os.cpu_count()} cpus)")
    server = psutil.Process(args.pid)
    if args.pages:
        pages = ["" if p == "overview" else p for p in args.pages.split(",")]
        asyncio.run(measure_pages(args.url, server, pages, args.runs, args.sessions))
    else:
        asyncio.run(measure(args.url, server, args.runs, args.sessions))
    print(f"load at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
