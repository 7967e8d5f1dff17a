"""The pacing chart of two campaigns on one axis: days to the Spring Festival. Pure: no
streamlit here."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from warmth import i18n
from warmth.figures.charts import DEPARTMENT_COLOURS, EXPECTED, LEGEND_BELOW, _base_layout

LAST_YEAR = "#8d99ae"


def years_pacing_chart(
    df: pd.DataFrame, *, title: str, lang: str, this: str, before: str, height: int = 420
) -> go.Figure:
    """Cumulative share reached by days to the Spring Festival (warmth.years.pacing_compare):
    this campaign, the previous one (grey) and the expected share; the festival marked."""
    d = df.sort_values("days_to_festival")
    x = d["days_to_festival"]
    fig = go.Figure()
    hover = "%{x} " + i18n.t("years_days_unit", lang) + ": %{y:.1f}%<extra>%{fullData.name}</extra>"
    lines = (
        ("expected", i18n.t("dash_chart_expected_share", lang), EXPECTED, "dash", 2),
        ("share_prev", before, LAST_YEAR, "solid", 2),
        ("share", this, DEPARTMENT_COLOURS["MZ"], "solid", 3),
    )
    for column, name, colour, dash, width in lines:
        fig.add_trace(
            go.Scatter(
                x=x,
                y=(d[column].astype(float) * 100).round(1),
                mode="lines",
                line={"color": colour, "dash": dash, "width": width},
                name=name,
                hovertemplate=hover,
                connectgaps=False,
            )
        )
    _base_layout(fig, title, height)
    fig.update_layout(
        showlegend=True,
        legend=LEGEND_BELOW,
        clickmode="none",
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
    )
    fig.update_yaxes(range=[0, 105], ticksuffix="%", gridcolor="#eeeeee")
    fig.update_xaxes(
        title={"text": i18n.t("years_days_to_festival", lang)}, zeroline=False, gridcolor="#f4f4f4"
    )
    fig.add_vline(x=0, line={"color": "#c62828", "width": 1, "dash": "dot"})
    fig.add_annotation(
        x=0, y=1.02, yref="paper", text=i18n.t("dash_spring_festival", lang), showarrow=False
    )
    return fig
