"""Charts drawn on the server (warmth.briefing.render): several charts on one page, in
order and each at its own size, the page kept between them; and the one piece of
kaleido's internals it relies on, checked so that an upgrade that changes it fails here."""

from __future__ import annotations

import inspect
import os

import plotly.graph_objects as go
import pytest

from tests.browser_support import CHROMIUM
from warmth.briefing import render

if not os.path.exists(CHROMIUM):
    pytest.skip(
        "Debian's chromium is not installed (scripts/test.sh installs it)", allow_module_level=True
    )


def _size(png: bytes) -> tuple[int, int]:
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def test_kaleido_still_returns_its_page_through_the_method_render_replaces():
    import kaleido

    method = kaleido.Kaleido._return_kaleido_tab
    assert inspect.iscoroutinefunction(method)
    assert list(inspect.signature(method).parameters) == ["self", "tab"]
    assert "tabs_ready.put" in inspect.getsource(method)
    assert "tab.reload()" in inspect.getsource(method)


def test_many_charts_are_drawn_in_order_on_one_page():
    figs = [
        go.Figure(go.Bar(x=["甲", "乙"], y=[1, 2]), layout={"height": h}) for h in (200, 300, 250)
    ]
    render.stop()  # a browser of its own: another test of this process may have drawn on one
    try:
        pictures = render.pngs(figs, width=400, scale=1)
        assert [_size(p) for p in pictures] == [(400, 200), (400, 300), (400, 250)]
        browser = render._start().result()
        # one page, loaded once: the warm-up chart and these three were drawn on it
        assert sum(browser.drawn.values()) == 4
        assert len(browser.drawn) == render.TABS
    finally:
        render.stop()
    assert "browser" not in render._state
