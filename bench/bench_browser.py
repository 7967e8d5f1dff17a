"""Time to charts drawn in a real browser: the overview against a bare Streamlit page with the
same charts, and a drill click on the district page (a script, not a test).

    python bench/bench_browser.py sqlite:////tmp/full.db [--runs 5] [--drills 5]

Starts `streamlit run app.py` (headless, a free loopback port, WARMTH_DATABASE_URL set) and a
bare Streamlit page: a script written to a temp dir that draws, with no database, the same
plotly figures (data and layout) that the overview drew in the warm-up load, one
st.plotly_chart each. Debian's Chromium (/usr/bin/chromium, through Playwright) at 1920x1080
then loads the overview and the bare page alternately --runs times each, each load in a new
tab (a new Streamlit session; the server's caches stay warm from the warm-up) of one browser
context, so the frontend's scripts come from the HTTP cache as for a returning viewer
(--cold-cache: a new context per load, everything fetched and compiled anew).
An init script polls every animation frame and records performance.now() (ms since the
navigation started) when the first plotly chart (.js-plotly-plot with its .main-svg) is
visible and when the last one of the expected number is (and, to tell the frontend's own
start from the script's work, when the first element of the script's output appears). On the district page it clicks the
first district bar --drills times (a new tab each) and measures from the click until the
street chart is drawn and Streamlit's running indicator is gone ("settled").
Bytes received on the page's WebSocket (Playwright's page.on("websocket") frames) are
counted per load and per drill, and Chromium's own main-thread counters per load (CDP
Performance.getMetrics: ms of tasks, of which script, style recalculation, layout), which
tell the frontend's work from waiting, and the CPU time Chromium's renderer and GPU processes
used per load and per drill (CDP SystemInfo.getProcessInfo): the frontend's work in CPU, which
compares across the machine's load where wall times do not. Target: overview <= 1.5x the
bare page.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TARGET_RATIO = 1.5
MAIN_THREAD = {
    "task": "TaskDuration",
    "script": "ScriptDuration",
    "style": "RecalcStyleDuration",
    "layout": "LayoutDuration",
}

# Runs in every page before its scripts: each animation frame, count the drawn plotly charts.
MARKS = """
(() => {
  const t = { shell: null, first: null, count: 0, last: null };
  window.__charts = t;
  const tick = () => {
    let n = 0;
    for (const el of document.querySelectorAll('.js-plotly-plot')) {
      const svg = el.querySelector('.main-svg');
      if (svg && svg.getBoundingClientRect().width > 0) n += 1;
    }
    const now = performance.now();
    if (t.shell === null && document.querySelector('[data-testid="stElementContainer"]')) {
      t.shell = now;  // the first element of the script's output is on screen
    }
    if (n > 0 && t.first === null) t.first = now;
    if (n > t.count) { t.count = n; t.last = now; }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""
IDLE = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid="stStatusWidget"] button, '
      + '[data-testid="stStatusWidget"] img, [data-testid="stStatusWidget"] svg');
}"""
# The figures on screen as plain JSON (plotly keeps them on the chart's element).
FIGURES = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd =>
  JSON.stringify({ data: gd.data, layout: gd.layout },
    (k, v) => (k.startsWith('_') ? undefined : ArrayBuffer.isView(v) ? Array.from(v) : v)))"""
