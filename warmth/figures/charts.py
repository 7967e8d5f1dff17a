"""Figure builders: tidy frame in, plotly figure out. No streamlit here.

One keyword vocabulary for every chart, like plotly.express: ``by=`` (city, district,
street, category, programme, department), ``title=``, ``lang=`` (zh | en). Coverage is always
drawn in its band colour (metrics.BAND_COLOURS); a department always has the same colour
(DEPARTMENT_COLOURS). Every point carries its code as ``customdata[0]`` (and as ``x`` on bar
charts), which is what a drill-down reads back from a selection.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from warmth import formatting, i18n, metrics
from warmth.figures import counts

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
NO_DATA = metrics.BAND_COLOURS.get(None, "#9e9e9e")  # coverage undefined
INK = "#333333"
EXPECTED = "#555555"
# letters on a line of an English name under up to 4 bars, else (16 touched under 6 streets)
TICK_LINE = {4: 16, None: 12}
TICK_WORDS = 60  # bars × their longest word's letters that fit a half-slide at 14 px
# bars × characters of the longest value beyond which values on bars stand upright: a value
# of 14 px takes about 8 px a character, and half a 1280×720 slide gives bars 416/n px wide
LEVEL_TEXT = 52
BAR_FRAME = 190  # px of a bar chart's height taken by its title, margins and names
LEGEND_CHARS = 24  # a legend entry longer than this is shortened, so entries sit in columns
# a legend at the bottom of the figure: plotly makes room for it, so however many rows it
# takes it never runs into the axis or the bars (one at y < 0 of the plot did, on a short chart)
LEGEND_BELOW = {"orientation": "h", "x": 0, "y": 0, "yref": "container", "yanchor": "bottom"}
DEPARTMENT_COLOURS: dict[str, str] = {
    "MZ": "#1f3a93",  # civil affairs, the lead: the darkest
    "LB": "#6a3d9a",
    "YB": "#1b9e9e",
    "JY": "#4c8fe0",
    "GH": "#8c564b",
    "TW": "#e377c2",
    "FL": "#a6287a",
    "CL": "#556b2f",
    "HS": "#5e3c58",
    "CS": "#17becf",
    "SH": "#7f7f7f",
}


def names(df: pd.DataFrame, lang: str) -> pd.Series:
    """The display name of each row in lang (English falls back to Chinese when missing)."""
    if lang == "en" and "name_en" in df:
        en = df["name_en"].astype("string")
        return en.where(en.notna() & (en != ""), df["name_zh"]).astype(str)
    return df["name_zh"].astype(str)


def label(key: str, lang: str) -> str:
    """A column's label: a metric's from metrics.DEFINITIONS, anything else from strings.csv."""
    d = metrics.DEFINITIONS.get(key)
    if d is not None:
        return d.label_zh if lang == "zh" else d.label_en
    return i18n.t(f"dash_col_{key}", lang)


def band_colour(coverage: float | None) -> str:
    """The band colour of a coverage fraction; grey when coverage is undefined."""
    return metrics.BAND_COLOURS.get(metrics.band(coverage), NO_DATA)


def department_colour(code: str | None) -> str:
    return DEPARTMENT_COLOURS.get(code or "", NO_DATA)


def _base_layout(fig: go.Figure, title: str, height: int) -> go.Figure:
    # Each property set on its own: fig.update_layout goes through plotly's batch update,
    # which cost about 20 ms of server CPU per chart on every run (5 charts on the overview).
    layout = {
        "title": {"text": title, "x": 0, "xanchor": "left", "font": {"size": 20}},
        "font": {"family": FONT, "size": 15, "color": INK},
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 60, "b": 10},
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "showlegend": False,
        "hoverlabel": {"font": {"family": FONT, "size": 15}},
    }
    for name, value in layout.items():
        fig.layout[name] = value
    return fig


def _tick_labels(labels: list[str], lang: str) -> list[str]:
    """English names wrapped onto two lines so long ones stay readable under a bar."""
    if lang != "en":
        return labels
    limit = TICK_LINE[4] if len(labels) <= 4 else TICK_LINE[None]
    out = []
    for text in labels:
        words, lines, line = text.split(), [], ""
        for w in words:
            if line and len(line) + 1 + len(w) > limit:
                lines.append(line)
                line = w
            else:
                line = f"{line} {w}".strip()
        lines.append(line)
        out.append("<br>".join(lines[:3]))
    return out


def _category_axis(fig: go.Figure, keys: list[str], labels: list[str], lang: str) -> None:
    """Codes on the axis (what a click returns), names as tick text: English names wrapped
    when there are few bars, slanted (and shortened) when there are many."""
    longest = max((len(x) for x in labels), default=0)
    size = 13 if len(keys) > 12 else 14
    if lang == "en":
        crowded = len(keys) > 6
        ticks = [_short(x, 28) for x in labels] if crowded else _tick_labels(labels, lang)
        # a word is not wrapped: six bars of "Xiaodongmen Subdistrict" on half a slide
        # left their words touching at 14 px
        word = max((len(w) for x in labels for w in x.split()), default=0)
        size = 12 if not crowded and len(keys) * word > TICK_WORDS else size
    else:
        crowded = len(keys) > 12 or len(keys) * longest > 60
        ticks = labels
    fig.update_xaxes(
        type="category",
        tickmode="array",
        tickvals=keys,
        ticktext=ticks,
        tickangle=-40 if crowded else 0,
        tickfont={"size": size},
        automargin=True,
    )


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _bar_text(fig: go.Figure, n: int, top: float) -> None:
    """Values on the bars, all at one size (plotly shrinks a value that does not fit its
    bar, which drew "2,465,993" at a third of "4,375"): above the bars and level when every
    value fits a bar's width, else upright, inside a bar tall enough to hold it (``top``:
    the value axis's top) and above one that is not."""
    bar = fig.data[0]
    text = [str(t) for t in (bar.text or ())]
    longest = max(map(len, text), default=0)
    if n * longest <= LEVEL_TEXT:
        fig.update_traces(textposition="outside", textfont={"size": 14})
        return
    # the plot's height without the title and the names under it, at the least
    plot = max((fig.layout.height or 420) - BAR_FRAME, 100)
    inside = [v / top * plot >= len(t) * 8 + 8 for v, t in zip(bar.y, text, strict=True)]
    fig.update_traces(
        textposition=["inside" if i else "outside" for i in inside],
        constraintext="none",  # never shrunk: a value that does not fit is put above
        textangle=-90,
        insidetextanchor="end",
        textfont={"size": 13},
        insidetextfont={"color": "white"},
        outsidetextfont={"color": INK},
    )


