"""Charts grown for a larger screen (warmth.figures.scale): the type, margins and markers
times the factor, and a bar's legend key grown with the type, not left at plotly's 12 px."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import plotly.graph_objects as go
import pytest

from warmth import figures
from warmth.figures import charts, scale


def _timeline(k: float, small: bool = False):
    days = [date(2005, 1, 1), date(2005, 1, 2)]
    df = pd.DataFrame(
        {
            "day": days * 2,
            "key": ["MZ", "MZ", "LB", "LB"],
            "name_zh": ["民政局", "民政局", "劳动和社会保障局", "劳动和社会保障局"],
            "name_en": ["Civil Affairs Bureau"] * 2 + ["Labour and Social Security Bureau"] * 2,
            "newly_reached": [10, 20, 3 if small else 30, 40],
        }
    )
    options = {"measure": "newly_reached", "title": "t", "lang": "zh", "small": small}
    return figures.build("timeline_chart", df, grow=k, **options)


def _keys(fig) -> dict[str, tuple[str, str]]:
    """{department: (the key's colour, the key's legend group)} of the legend's entries."""
    out = {}
    for tr in fig.data:
        if tr.showlegend is False:
            continue
        found = re.fullmatch(r'<span style="color:(.+)">■</span> (.+)', tr.name or "")
        assert found, f"a legend entry without a grown key: {tr.name!r}"
        out[found.group(2)] = (found.group(1), tr.legendgroup)
    return out


@pytest.mark.parametrize("small", [False, True])
def test_a_grown_timeline_s_legend_keys_are_in_the_legend_s_type(small):
    plain, grown = _timeline(1, small), _timeline(3, small)

    def legend_type(fig) -> float:
        return fig.layout.legend.font.size or fig.layout.font.size

    assert legend_type(grown) == 3 * legend_type(plain)  # the keys' type: they grow with it
    keys = _keys(grown)
    assert set(keys) == {"民政局", "劳动和社会保障局"}
    bars = [tr for tr in grown.data if tr.type == "bar" and tr.x is not None and len(tr.x)]
    for bar in bars:  # each bar is out of the legend, and its key in its group, its colour
        assert bar.showlegend is False
        colour, group = keys[bar.name]
        assert group == bar.legendgroup
        assert colour == charts.DEPARTMENT_COLOURS["MZ" if bar.name == "民政局" else "LB"]
    for tr in grown.data:
        if tr.showlegend is not False:
            assert tr.type == "scatter" and tr.mode == "none" and tr.x == (None,)
    assert grown.layout.legend.itemwidth == scale.LEGEND_ITEM  # no room for plotly's square


def test_a_chart_at_its_own_size_keeps_plotly_s_legend():
    fig = _timeline(1)
    assert all(tr.type == "bar" for tr in fig.data)
    assert not any("■" in (tr.name or "") for tr in fig.data)


def test_a_grown_chart_s_type_margins_and_markers_are_times_k():
    plain, grown = _timeline(1), _timeline(2.5)
    assert grown.layout.font.size == 2.5 * plain.layout.font.size
    assert grown.layout.title.font.size == 2.5 * plain.layout.title.font.size
    assert grown.layout.margin.t == 2.5 * plain.layout.margin.t
    assert grown.layout.height == 2.5 * plain.layout.height


@pytest.mark.parametrize("k", [1, 3])
def test_a_timeline_whose_first_trace_is_a_hatched_bar_s_key_keeps_a_date_axis(k):
    fig = _timeline(k, small=True)  # a count of 3: hatched, its key a bar with no points
    assert fig.data[0].x == (None,)
    assert fig.layout.xaxis.type == "date"  # plotly guessed "linear" from that first trace


def _pacing() -> pd.DataFrame:
    days = pd.date_range("2004-12-20", periods=30).date
    share = [i / 40 for i in range(30)]
    return pd.DataFrame({"day": days, "expected": [i / 30 for i in range(30)], "share": share})


@pytest.mark.parametrize(("k", "pad"), [(1, 0), (1.5, 0), (2, 1), (3, 2)])
def test_a_grown_legend_s_names_are_padded_so_its_gaps_grow_with_the_type(k, pad):
    """plotly keeps the gap between a legend symbol and its name at a few pixels: at ×3 a
    line's name ran into the next entry's symbol. Names are padded with round(k − 1)
    no-break spaces a side; the bars' own keys (type already) are left as they are."""
    fig = charts.pacing_chart(_pacing(), title="t", lang="en")
    names = [t.name for t in fig.data]
    grown = scale.scaled(fig, k)
    gap = scale.GAP * pad
    assert [t.name for t in grown.data] == [f"{gap}{n}{gap}" for n in names]
    bars = go.Figure([go.Bar(x=["a"], y=[1], name="A", marker={"color": "#123456"})] * 2)
    bars.update_layout(showlegend=True)
    keys = [t.name for t in scale.scaled(bars, k).data if t.showlegend]
    assert all(not n.startswith(scale.GAP) for n in keys), keys
