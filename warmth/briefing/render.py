"""Charts drawn as PNG on the server by plotly's own renderer: kaleido driving the
system's Chromium (Debian's /usr/bin/chromium; kaleido finds it, or $BROWSER_PATH), so the
picture is the chart the screen shows, Chinese in the Noto CJK font the figures name.

One browser is kept warm for the whole process (kaleido's sync server, started on first
use): its start costs about 3 s, each chart after it a few tenths of a second. The server
answers one caller at a time, so calls from several sessions are serialised by a lock.
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

import plotly.graph_objects as go

TABS = 2  # charts drawn at once (the machine has two cores)
TIMEOUT = 60  # seconds for any one chart
_lock = threading.Lock()


def _server() -> None:
    import kaleido

    kaleido.start_sync_server(n=TABS, timeout=TIMEOUT, mathjax=False, silence_warnings=True)


def warm() -> None:
    """Start the browser now (it starts in the background): the first chart drawn after
    other work does not wait for it."""
    with _lock:
        _server()


def _opts(width: int, height: int, scale: float) -> dict:
    return {"format": "png", "width": width, "height": height, "scale": scale}


def png(fig: go.Figure, *, width: int = 1200, height: int | None = None, scale: float = 2) -> bytes:
    """One chart as PNG bytes, width × height CSS pixels (height: the figure's own) at
    scale device pixels per CSS pixel."""
    import kaleido

    opts = _opts(width, height or int(fig.layout.height or 480), scale)
    with _lock:
        _server()
        return kaleido.calc_fig_sync(fig, opts=opts)


def pngs(figs: list[go.Figure], *, width: int = 1200, scale: float = 2) -> list[bytes]:
    """Several charts as PNG bytes, drawn TABS at a time, each at its own height."""
    import kaleido

    if not figs:
        return []
    with tempfile.TemporaryDirectory(prefix="warmth-png-") as folder:
        paths = [Path(folder) / f"{i}.png" for i in range(len(figs))]
        specs = [
            {"fig": fig, "path": path, "opts": _opts(width, int(fig.layout.height or 480), scale)}
            for fig, path in zip(figs, paths, strict=True)
        ]
        with _lock:
            _server()
            kaleido.write_fig_from_object_sync(specs, cancel_on_error=True)
        return [path.read_bytes() for path in paths]


def stop() -> None:
    """Close the warm browser (the command line does, once its briefing is written)."""
    import kaleido

    with _lock:
        kaleido.stop_sync_server(silence_warnings=True)
