"""Figure builders of the gaps and reporting pages: tidy frame in, plotly figure out. No
streamlit here; the same keyword vocabulary as warmth/figures/charts.py (``title=``, ``lang=``).

The two square matrices (department × department overlap, district × department reporting
status) put their columns on top. Column labels are names wrapped onto short horizontal
lines, and the top margin is sized for the title plus the tallest label, so the labels never
run into the title in either language; each square's hover names both of its ends in full.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import plotly.graph_objects as go

from warmth import formatting, i18n
from warmth.figures import charts, counts

STATUS_COLOURS = {"on_time": "#2e7d32", "late": "#f0ad4e", "none": "#c9c9c9"}
OVERLAP_SCALE = [[0, "#fde4cc"], [1, "#c2410c"]]
LINE_CHARS = {"en": 14, "zh": 8}  # a column label's line, in characters
LINE_PX = 16  # the height of one line of a column label
TITLE_PAD, TITLE_PX = 14, 30  # above the title; the title's own line


def column_label(name: str, lang: str) -> str:
    """A column name on short lines (<br>): English at word breaks, Chinese in even halves."""
    limit = LINE_CHARS.get(lang, LINE_CHARS["en"])
    if len(name) <= limit:
        return name
    if lang != "en" or " " not in name:
        half = (len(name) + 1) // 2
        return f"{name[:half]}<br>{name[half:]}"
    lines, line = [], ""
    for word in name.split():
        if line and len(line) + 1 + len(word) > limit:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "<br>".join(lines)


def _title(text: str) -> dict:
    """At the top of the figure, above the band the column labels take (see _top_margin)."""
    return {
        "text": text,
        "font": {"size": 16},
        "yref": "container",
        "y": 1,
        "yanchor": "top",
        "pad": {"t": TITLE_PAD},
    }


def _top_margin(lines: int) -> int:
    """Room for the title and, under it, column labels of this many lines."""
    return TITLE_PAD + TITLE_PX + LINE_PX * lines + 12


def _matrix_axes(
    fig: go.Figure,
    columns: list[str],
    rows: list[str],
    *,
    column_names: Mapping[str, str],
    row_names: Mapping[str, str],
    lang: str,
) -> int:
    """Codes on both axes (what a click returns), names as tick text; the columns on top,
    the first row at the top. Returns the number of lines of the tallest column label."""
    ticks = [column_label(column_names.get(c, c), lang) for c in columns]
    fig.update_xaxes(
        type="category",
        categoryorder="array",
        categoryarray=columns,
        tickmode="array",
        tickvals=columns,
        ticktext=ticks,
        side="top",
        automargin=True,
    )
    fig.update_yaxes(
        type="category",
        categoryorder="array",
        categoryarray=rows,
        tickmode="array",
        tickvals=rows,
        ticktext=[row_names.get(c, c) for c in rows],
        autorange="reversed",
        automargin=True,
    )
    return max((t.count("<br>") + 1 for t in ticks), default=1)


def overlap_figure(
    matrix: pd.DataFrame,
    *,
    order: list[str],
    names: Mapping[str, str],
    title: str,
    lang: str,
) -> go.Figure:
    """Department × department squares (both halves, so the matrix reads either way), sized
    and coloured by the number of people; customdata = [dept_a, dept_b] (the row, the
    column), x and y the department codes."""
    cells = pd.concat(
        [matrix, matrix.rename(columns={"dept_a": "dept_b", "dept_b": "dept_a"})],
        ignore_index=True,
    )
    cells = cells.groupby(["dept_a", "dept_b"], as_index=False)["beneficiaries"].sum()
    cells = cells[cells["beneficiaries"] > 0]
    used = [d for d in order if d in set(cells["dept_a"]) | set(cells["dept_b"])]
    top = max(int(cells["beneficiaries"].max()), 1) if len(cells) else 1
    fig = go.Figure(
        go.Scatter(
            x=list(cells["dept_b"].astype(str)),
            y=list(cells["dept_a"].astype(str)),
            mode="markers+text",
            marker={
                "symbol": "square",
                "size": [22 + 30 * (v / top) ** 0.5 for v in cells["beneficiaries"]],
                "color": cells["beneficiaries"],
                "colorscale": OVERLAP_SCALE,
                "cmin": 0,
                "line": {"width": 1, "color": "#888"},
                "showscale": True,
                "colorbar": {"title": i18n.t("gaps_overlap_count", lang), "thickness": 12},
            },
            text=[formatting.integer(v, lang) for v in cells["beneficiaries"]],
            textfont={"size": 11, "color": "#222"},
            customdata=cells[["dept_a", "dept_b"]].to_numpy(),
            hovertext=[
                f"{names.get(a, a)} × {names.get(b, b)}"
                for a, b in zip(cells["dept_a"], cells["dept_b"], strict=True)
            ],
            selected={"marker": {"opacity": 1}},
            unselected={"marker": {"opacity": 0.55}},
            hovertemplate="%{hovertext}<br>%{text}<extra></extra>",
        )
    )
    fig.update_layout(
        title=_title(title),
        font={"family": charts.FONT},
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        plot_bgcolor="white",
        clickmode="event+select",
        dragmode=False,
    )
    lines = _matrix_axes(fig, used, used, column_names=names, row_names=names, lang=lang)
    fig.update_xaxes(showgrid=True)
    fig.update_yaxes(showgrid=True)
    fig.update_layout(
        height=max(360, 70 * len(used) + 140) + LINE_PX * lines,
        margin={"t": _top_margin(lines)},
    )
    return fig


def reporting_state(records: int, on_time: bool) -> str:
    """on_time | late | none: no records is none, whatever the deadline."""
    if not records:
        return "none"
    return "on_time" if on_time else "late"


def status_figure(
    status: pd.DataFrame,
    *,
    districts: Mapping[str, str],
    departments: Mapping[str, str],
    title: str,
    lang: str,
) -> go.Figure:
    """District × department squares coloured on time / late / none, records as text: one
    trace per state (the legend), x the department code, y the district code, rows and
    columns in the order of the districts and departments mappings."""
    d = status.assign(
        state=[
            reporting_state(r, ok)
            for r, ok in zip(status["records"], status["on_time"], strict=True)
        ]
    )
    fig = go.Figure()
    for state, colour in STATUS_COLOURS.items():
        part = d[d["state"] == state]
        name = i18n.t(f"submit_status_{state}", lang)
        fig.add_scatter(
            x=list(part["department_code"].astype(str)),
            y=list(part["district_code"].astype(str)),
            mode="markers+text",
            name=name,
            marker={"symbol": "square", "size": 27, "color": colour},
            text=[formatting.integer(v, lang) if v else "" for v in part["records"]],
            textfont={"size": 9, "color": "#111"},
            customdata=part[["district_code", "department_code"]].to_numpy(),
            hovertext=[
                f"{districts.get(a, a)} · {departments.get(b, b)}"
                for a, b in zip(part["district_code"], part["department_code"], strict=True)
            ],
            hovertemplate="%{hovertext}<br>%{text}<extra>" + name + "</extra>",
        )
    columns = [c for c in departments if c in set(d["department_code"])]
    rows = [c for c in districts if c in set(d["district_code"])]
    fig.update_layout(
        title=_title(title),
        font={"family": charts.FONT},
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
        plot_bgcolor="white",
        # below the squares: the space above them belongs to the title and the columns
        legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 0, "yanchor": "top"},
    )
    lines = _matrix_axes(
        fig, columns, rows, column_names=departments, row_names=districts, lang=lang
    )
    fig.update_layout(
        height=max(360, 38 * len(rows) + 160) + LINE_PX * lines,
        margin={"t": _top_margin(lines)},
    )
    return fig


def leakage_omission_figure(
    by_district: pd.DataFrame, *, title: str, lang: str, small: bool = False, height: int = 420
) -> go.Figure:
    """Omitted and leakage beneficiaries side by side per district (the two errors), most
    omitted first; customdata the district code; ``small`` writes counts of 1 to 4 as "<5" and
    draws their bars as counts.small_bars does."""
    d = by_district.assign(_name=charts.names(by_district, lang).to_numpy())
    d = d.sort_values("omitted", ascending=False, kind="mergesort")
    count = formatting.counter(small)
    fig = go.Figure()
    for col, colour in (("omitted", "#d9534f"), ("leakage_beneficiaries", "#6a3d9a")):
        heights, hatch = counts.small_bars(d[col], small)
        fig.add_bar(
            x=d["_name"],
            y=heights,
            name=charts.label(col, lang),
            marker={"color": colour, "pattern": counts.pattern(hatch)},
            text=[
                formatting.small_count(v, lang) if h else ""
                for v, h in zip(d[col], hatch, strict=True)
            ],
            textposition="outside",
            cliponaxis=False,
            customdata=d["key"].astype(str),
            hovertext=[count(v, lang) for v in d[col]],
            hovertemplate="%{x}<br>" + charts.label(col, lang) + ": %{hovertext}<extra></extra>",
        )
    fig.update_layout(
        # the same type as every other chart (charts._base_layout)
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 20}},
        font={"family": charts.FONT, "size": 15, "color": charts.INK},
        barmode="group",
        height=height,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
        plot_bgcolor="white",
    )
    fig.update_yaxes(gridcolor="#eeeeee")
    return fig
