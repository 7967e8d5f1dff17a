"""不遗漏、少重复: the people behind omission, repeats, overlap, leakage and cross-district
registrations, as masked worklists that can be filtered, paged and downloaded for outreach.

The overlap matrix is a scatter of square markers (a heatmap cannot be clicked): clicking a
square lists the people both departments helped for that need."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go
import sqlalchemy as sa
import streamlit as st

from components import charts, data, panels, urlstate
from components.filters import describe
from components.session import current
from warmth import audit, i18n, worklists
from warmth.config import database_url
from warmth.scope import Filters, Scope

SECTIONS = ("omission", "repeat", "overlap", "leakage", "cross")
SECTION_KEY = "gaps_section"
MATRIX_KEY = "gaps_overlap_matrix"
CELL_KEY = "gaps_overlap_cell"
PAGE_SIZES = (100, 1000, 5000)
LIST_OF = {"cross": "cross-district"}


# --- data: cached per database, scope, filters and page ----------------------------------


@data.cached
def _fetch(
    url: str,
    kind: str,
    scope: Scope,
    filters: Filters,
    limit: int,
    offset: int,
    cell: tuple[str, str, str | None] | None = None,
) -> tuple[pd.DataFrame, int, bool]:
    extra = {}
    if cell is not None:
        extra = {"dept_a": cell[0], "dept_b": cell[1], "need": cell[2]}
    fn = {
        "omission": worklists.omission,
        "repeat": worklists.repeats,
        "overlap": worklists.overlaps,
        "leakage": worklists.leakage,
        "cross-district": worklists.cross_district,
    }[kind]
    with data.engine().connect() as conn:
        page = fn(conn, scope, filters, limit=limit, offset=offset, **extra)
    return page.rows, page.total, page.more_than_total


@data.guarded
def fetch(kind: str, scope: Scope, filters: Filters, limit: int, offset: int, cell=None):
    return _fetch(database_url(), kind, scope, filters, limit, offset, cell)


# --- display -------------------------------------------------------------------------------


def need_label(need: str, lang: str) -> str:
    key = f"gaps_need_{need}"
    return i18n.t(key, lang) if key in i18n.table() else need


def shown(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A worklist as shown and exported: codes as names, columns labelled in lang."""
    names = {
        "district_code": data.names("districts", lang),
        "other_district_code": data.names("districts", lang),
        "street_code": data.names("streets", lang),
        "other_street_code": data.names("streets", lang),
        "categories": data.names("categories", lang),
        "other_categories": data.names("categories", lang),
        "programmes": data.names("programmes", lang),
        "programme_code": data.names("programmes", lang),
        "departments": data.names("departments", lang),
    }
    labels = {
        "district_code": "district",
        "other_district_code": "other_district",
        "street_code": "street",
        "other_street_code": "other_street",
        "programme_code": "programmes",
    }
    out = pd.DataFrame()
    for col in df.columns:
        values = df[col]
        if col in names:
            table = names[col]
            values = values.map(
                lambda v, table=table: "、".join(
                    table.get(c, c) for c in str(v or "").split(";") if c
                )
            )
        elif col == "need":
            values = values.map(lambda v: "、".join(need_label(n, lang) for n in str(v).split(";")))
        elif col == "reason":
            values = values.map(lambda v: i18n.t(f"gaps_reason_{v}", lang))
        elif col == "household_size":
            values = values.map(lambda v: "" if v is None or v != v else str(int(v)))
        elif col in ("name", "address"):
            values = values.map(lambda v: "—" if v is None or v != v else v)
        out[i18n.t(f"gaps_col_{labels.get(col, col)}", lang)] = values.to_numpy()
    return out


def worklist(kind: str, filters: Filters, key: str, help_key: str, cell=None) -> None:
    """One paged worklist with its downloads (exactly the rows shown). The omission list
    also picks a street (the outreach unit)."""
    st.caption(t(help_key))
    cols = st.columns([2, 1, 1, 2] if kind == "omission" else [1, 1, 4])
    if kind == "omission":
        filters = street_picker(cols[0], filters)
        cols = cols[1:]
    size = cols[0].selectbox(t("gaps_page_size"), PAGE_SIZES, index=1, key=f"{key}_size")
    page_no = cols[1].number_input(t("gaps_page"), min_value=1, step=1, key=f"{key}_page")
    offset = (int(page_no) - 1) * int(size)
    rows, total, more = fetch(LIST_OF.get(kind, kind), scope, filters, int(size), offset, cell)
    if rows.empty:
        st.info(t("gaps_none"), icon=":material/check_circle:")
        return
    audit_view(kind, filters, cell, offset, len(rows))
    table = shown(rows, lang)
    count = i18n.fmt_int(total, lang) + ("+" if more else "")  # "+": counted only so far
    shown_rows = t("gaps_showing", first=offset + 1, last=offset + len(table), total=count)
    st.markdown(f"**{t('gaps_total', total=count)}** · {shown_rows}")
    panels.table(
        table,
        key=key,
        kind=f"worklist_{kind}",
        view=view,
        height=min(panels.fit_height(len(table)), 560),
    )


