"""Figures built once per answer and options, shared by every session.

Building a plotly figure (its validation) costs more than the query behind it once the
answer is cached (components/data/), so each figure is built once per its data and options
and shared by every session: st.plotly_chart only reads it. cache_resource hands back the
object itself (a pickled figure would be validated again on every read). The builders are
the core's (warmth.figures), which the briefing draws with too.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from warmth import figures


@st.cache_resource(max_entries=512, show_spinner=False)
def _figure(name: str, frame: pd.DataFrame, options: tuple) -> go.Figure:
    return figures.build(name, frame, **dict(options))


def figure(name: str, frame: pd.DataFrame, **options) -> go.Figure:
    """The chart warmth.figures.FIGURES[name](frame, **options), built once for this data
    and options."""
    return _figure(name, frame, tuple(sorted(options.items())))
