"""Charts drawn as PNG on the server by plotly's own renderer: kaleido driving the
system's Chromium (Debian's /usr/bin/chromium; kaleido finds it, or $BROWSER_PATH), so the
picture is the chart the screen shows, Chinese in the Noto CJK font the figures name.

One browser is kept for the whole process, on an event loop of its own in a daemon thread,
started on first use (or by `warm()`, in the background): its start costs 2-3 s, each
chart after it about a tenth of a second. kaleido 1.5 reloads its page (plotly.js, 4 MB)
after every chart, which cost 0.15-0.25 s a chart, more than the drawing; its page draws
with Plotly.toImage, which leaves nothing behind, so here the page is kept and reloaded only
every RELOAD_AFTER charts (`_Browser`, the one place that touches kaleido's internals; the
range tested is pinned in pyproject.toml and tests/test_render.py fails when it changes).
Calls from several sessions are serialised by a lock; a failed call closes the browser, so
the next one starts from a fresh page.
"""

from __future__ import annotations

import asyncio
import atexit
import threading
from concurrent.futures import Future

import plotly.graph_objects as go

TABS = 1  # pages drawing at once: a second one doubled the start (2.6 s -> 5.5 s) for 0.3 s
TIMEOUT = 60  # seconds for any one chart
START_TIMEOUT = 120  # seconds for the browser to start
RELOAD_AFTER = 50  # charts drawn on one page before it is loaded afresh
_lock = threading.Lock()
_state: dict = {}  # "loop", "thread", "browser" (a Future of the open _Browser)


def _browser_class():
    import kaleido

    class _Browser(kaleido.Kaleido):
        """kaleido's browser, keeping its page between charts (see the module docstring).
        kaleido calls _return_kaleido_tab(tab) after every chart; its own reloads the page."""

        drawn: dict  # charts drawn on each page since it was loaded

        async def _return_kaleido_tab(self, tab) -> None:
            n = self.drawn.get(id(tab), 0) + 1
            if n >= RELOAD_AFTER:
                self.drawn[id(tab)] = 0
                await super()._return_kaleido_tab(tab)
                return
            self.drawn[id(tab)] = n
            await self.tabs_ready.put(tab)

    return _Browser


async def _open():
    browser = _browser_class()(n=TABS, timeout=TIMEOUT, mathjax=False)
    browser.drawn = {}
    await browser.open()
    # the first chart of a page costs half a second more (plotly's code compiled, the CJK
    # font read): spent here, in the background, not on the first chart asked for
    await browser.calc_fig(_first_chart(), opts=_opts(200, 100, 1))
    return browser


def _first_chart() -> go.Figure:
    from warmth.figures import charts

    fig = go.Figure(go.Bar(x=["覆盖率 coverage"], y=[1], text=["1"]))
    fig.update_layout(font={"family": charts.FONT}, title={"text": "帮困送温暖"})
    return fig


def _start() -> Future:
    """The browser (a Future of it), starting it in the background when there is none."""
    if "browser" not in _state:
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="warmth-charts", daemon=True)
        thread.start()
        _state.update(loop=loop, thread=thread)
        _state["browser"] = asyncio.run_coroutine_threadsafe(_open(), loop)
    return _state["browser"]


def _close() -> None:
    """Close the browser and end its loop (nothing to do when none was started)."""
    started = _state.pop("browser", None)
    if started is None:
        return
    loop, thread = _state.pop("loop"), _state.pop("thread")
    try:
        browser = started.result(timeout=START_TIMEOUT)
        asyncio.run_coroutine_threadsafe(browser.close(), loop).result(timeout=TIMEOUT)
    except Exception:  # noqa: BLE001, S110  (a browser that failed to start or died: the loop ends anyway)
        started.cancel()
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=TIMEOUT)


def _draw(figs: list[go.Figure], opts: list[dict]) -> list[bytes]:
    with _lock:
        started = _start()
        try:
            browser = started.result(timeout=START_TIMEOUT)
            loop = _state["loop"]

            async def every() -> list[bytes]:
                return list(
                    await asyncio.gather(
                        *(browser.calc_fig(f, opts=o) for f, o in zip(figs, opts, strict=True))
                    )
                )

            return asyncio.run_coroutine_threadsafe(every(), loop).result()
        except BaseException:
            _close()
            raise


def warm() -> None:
    """Start the browser now, in the background: the first chart drawn after other work
    does not wait for it."""
    with _lock:
        _start()


def _opts(width: int, height: int, scale: float, fmt: str = "png") -> dict:
    return {"format": fmt, "width": width, "height": height, "scale": scale}


def png(fig: go.Figure, *, width: int = 1200, height: int | None = None, scale: float = 2) -> bytes:
    """One chart as PNG bytes, width × height CSS pixels (height: the figure's own) at
    scale device pixels per CSS pixel."""
    return _draw([fig], [_opts(width, height or int(fig.layout.height or 480), scale)])[0]


def pictures(
    figs: list[go.Figure], *, width: int = 1200, scale: float = 2, fmt: str = "png"
) -> list[bytes]:
    """Several charts as image bytes (fmt: png or jpeg), in order, each at its own height,
    drawn on one page."""
    if not figs:
        return []
    return _draw(figs, [_opts(width, int(f.layout.height or 480), scale, fmt) for f in figs])


def pngs(figs: list[go.Figure], *, width: int = 1200, scale: float = 2) -> list[bytes]:
    """Several charts as PNG bytes (pictures in PNG)."""
    return pictures(figs, width=width, scale=scale)


def stop() -> None:
    """Close the browser (the command line does, once its briefing is written)."""
    with _lock:
        _close()


atexit.register(stop)
