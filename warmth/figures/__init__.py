"""Plotly figure builders, shared by the dashboard (components/) and the briefing
(warmth/briefing/): tidy frame in, figure out, no streamlit.

- `charts`: coverage bars, counts per row, pacing and the daily timeline (the pages'
  charts); `tiles`: the district tile map;
- `gaps`: the overlap and reporting matrices, omission beside leakage;
- `scale.scaled(fig, k)`: a chart grown for a larger screen (a slide on a 4K projector);
- `counts.small_bars`: bars of counts 1 to 4 drawn at 5 and hatched, on slides.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from warmth.figures import charts, gaps, scale, tiles, years

FIGURES = {
    "coverage_bar": charts.coverage_bar,
    "tile_map": tiles.tile_map,
    "pacing_chart": charts.pacing_chart,
    "measure_bar": charts.measure_bar,
    "timeline_chart": charts.timeline_chart,
    "leakage_omission": gaps.leakage_omission_figure,
    "years_pacing_chart": years.years_pacing_chart,
}


def build(name: str, frame: pd.DataFrame, *, grow: float = 1.0, **options) -> go.Figure:
    """The chart FIGURES[name](frame, **options): every chart by its name, for the places
    (the figure cache, slides, the briefing) that are handed a chart as data; ``grow``
    multiplies its pixel sizes (type, margins, markers: scale.scaled)."""
    return scale.scaled(FIGURES[name](frame, **options), grow)