def audit_view(kind: str, filters: Filters, cell, offset: int, rows: int) -> None:
    """A 'view' audit row the first time this session shows a page of a people list."""
    seen = st.session_state.setdefault("gaps_audited", set())
    what = (kind, repr(filters), cell, offset)
    if what in seen:
        return
    detail = {"list": kind, "filters": describe(filters, "en"), "offset": offset}
    if cell:
        detail["cell"] = list(cell)
    try:
        with data.engine().begin() as conn:
            audit.write_audit(
                conn,
                user=scope.user,
                role=scope.role,
                scope=scope,
                action="view",
                detail=detail,
                row_count=rows,
            )
    except sa.exc.SQLAlchemyError:
        return  # best effort, like the export audit; try again on the next run
    seen.add(what)


def street_picker(col, filters: Filters) -> Filters:
    """A street of the districts in view (all streets when none is picked)."""
    streets = data.reference("streets", lang)
    streets = streets[streets["district_code"].isin(filters.districts or sorted(scope.districts))]
    names = dict(zip(streets["code"].astype(str), streets["name"].astype(str), strict=True))
    options = ["", *names]
    if st.session_state.get("gaps_street") not in options:
        st.session_state["gaps_street"] = ""
    street = col.selectbox(
        t("gaps_street"),
        options,
        format_func=lambda c: names.get(c, t("gaps_all_streets")),
        key="gaps_street",
    )
    return replace(filters, streets=(street,)) if street else filters


def overlap_figure(matrix: pd.DataFrame, order: list[str], names: dict[str, str], title: str):
    """Department × department squares (both halves, so the matrix reads either way), sized
    and coloured by the number of people; customdata = [dept_a, dept_b]."""
    cells = pd.concat(
        [matrix, matrix.rename(columns={"dept_a": "dept_b", "dept_b": "dept_a"})],
        ignore_index=True,
    )
    cells = cells.groupby(["dept_a", "dept_b"], as_index=False)["beneficiaries"].sum()
    cells = cells[cells["beneficiaries"] > 0]
    used = [d for d in order if d in set(cells["dept_a"]) | set(cells["dept_b"])]
    label = {d: names.get(d, d) for d in used}
    top = max(int(cells["beneficiaries"].max()), 1) if len(cells) else 1
    fig = go.Figure(
        go.Scatter(
            x=[label[d] for d in cells["dept_b"]],
            y=[label[d] for d in cells["dept_a"]],
            mode="markers+text",
            marker={
                "symbol": "square",
                "size": [22 + 30 * (v / top) ** 0.5 for v in cells["beneficiaries"]],
                "color": cells["beneficiaries"],
                "colorscale": [[0, "#fde4cc"], [1, "#c2410c"]],
                "cmin": 0,
                "line": {"width": 1, "color": "#888"},
                "showscale": True,
                "colorbar": {"title": t("gaps_overlap_count"), "thickness": 12},
            },
            text=[i18n.fmt_int(v, lang) for v in cells["beneficiaries"]],
            textfont={"size": 11, "color": "#222"},
            customdata=cells[["dept_a", "dept_b"]].to_numpy(),
            selected={"marker": {"opacity": 1}},
            unselected={"marker": {"opacity": 0.55}},
            hovertemplate="%{y} × %{x}<br>%{text}<extra></extra>",
        )
    )
    axis = {"categoryorder": "array", "categoryarray": [label[d] for d in used], "showgrid": True}
    fig.update_layout(
        title={"text": title, "font": {"size": 16}},
        font={"family": charts.FONT},
        height=max(360, 70 * len(used) + 140),
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        plot_bgcolor="white",
        xaxis={**axis, "side": "top"},
        yaxis={**axis, "autorange": "reversed"},
        clickmode="event+select",
        dragmode=False,
    )
    return fig