def _pct_text(values: pd.Series, lang: str) -> list[str]:
    return [formatting.percent(v, lang) for v in values]


def _sorted_by_coverage(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    out = df.assign(_name=names(df, lang).to_numpy())
    # Highest first, undefined (no one eligible) last; ties in name order so it is stable.
    return out.sort_values(
        ["coverage", "_name"], ascending=[False, True], na_position="last", kind="mergesort"
    ).reset_index(drop=True)


def _expected_line(fig: go.Figure, expected: float | None, lang: str) -> None:
    if expected is None or expected != expected:
        return
    fig.add_hline(
        y=expected * 100,
        line={"color": EXPECTED, "dash": "dash", "width": 2},
        annotation_text=i18n.t("dash_chart_expected", lang, pct=formatting.percent(expected, lang)),
        annotation_position="top right",
        annotation_font={"color": EXPECTED, "size": 14},
    )


def coverage_bar(
    df: pd.DataFrame,
    *,
    by: str,
    title: str,
    lang: str,
    expected: float | None = None,
    height: int = 480,
    small: bool = False,
) -> go.Figure:
    """Coverage of each row (district, street, category, ...) as bars, highest first, each in
    its band colour; rows where nobody is eligible show "—" and no bar. ``expected`` draws
    the pace line (share of the window elapsed); ``small`` writes counts of 1 to 4 as "<5"."""
    d = _sorted_by_coverage(df, lang)
    cov = d["coverage"].astype(float)
    count = formatting.counter(small)
    custom = np.stack(
        [
            d["key"].astype(str),
            d["_name"],
            [count(v, lang) for v in d["eligible"]],
            [count(v, lang) for v in d["reached"]],
            [count(v, lang) for v in d["omitted"]],
        ],
        axis=-1,
    )
    fig = go.Figure(
        go.Bar(
            x=d["key"].astype(str),
            y=(cov * 100).fillna(0).round(1),
            marker={"color": [band_colour(c) for c in cov], "line": {"width": 0}},
            text=_pct_text(cov, lang),
            textposition="outside",
            cliponaxis=False,
            customdata=custom,
            hovertemplate=(
                "<b>%{customdata[1]}</b><br>"
                + label("coverage", lang)
                + ": %{text}<br>"
                + label("eligible", lang)
                + ": %{customdata[2]}<br>"
                + label("reached", lang)
                + ": %{customdata[3]}<br>"
                + label("omitted", lang)
                + ": %{customdata[4]}<extra></extra>"
            ),
            name=label(by, lang),
        )
    )
    _base_layout(fig, title, height)
    _category_axis(fig, list(d["key"].astype(str)), list(d["_name"]), lang)
    _bar_text(fig, len(d), top=112)
    fig.update_traces(width=0.8 if len(d) > 4 else 0.4)
    fig.update_yaxes(range=[0, 112], ticksuffix="%", gridcolor="#eeeeee", zeroline=False)
    _expected_line(fig, expected, lang)
    fig.update_layout(meta={"by": by, "order": list(d["key"].astype(str))})
    return fig


def measure_bar(
    df: pd.DataFrame,
    *,
    by: str,
    measure: str,
    title: str,
    lang: str,
    height: int = 420,
    sort: bool = True,
    small: bool = False,
) -> go.Figure:
    """A count or amount (records, amount_yuan, omitted, repeat_beneficiaries, ...) per row.
    Departments and programmes are drawn in their department's colour, others in grey-blue;
    ``small`` writes counts of 1 to 4 as "<5" and draws their bars as counts.small_bars does."""
    d = df.assign(_name=names(df, lang).to_numpy())
    if sort:
        d = d.sort_values([measure, "_name"], ascending=[False, True], kind="mergesort")
    d = d.reset_index(drop=True)
    if by == "department":
        colours = [department_colour(k) for k in d["key"]]
    elif "department_code" in d:
        colours = [department_colour(k) for k in d["department_code"]]
    else:
        colours = [DEPARTMENT_COLOURS["MZ"]] * len(d)
    values = d[measure].astype(float).fillna(0)
    fmt = formatting.yuan if measure == "amount_yuan" else formatting.counter(small)
    text = [fmt(v, lang) for v in values]
    heights, hatch = counts.small_bars(values, small and measure != "amount_yuan")
    fig = go.Figure(
        go.Bar(
            x=d["key"].astype(str),
            y=heights,
            marker={
                "color": colours,
                "pattern": counts.pattern(hatch),
            },
            text=text,
            textposition="outside",
            cliponaxis=False,
            customdata=np.stack([d["key"].astype(str), d["_name"], text], axis=-1),
            hovertemplate="<b>%{customdata[1]}</b><br>%{customdata[2]}<extra></extra>",
            name=label(measure, lang),
        )
    )
    _base_layout(fig, title, height)
    _category_axis(fig, list(d["key"].astype(str)), list(d["_name"]), lang)
    top = max(heights, default=0.0)
    _bar_text(fig, len(d), top=top * 1.18 or 1)
    fig.update_yaxes(
        title={"text": label(measure, lang)},
        gridcolor="#eeeeee",
        range=[0, top * 1.18 or 1],
    )
    return fig


def _mark_days(fig: go.Figure, marks: Mapping[str, date | None]) -> None:
    """Vertical dotted lines with a label for named days (New Year, Spring Festival, ...)."""
    for label, day in marks.items():
        if day is None:
            continue
        fig.add_shape(
            type="line",
            x0=day,
            x1=day,
            xref="x",
            y0=0,
            y1=1,
            yref="paper",
            line={"color": EXPECTED, "dash": "dot", "width": 2},
        )
        fig.add_annotation(
            x=day,
            y=1,
            xref="x",
            yref="paper",
            text=label,
            showarrow=False,
            yanchor="bottom",
            font={"size": 14, "color": EXPECTED},
        )


def pacing_chart(
    df: pd.DataFrame,
    *,
    title: str,
    lang: str,
    marks: Mapping[str, date | None] | None = None,
    height: int = 420,
) -> go.Figure:
    """Cumulative share of eligible beneficiaries reached, day by day, against the expected
    share (the part of the campaign window elapsed)."""
    d = df.sort_values("day").reset_index(drop=True)
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=d["day"],
            y=(d["expected"].astype(float) * 100).round(1),
            mode="lines",
            line={"color": EXPECTED, "dash": "dash", "width": 2},
            name=i18n.t("dash_chart_expected_share", lang),
            hovertemplate="%{x|%Y-%m-%d}: %{y:.1f}%<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=d["day"],
            y=(d["share"].astype(float) * 100).round(1),
            mode="lines+markers",
            line={"color": DEPARTMENT_COLOURS["MZ"], "width": 3},
            marker={"size": 5},
            name=i18n.t("dash_chart_reached_share", lang),
            hovertemplate="%{x|%Y-%m-%d}: %{y:.1f}%<extra></extra>",
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
    fig.update_xaxes(tickformat="%m-%d", gridcolor="#f4f4f4")
    _mark_days(fig, marks or {})
    return fig


def timeline_chart(
    df: pd.DataFrame,
    *,
    measure: str,
    title: str,
    lang: str,
    window: tuple[date, date] | None = None,
    marks: Mapping[str, date | None] | None = None,
    height: int = 460,
    small: bool = False,
) -> go.Figure:
    """A daily measure (records, amount_yuan, newly_reached) stacked by department, one
    colour per department, across the campaign window; ``small``: a day's count of 1 to 4
    is "<5" on hover and its bar drawn as counts.small_bars does."""
    d = df.assign(_name=names(df, lang).to_numpy()).sort_values(["key", "day"])
    fmt = formatting.yuan if measure == "amount_yuan" else formatting.counter(small)
    fig = go.Figure()
    for key, rows in d.groupby("key", sort=False):
        values = rows[measure].astype(float)
        heights, hatch = counts.small_bars(values, small and measure != "amount_yuan")
        name = _short(str(rows["_name"].iloc[0]), LEGEND_CHARS)  # full name on hover
        if any(hatch):  # the legend draws a trace's first bar: its key, unhatched, apart
            fig.add_trace(
                go.Bar(
                    x=[None], y=[None], name=name, legendgroup=str(key),
                    marker={"color": department_colour(str(key))}, hoverinfo="skip",
                )
            )  # fmt: skip
        fig.add_trace(
            go.Bar(
                x=rows["day"],
                y=heights,
                name=name,
                legendgroup=str(key),
                showlegend=not any(hatch),
                marker={
                    "color": department_colour(str(key)),
                    "pattern": counts.pattern(hatch),
                },
                customdata=np.stack(
                    [rows["key"].astype(str), rows["_name"], [fmt(v, lang) for v in values]],
                    axis=-1,
                ),
                hovertemplate=(
                    "<b>%{customdata[1]}</b> %{x|%Y-%m-%d}: %{customdata[2]}<extra></extra>"
                ),
            )
        )
    _base_layout(fig, title, height)
    fig.update_layout(
        barmode="stack",
        showlegend=True,
        legend=LEGEND_BELOW,
        clickmode="none",
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
    )
    fig.update_yaxes(title={"text": label(measure, lang)}, gridcolor="#eeeeee")
    if window is not None:
        fig.update_xaxes(range=[window[0] - timedelta(days=1), window[1] + timedelta(days=1)])
    # dates, said outright: a first trace with no points (a hatched bar's legend key) made
    # plotly guess a linear axis, and a district's timeline drew no bars
    fig.update_xaxes(type="date", tickformat="%m-%d")
    _mark_days(fig, marks or {})
    return fig
