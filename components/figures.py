"""Plotly figures built once per their data and options, shared by every session."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import charts

# Building a plotly figure (its validation) costs more than the query behind it once the
# answer is cached, so each figure is built once per its data and options and shared by every
# session: st.plotly_chart only reads it. cache_resource hands back the object itself (a
# pickled figure would be validated again on every read).

FIGURES = {
    "coverage_bar": charts.coverage_bar,
    "tile_map": charts.tile_map,
    "pacing_chart": charts.pacing_chart,
    "measure_bar": charts.measure_bar,
    "timeline_chart": charts.timeline_chart,
}


@st.cache_resource(max_entries=512, show_spinner=False)
def _figure(name: str, frame: pd.DataFrame, options: tuple) -> go.Figure:
    return FIGURES[name](frame, **dict(options))


def figure(name: str, frame: pd.DataFrame, **options) -> go.Figure:
    """The chart FIGURES[name](frame, **options), built once for this data and options."""
    return _figure(name, frame, tuple(sorted(options.items())))