def leakage_omission_figure(by_district: pd.DataFrame, title: str) -> go.Figure:
    """Omitted and leakage beneficiaries side by side per district (the two errors)."""
    d = by_district.assign(_name=charts.names(by_district, lang).to_numpy())
    d = d.sort_values("omitted", ascending=False, kind="mergesort")
    fig = go.Figure()
    for col, colour in (("omitted", "#d9534f"), ("leakage_beneficiaries", "#6a3d9a")):
        fig.add_bar(
            x=d["_name"],
            y=d[col].fillna(0),
            name=charts.label(col, lang),
            marker_color=colour,
            customdata=d["key"].astype(str),
            hovertemplate="%{x}<br>" + charts.label(col, lang) + ": %{y:,}<extra></extra>",
        )
    fig.update_layout(
        title={"text": title, "font": {"size": 16}},
        font={"family": charts.FONT},
        barmode="group",
        height=420,
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
        plot_bgcolor="white",
    )
    fig.update_yaxes(gridcolor="#eeeeee")
    return fig


# --- the page ------------------------------------------------------------------------------

view = current()
lang, t, scope, f = view.lang, view.t, view.scope, view.filters
st.title(t("gaps_title"))
st.caption(t("gaps_intro"))

urlstate.seed(SECTION_KEY, "list", SECTIONS, default="omission")
section = st.segmented_control(
    t("gaps_section"),
    options=list(SECTIONS),
    format_func=lambda s: t(f"gaps_sec_{s}"),
    required=True,
    key=SECTION_KEY,
    label_visibility="collapsed",
)
section = section if section in SECTIONS else "omission"
urlstate.keep("list", section, "omission")

if section == "omission":
    worklist("omission", f, "gaps_omission", "gaps_omission_help")

elif section == "repeat":
    worklist("repeat", f, "gaps_repeat", "gaps_repeat_help")

elif section == "overlap":
    matrix = data.overlap_matrix(scope, f, lang)
    needs = sorted(matrix["need"].dropna().unique()) if len(matrix) else []
    need = st.columns([1, 2])[0].selectbox(
        t("gaps_need"),
        ["", *needs],
        format_func=lambda n: need_label(n, lang) if n else t("gaps_all_needs"),
        key="gaps_need",
    )
    shown_matrix = matrix[matrix["need"] == need] if need else matrix
    dept_names = data.names("departments", lang)
    if shown_matrix.empty:
        st.info(t("gaps_none"), icon=":material/check_circle:")
    else:
        fig = overlap_figure(shown_matrix, list(dept_names), dept_names, t("gaps_overlap_matrix"))
        event = st.plotly_chart(
            fig,
            key=MATRIX_KEY,
            on_select="rerun",
            selection_mode="points",
            config=panels.PLOTLY_CONFIG,
        )
        points = event["selection"]["points"] if event and "selection" in event else []
        seen = repr(points)
        # a new click picks a square; the pick stays when the square is clicked again (which
        # empties the selection) and goes only with the Clear button
        if points and seen != st.session_state.get("gaps_overlap_seen"):
            custom = points[0].get("customdata") or []
            if len(custom) >= 2 and custom[0] in dept_names and custom[1] in dept_names:
                st.session_state[CELL_KEY] = (str(custom[0]), str(custom[1]))
        st.session_state["gaps_overlap_seen"] = seen
    cell = st.session_state.get(CELL_KEY)
    if cell:
        a, b = cell
        need_text = need_label(need, lang) if need else t("gaps_all_needs")
        st.subheader(
            t("gaps_overlap_cell", a=dept_names.get(a, a), b=dept_names.get(b, b), need=need_text)
        )
        st.button(
            t("gaps_overlap_clear"),
            key="gaps_overlap_clear",
            icon=":material/close:",
            on_click=lambda: st.session_state.pop(CELL_KEY, None),
        )
        worklist("overlap", f, "gaps_overlap", "gaps_overlap_help", cell=(a, b, need or None))
    else:
        st.caption(t("gaps_overlap_pick"))

elif section == "leakage":
    by_district = data.coverage(scope, f, "district", lang)
    if len(by_district):
        st.plotly_chart(
            leakage_omission_figure(by_district, t("gaps_leakage_vs_omission")),
            key="gaps_leakage_bar",
            config=panels.PLOTLY_CONFIG,
        )
        st.caption(panels.help_text(("omitted", "leakage_beneficiaries"), lang))
    st.subheader(t("gaps_leakage_list"))
    worklist("leakage", f, "gaps_leakage", "gaps_leakage_help")

else:
    worklist("cross", f, "gaps_cross", "gaps_cross_help")
