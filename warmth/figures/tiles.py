"""The district tile map: the 19 districts as squares on a grid (row 0 north, column 0
west), coloured by coverage or by pace, for the overview and the presentation's map slide."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from warmth import metrics
from warmth.figures.charts import NO_DATA, _base_layout, _pct_text, band_colour, label, names

TILE_GAP = 0.06  # between two tiles of the map, in grid steps


def _tile_name(name: str, lang: str) -> str:
    """A name short enough for a tile, as maps write it: "Pudong New Area" -> "Pudong",
    "浦东新区" -> "浦东", "崇明县" -> "崇明" (the full name on hover)."""
    suffixes = (" New Area", " District", " County") if lang == "en" else ("新区", "区", "县")
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name.removesuffix(suffix)
    return name


FRAME = 70  # px of the figure's height that are not plot: _base_layout's margins (60 + 10)


def fitting_height(df: pd.DataFrame, size: int) -> int:
    """The figure height (px) at which tile_map(df, size=size) draws each tile `size` px on
    a side, for a picture drawn at its figure's height (the briefing's): the type follows
    `size`, so a shorter figure's tiles are too small for their names ("Chongming" ran out
    of its tile in the PDF)."""
    steps = int(df["tile_row"].max()) + 1.2  # the y range: the rows and 0.6 either side
    return FRAME + round(steps * size / (1 - TILE_GAP))


PACE_COLOURS = {"behind": metrics.BAND_COLOURS["red"], "on_track": metrics.BAND_COLOURS["green"]}


def pace_colour(coverage: float | None, expected: float | None) -> str:
    """Red when behind pace (coverage under expected − 10 points), green on track, grey when
    undefined (metrics.pacing_status)."""
    return PACE_COLOURS.get(metrics.pacing_status(coverage, expected), NO_DATA)


def tile_map(
    df: pd.DataFrame,
    *,
    title: str,
    lang: str,
    height: int = 560,
    expected: float | None = None,
    size: int = 84,
) -> go.Figure:
    """The 19 districts as a tile map (row 0 north, column 0 west), each square in the band
    colour of its coverage (with ``expected``: in its pace colour, behind or on track),
    labelled with its name and coverage. The squares are shapes one grid step wide, less a
    gap, so they never overlap however small the plot; the points under them (invisible,
    ``size`` pixels) carry the hover and what a click selects, and ``size`` sets the type."""
    d = df.assign(_name=names(df, lang).to_numpy()).reset_index(drop=True)
    cov = d["coverage"].astype(float)
    pct = _pct_text(cov, lang)
    if expected is None:
        colours = [band_colour(c) for c in cov]
    else:
        colours = [pace_colour(c, expected) for c in cov]
    cols, rows = d["tile_col"].astype(int).tolist(), d["tile_row"].astype(int).tolist()
    fig = go.Figure(
        go.Scatter(
            x=cols,
            y=rows,
            mode="markers+text",
            marker={"symbol": "square", "size": size, "color": colours, "opacity": 0},
            text=[
                f"<b>{_tile_name(n, lang)}</b><br>{p}" for n, p in zip(d["_name"], pct, strict=True)
            ],
            # names fit their tile: 3-4 Chinese characters, or up to 9 Latin letters
            textfont={
                "color": "white",
                "size": min(14, size // 5.5) if lang == "zh" else min(12, size // 6),
            },
            customdata=np.stack([d["key"].astype(str), d["_name"], pct], axis=-1),
            hovertemplate="<b>%{customdata[1]}</b><br>%{customdata[2]}<extra></extra>",
            name=label("district", lang),
        )
    )
    half = 0.5 - TILE_GAP / 2
    fig.layout.shapes = [
        {
            "type": "rect", "xref": "x", "yref": "y", "layer": "below",
            "x0": c - half, "x1": c + half, "y0": r - half, "y1": r + half,
            "fillcolor": colour, "line": {"width": 0},
        }
        for c, r, colour in zip(cols, rows, colours, strict=True)
    ]  # fmt: skip
    _base_layout(fig, title, height)
    # Square tiles keep their aspect by shrinking the plot to the grid (constrain="domain"),
    # never by widening the ranges: plotly writes a widened range back into the figure it
    # was given, so with "range" every resize or rerun widened it again and the tiles shrank
    # (at 3840×2160 to half their size, under type grown three times: names were cut).
    axis = {
        "showgrid": False, "zeroline": False, "showticklabels": False, "fixedrange": True,
        "constrain": "domain",
    }  # fmt: skip
    fig.update_xaxes(range=[-0.6, d["tile_col"].max() + 0.6], **axis)
    fig.update_yaxes(range=[d["tile_row"].max() + 0.6, -0.6], scaleanchor="x", scaleratio=1, **axis)
    return fig