BARE_SCRIPT = """
import json
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="bare", layout="wide")
st.title("bare page")
for i, text in enumerate(json.loads(Path(__file__).with_name("figures.json").read_text())):
    spec = json.loads(text)
    # the layout as the browser holds it, theme included: drop what plotly.py does not take
    fig = go.Figure(
        data=spec.get("data") or [], layout=spec.get("layout") or {}, skip_invalid=True
    )
    st.plotly_chart(fig, key=f"chart{i}", on_select="rerun", selection_mode="points")
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(script: Path, env: dict, log: Path, cwd: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(script),
        "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    out = open(log, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{script.name} exited early: {log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:  # noqa: S310
                if resp.read() == b"ok":
                    return proc, url
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError(f"{script.name} did not become healthy: {log.read_text()[-2000:]}")


def renderer_cpu(browser) -> float:
    """CPU seconds used so far by all of Chromium's renderer and GPU processes (CDP
    SystemInfo.getProcessInfo): the frontend's work, whatever the machine's load."""
    cdp = browser.new_browser_cdp_session()
    try:
        infos = cdp.send("SystemInfo.getProcessInfo")["processInfo"]
    finally:
        cdp.detach()
    return sum(p["cpuTime"] for p in infos if p["type"] in ("renderer", "GPU"))


class Session:
    """One browser context and page, with the WebSocket bytes it received."""

    def __init__(self, browser, shared=None) -> None:
        self.browser = browser
        self.cpu_at_start = renderer_cpu(browser)
        self.shared = shared is not None
        self.context = shared or new_context(browser)
        self.page = self.context.new_page()
        self.received = 0
        self.frames = 0
        self.page.on("websocket", self._socket)
        self.cdp = self.context.new_cdp_session(self.page)
        self.cdp.send("Performance.enable")

    def main_thread(self) -> dict:
        """Chromium's own counters for this page (ms of the renderer's main thread): tasks in
        all, of which script, style recalculation and layout."""
        got = {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}
        out = {k: got.get(v, 0.0) * 1000 for k, v in MAIN_THREAD.items()}
        return out | {"cpu": (renderer_cpu(self.browser) - self.cpu_at_start) * 1000}

    def _socket(self, ws) -> None:
        def got(payload) -> None:
            self.received += len(payload)
            self.frames += 1

        ws.on("framereceived", got)

    def wait_idle(self, timeout: float) -> None:
        self.page.wait_for_function(IDLE, timeout=timeout * 1000)

    def close(self) -> None:
        self.page.close()
        if not self.shared:
            self.context.close()


def new_context(browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    context.add_init_script(MARKS)
    return context


def load(browser, url: str, expect: int | None, timeout: float, shared=None) -> dict:
    """Open url in a new session; wait until `expect` charts are drawn (or, when None, until
    the app is idle and the count has been stable for 1.5 s); the marks and bytes."""
    s = Session(browser, shared)
    try:
        s.page.goto(url, wait_until="commit", timeout=timeout * 1000)
        if expect is None:
            s.page.wait_for_function("() => window.__charts && window.__charts.count > 0",
                                     timeout=timeout * 1000)  # fmt: skip
            stable, seen = time.monotonic(), -1
            while time.monotonic() - stable < 1.5:
                s.wait_idle(timeout)
                n = s.page.evaluate("() => window.__charts.count")
                if n != seen:
                    stable, seen = time.monotonic(), n
                time.sleep(0.2)
        else:
            s.page.wait_for_function(
                f"() => window.__charts && window.__charts.count >= {expect}",
                timeout=timeout * 1000,
            )
            s.wait_idle(timeout)
        marks = s.page.evaluate("() => window.__charts")
        settled = s.page.evaluate("() => performance.now()")
        figures = s.page.evaluate(FIGURES) if expect is None else None
        return {**marks, "settled": settled, "bytes": s.received, "frames": s.frames,
                "figures": figures, **s.main_thread()}  # fmt: skip
    finally:
        s.close()


def drill(browser, url: str, timeout: float, shared=None) -> dict:
    """District page: click the first district bar; ms from the click until the street chart
    is drawn and the app is idle, and the WebSocket bytes received meanwhile."""
    s = Session(browser, shared)
    try:
        page = s.page
        page.goto(f"{url}/districts", wait_until="commit", timeout=timeout * 1000)
        bars = page.locator(".st-key-districts_district_bar .js-plotly-plot g.trace.bars path")
        bars.first.wait_for(state="visible", timeout=timeout * 1000)
        s.wait_idle(timeout)
        page.wait_for_timeout(300)  # let plotly finish its first draw
        box = bars.nth(0).bounding_box()
        before, cpu = s.received, renderer_cpu(browser)
        began = time.perf_counter()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.locator(".st-key-districts_street_bar .js-plotly-plot .main-svg").first.wait_for(
            state="visible", timeout=timeout * 1000
        )
        drawn = (time.perf_counter() - began) * 1000
        s.wait_idle(timeout)
        settled = (time.perf_counter() - began) * 1000
        cpu = (renderer_cpu(browser) - cpu) * 1000
        return {"drawn": drawn, "settled": settled, "bytes": s.received - before,
                "url": page.url, "cpu": cpu}  # fmt: skip
    finally:
        s.close()


def med(values: list[float]) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--drills", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=180, help="seconds per wait")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    parser.add_argument(
        "--cold-cache",
        action="store_true",
        help="a new browser context per load (no HTTP cache: the frontend's scripts load anew)",
    )
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    print(f"database: {args.url}; load at start {os.getloadavg()[0]:.2f} ({os.cpu_count()} cpus)")
    tmp = Path(tempfile.mkdtemp(prefix="warmth-browser-bench-"))
    env = {**os.environ, "WARMTH_DATABASE_URL": args.url, "PYTHONPATH": str(ROOT)}
    procs = []
    try:
        app, app_url = start(ROOT / "app.py", env, tmp / "app.log", ROOT)
        procs.append(app)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            shared = None if args.cold_cache else new_context(browser)
            # warm-up: the server's first run, the caches; and the overview's figures
            t0 = time.perf_counter()
            first = load(browser, app_url, None, args.timeout, shared)
            print(
                f"warm-up overview load (first after server start): {first['count']} charts,"
                f" settled in {(time.perf_counter() - t0) * 1000:.0f} ms"
            )
            n_charts = first["count"]
            figures = first["figures"]
            (tmp / "figures.json").write_text(json.dumps(figures))
            (tmp / "bare.py").write_text(BARE_SCRIPT)
            sizes = [len(f) for f in figures]
            print(
                f"bare page: {len(figures)} plotly charts with the overview's figures"
                f" ({sum(sizes) / 1024:.0f} KiB of figure JSON, largest {max(sizes) / 1024:.0f} KiB)"
            )
            bare, bare_url = start(tmp / "bare.py", {**os.environ}, tmp / "bare.log", tmp)
            procs.append(bare)
            load(browser, bare_url, len(figures), args.timeout, shared)  # warm-up
            runs: dict[str, list[dict]] = {"overview": [], "bare": []}
            for i in range(args.runs):
                for name, url, n in (
                    ("overview", app_url, n_charts),
                    ("bare", bare_url, len(figures)),
                ):
                    got = load(browser, url, n, args.timeout, shared)
                    runs[name].append(got)
                    print(
                        f"  run {i + 1} {name}: first element {got['shell'] or 0:.0f} ms,"
                        f" first chart {got['first']:.0f} ms, all"
                        f" {got['count']} {got['last']:.0f} ms, idle {got['settled']:.0f} ms,"
                        f" ws {got['bytes']:,} B; renderer CPU {got['cpu']:.0f} ms; main thread {got['task']:.0f} ms"
                        f" (script {got['script']:.0f}, style {got['style']:.0f},"
                        f" layout {got['layout']:.0f})",
                        file=sys.stderr,
                        flush=True,
                    )
            drills = []
            for i in range(args.drills):
                got = drill(browser, app_url, args.timeout, shared)
                drills.append(got)
                print(
                    f"  drill {i + 1}: street chart {got['drawn']:.0f} ms, settled"
                    f" {got['settled']:.0f} ms, renderer CPU {got['cpu']:.0f} ms, ws {got['bytes']:,} B"
                    f" ({got['url']})",
                    file=sys.stderr,
                    flush=True,
                )
            browser.close()
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        if not args.keep:
            for f in tmp.iterdir():
                f.unlink()
            tmp.rmdir()
        else:
            print(f"logs and the bare page in {tmp}")

    how = "a new browser context each" if args.cold_cache else "one context, HTTP cache warm"
    print(
        f"\nmedians of {args.runs} loads each (ms from navigation; alternating; a new tab and"
        f" Streamlit session each, {how}):"
    )
    print(
        "| page | charts | first element | first chart | all charts | idle |"
        " WebSocket bytes received | renderer CPU | main thread: tasks | script | style | layout |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    stats = {}
    for name, rs in runs.items():
        stats[name] = {
            k: med([r[k] for r in rs])
            for k in ("shell", "first", "last", "settled", "bytes", "cpu", *MAIN_THREAD)
        }
        st_ = stats[name]
        print(
            f"| {name} | {rs[0]['count']} | {st_['shell']:.0f} | {st_['first']:.0f} |"
            f" {st_['last']:.0f} |"
            f" {st_['settled']:.0f} | {st_['bytes']:,.0f} | {st_['cpu']:.0f} |"
            + "".join(f" {st_[k]:.0f} |" for k in MAIN_THREAD)
        )
    for key, label in (("first", "first chart"), ("last", "all charts")):
        ratio = stats["overview"][key] / stats["bare"][key]
        verdict = "ok" if ratio <= TARGET_RATIO else "OVER"
        print(f"overview / bare, {label}: {ratio:.2f}x (target <= {TARGET_RATIO}x) {verdict}")
    if drills:
        print(
            f"\ndistrict page drill click ({len(drills)}x, first district bar): street chart drawn"
            f" median {med([d['drawn'] for d in drills]):.0f} ms, settled median"
            f" {med([d['settled'] for d in drills]):.0f} ms (first {drills[0]['settled']:.0f} ms,"
            f" all {[round(d['settled']) for d in drills]}), renderer CPU per click median"
            f" {med([d['cpu'] for d in drills]):.0f} ms, WebSocket bytes received per click"
            f" median {med([d['bytes'] for d in drills]):,.0f}"
        )
    print(f"load at end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
