"""N officials at once, through nginx, speaking Streamlit's own WebSocket messages.

    python bench/load.py --url http://127.0.0.1:8615 --sessions 25 --duration 300 \
        --server-pids 1234,1235 [--client-cpus 1 --server-cpus 0] [--json out.json]

Each simulated official opens its own session (GET / for nginx's route cookie, then a
WebSocket to /_stcore/stream with that cookie, as a browser does) and loops: open the
overview; change a filter (the category multiselect, as a widget state, like a click);
drill to a street (the districts page with ?district=…&street=…, as the bar clicks leave
the URL); download that street's list (made on click as a browser makes it: the request
for the file on the WebSocket, which makes the file and writes its audit row; then the file
fetched over HTTP from the replica that made it). Between actions it thinks for an exponential time (mean --think s).
An action's time runs from the message sent to `script_finished` (or the last byte of the
download). An error is a run that shows an exception or the outage message, a timeout, a
closed socket or an HTTP error.

Printed: p50/p95/max per action, errors, the servers' CPU seconds per action (all of the
run's server CPU over its actions; and per action type from a calibration pass of one
session run before the load, one action at a time), resident memory before and after the
sessions opened (per added session), and the load generator's own CPU. On a small machine
pin the two apart (--client-cpus / --server-cpus, Linux CPU affinity) so the generator's
work does not show as server time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import psutil
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect

ACTIONS = ("overview", "filter", "drill", "download")
FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR}
OUTAGE_MARK = "数据库暂时无法连接"
# (district, street) pairs to drill to: Huangpu, Xuhui, Pudong, Minhang, Chongming
STREETS = [
    ("310101", "310101002"), ("310104", "310104003"), ("310115", "310115005"),
    ("310112", "310112008"), ("310230", "310230101"),
]  # fmt: skip


@dataclass
class Run:
    """What one script run sent back: its elements and whether it failed."""

    seconds: float
    error: str | None = None
    multiselects: dict[str, object] = field(default_factory=dict)  # user key -> proto
    downloads: list[str] = field(default_factory=list)  # media URLs


class Official:
    """One browser-like session against the app behind `base` (http://host:port)."""

    def __init__(self, base: str, lang: str = "zh"):
        self.base, self.lang = base.rstrip("/"), lang
        self.cookie = ""
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.widgets: dict[str, object] = {}
        self.ws = None
        self.session_id = ""
        self.query_string = self.page_name = self.page_hash = ""  # of the last run asked for

    async def open(self) -> None:
        self.cookie = await asyncio.to_thread(self._route_cookie)
        ws_url = "ws" + self.base[4:] + "/_stcore/stream"
        self.ws = await connect(
            ws_url,
            subprotocols=["streamlit"],
            additional_headers={"Cookie": self.cookie} if self.cookie else {},
            max_size=None,
            open_timeout=30,
        )

    def _route_cookie(self) -> str:
        with urllib.request.urlopen(self.base + "/", timeout=30) as resp:  # noqa: S310
            found = resp.headers.get("Set-Cookie", "")
        return found.split(";", 1)[0]

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def rerun(self, query: dict, page: str = "", widgets: list | None = None) -> Run:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = urlencode(query, doseq=True)
        state.page_name = page
        state.page_script_hash = self.pages.get(page, "")
        self.query_string, self.page_name = state.query_string, page
        self.page_hash = state.page_script_hash
        for w in widgets or []:
            state.widget_states.widgets.append(w)
        began = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        run = Run(0.0)
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout=120))
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.session_id = fwd.new_session.initialize.session_id
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in fwd.navigation.app_pages}
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                self._element(fwd.delta.new_element, run)
            elif kind == "script_finished" and fwd.script_finished in FINISHED:
                run.seconds = time.perf_counter() - began
                return run

    def _element(self, el, run: Run) -> None:
        kind = el.WhichOneof("type")
        if kind == "exception":
            run.error = run.error or f"exception: {el.exception.message[:120]}"
        elif kind == "alert" and OUTAGE_MARK in el.alert.body:
            run.error = run.error or "outage message"
        elif kind == "multiselect":
            key = el.multiselect.id.rsplit("-", 1)[-1]
            run.multiselects[key] = el.multiselect
            self.widgets[key] = el.multiselect
        elif kind == "download_button" and el.download_button.url:
            run.downloads.append(el.download_button.url)
        elif kind == "download_button" and el.download_button.deferred_file_id:
            run.downloads.append((el.download_button.deferred_file_id,))

    def category_change(self, step: int) -> list:
        """The category filter's widget state: one category picked, or none (all)."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        ms = self.widgets.get("cats")
        if ms is None:
            return []
        w = WidgetState(id=ms.id)
        picked = [] if step % 2 else [ms.options[step % len(ms.options)]]
        w.string_array_value.data.extend(picked)
        return [w]

    async def made_url(self, file_id: str) -> str:
        """A download made on click, as a browser's click makes it: the request for the file
        (a backend operation on the WebSocket; the page does not rerun), whose answer is the
        URL of the file made and audited; then the browser fetches that URL."""
        ask = BackMsg()
        op = ask.backend_operation_request
        op.request_id, op.session_id = uuid.uuid4().hex, self.session_id
        op.deferred_file.file_id = file_id
        await self.ws.send(ask.SerializeToString())
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout=120))
            answer = fwd.backend_operation_response
            if fwd.WhichOneof("type") == "backend_operation_response" and (
                answer.request_id == op.request_id
            ):
                if answer.error_msg or not answer.deferred_file.url:
                    raise RuntimeError(f"download not made: {answer.error_msg[:80]}")
                return answer.deferred_file.url

    def download(self, url: str) -> tuple[float, int]:
        target = url if url.startswith("http") else self.base + url
        req = urllib.request.Request(target, headers={"Cookie": self.cookie})  # noqa: S310
        began = time.perf_counter()
        with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
            size = len(resp.read())
        return time.perf_counter() - began, size


@dataclass
class Results:
    times: dict[str, list[float]] = field(default_factory=lambda: {a: [] for a in ACTIONS})
    errors: dict[str, list[str]] = field(default_factory=lambda: {a: [] for a in ACTIONS})

    def add(self, action: str, seconds: float, error: str | None) -> None:
        (self.errors[action].append(error) if error else self.times[action].append(seconds))


async def act(o: Official, action: str, step: int, street, results: Results | None):
    """One action of an official; its time and error recorded in results."""
    began = time.perf_counter()
    error = None
    try:
        if action == "overview":
            run = await o.rerun({"lang": o.lang})
        elif action == "filter":
            run = await o.rerun({"lang": o.lang}, widgets=o.category_change(step))
        elif action == "drill":
            d, s = street
            run = await o.rerun({"lang": o.lang, "district": d, "street": s}, page="districts")
            o.last_downloads = run.downloads
        else:
            urls = getattr(o, "last_downloads", [])
            if not urls:
                raise RuntimeError("no download on the street page")
            url = urls[-1]
            if isinstance(url, tuple):  # made on click
                url = await o.made_url(*url)
            await asyncio.to_thread(o.download, url)
            run = Run(time.perf_counter() - began)
        error = run.error
    except Exception as exc:  # noqa: BLE001  (every failure is a counted error)
        error = f"{type(exc).__name__}: {exc}"[:160]
    seconds = time.perf_counter() - began
    if results is not None:
        results.add(action, seconds, error)
    return seconds, error


async def official(base: str, until: float, think: float, results: Results, seed: int):
    rng = random.Random(seed)
    o = Official(base)
    try:
        await o.open()
        step = 0
        while time.monotonic() < until:
            street = rng.choice(STREETS)
            for action in ACTIONS:
                if time.monotonic() >= until:
                    break
                await act(o, action, step, street, results)
                step += 1
                await asyncio.sleep(
                    min(rng.expovariate(1 / think), max(0, until - time.monotonic()))
                )
    except Exception as exc:  # noqa: BLE001
        results.add("overview", 0, f"session: {type(exc).__name__}: {exc}"[:160])
    finally:
        await o.close()


def cpu_seconds(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        t = p.cpu_times()
        total += t.user + t.system
    return total


def rss_mb(procs: list[psutil.Process]) -> float:
    return sum(p.memory_info().rss for p in procs) / 2**20


async def calibrate(base: str, procs: list[psutil.Process], rounds: int) -> dict[str, float]:
    """Server CPU seconds per action type: one session, one action at a time."""
    o = Official(base)
    await o.open()
    spent = {a: [] for a in ACTIONS}
    try:
        for step in range(rounds):
            for action in ACTIONS:
                before = cpu_seconds(procs)
                _, error = await act(o, action, step, STREETS[step % len(STREETS)], None)
                await asyncio.sleep(0.3)  # the run's tail (forward messages) done
                if error is None:
                    spent[action].append(cpu_seconds(procs) - before)
    finally:
        await o.close()
    return {a: statistics.median(v) if v else float("nan") for a, v in spent.items()}


def ms(seconds: float) -> int | None:
    """Milliseconds, or None for an action with no sample (a short run)."""
    return None if seconds != seconds else round(seconds * 1000)


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def main_async(args) -> dict:
    procs = [psutil.Process(int(p)) for p in args.server_pids.split(",") if p]
    if args.server_cpus:
        for p in procs:
            for proc in (p, *p.children(recursive=True)):
                proc.cpu_affinity([int(c) for c in args.server_cpus.split(",")])
    calibration = await calibrate(args.url, procs, args.calibrate) if args.calibrate else {}
    me = psutil.Process()
    results = Results()
    rss_before, cpu_before, my_before = rss_mb(procs), cpu_seconds(procs), cpu_seconds([me])
    psutil.cpu_percent(interval=None)  # the machine's CPU from here
    began = time.monotonic()
    until = began + args.duration
    tasks = []
    for i in range(args.sessions):  # officials arrive over the first 10 s
        tasks.append(asyncio.create_task(official(args.url, until, args.think, results, i)))
        await asyncio.sleep(min(10 / args.sessions, 1))
    await asyncio.sleep(min(60, args.duration / 2))
    rss_open = rss_mb(procs)
    await asyncio.gather(*tasks)
    wall = time.monotonic() - began
    server_cpu, my_cpu = cpu_seconds(procs) - cpu_before, cpu_seconds([me]) - my_before
    done = sum(len(v) for v in results.times.values())
    errors = sum(len(v) for v in results.errors.values())
    return {
        "url": args.url,
        "sessions": args.sessions,
        "duration_s": round(wall, 1),
        "think_mean_s": args.think,
        "actions": {
            a: {
                "n": len(results.times[a]),
                "p50_ms": ms(pct(results.times[a], 0.5)),
                "p95_ms": ms(pct(results.times[a], 0.95)),
                "max_ms": ms(max(results.times[a], default=float("nan"))),
                "errors": len(results.errors[a]),
                "server_cpu_ms_alone": ms(calibration.get(a, float("nan"))),
            }
            for a in ACTIONS
        },
        "errors": errors,
        "error_samples": sorted({e for v in results.errors.values() for e in v})[:5],
        "server_cpu_s": round(server_cpu, 1),
        "server_cpu_ms_per_action": round(1000 * server_cpu / max(done + errors, 1)),
        "server_cpu_busy": round(server_cpu / wall, 2),  # cores kept busy
        "rss_mb_before": round(rss_before),
        "rss_mb_sessions_open": round(rss_open),
        "rss_mb_end": round(rss_mb(procs)),
        "mb_per_session": round((rss_open - rss_before) / args.sessions, 1),
        "generator_cpu_s": round(my_cpu, 1),
        "generator_cpu_busy": round(my_cpu / wall, 2),
        "machine_cpu_busy": round(psutil.cpu_percent(interval=None) / 100 * psutil.cpu_count(), 2),
        "loadavg_1_5_15": [round(x, 2) for x in psutil.getloadavg()],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", required=True, help="nginx, e.g. http://127.0.0.1:8615")
    ap.add_argument("--sessions", type=int, default=10)
    ap.add_argument("--duration", type=float, default=300, help="seconds of load")
    ap.add_argument("--think", type=float, default=10, help="mean think time, seconds")
    ap.add_argument("--server-pids", default="", help="replica pids, comma-separated")
    ap.add_argument("--server-cpus", default="", help="pin the replicas to these CPUs")
    ap.add_argument("--client-cpus", default="", help="pin this generator to these CPUs")
    ap.add_argument("--calibrate", type=int, default=2, help="rounds of the one-session pass")
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args()
    if urlsplit(args.url).scheme != "http":
        ap.error("--url must be http://host:port (nginx on loopback)")
    if args.client_cpus:
        os.sched_setaffinity(0, {int(c) for c in args.client_cpus.split(",")})
    out = asyncio.run(main_async(args))
    text = json.dumps(out, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
