"""The people lists of the gaps page (不遗漏、少重复): which list, one paged and masked list
with its downloads and its 'view' audit row, the street picker of the omission list, the
overlap matrix whose squares pick a list, and leakage against omission by district.

Each widget owns its session keys; the page hands in the View and the frames."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from components import data, panels, reveal, urlstate
from components.filters import describe
from components.session import View
from warmth import formatting, i18n
from warmth.figures import gaps as gap_charts
from warmth.scope import Filters

SECTIONS = ("omission", "repeat", "overlap", "leakage", "cross")
SECTION_KEY = "gaps_section"
MATRIX_KEY = "gaps_overlap_matrix"
CELL_KEY = "gaps_overlap_cell"
SEEN_KEY = "gaps_overlap_seen"
AUDITED_KEY = "gaps_audited"
STREET_KEY = "gaps_street"
PAGE_SIZES = (100, 1000, 5000)
LIST_OF = {"cross": "cross-district"}

Cell = tuple[str, str, str | None]  # dept_a, dept_b, need (None: all needs)


def need_label(need: str, lang: str) -> str:
    key = f"gaps_need_{need}"
    return i18n.t(key, lang) if key in i18n.table() else need


# a column of codes -> the reference table its names come from
NAMED = {
    "district_code": "districts",
    "other_district_code": "districts",
    "street_code": "streets",
    "other_street_code": "streets",
    "categories": "categories",
    "other_categories": "categories",
    "programmes": "programmes",
    "programme_code": "programmes",
    "departments": "departments",
}
LABELS = {
    "district_code": "district",
    "other_district_code": "other_district",
    "street_code": "street",
    "other_street_code": "other_street",
    "programme_code": "programmes",
}


def _each_distinct(values: pd.Series, spell) -> pd.Series:
    """values.map(spell), spelling each distinct value once (a page of 1,000 people holds a
    few dozen streets and category sets); a missing value is an empty cell."""
    codes, uniques = pd.factorize(values)  # a missing value: -1, the "" at the end
    return pd.Series(
        np.array([spell(u) for u in uniques] + [""], dtype=object)[codes], index=values.index
    )


def shown(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A worklist as shown and exported: codes as names, columns labelled in lang."""
    columns = {}
    for col in df.columns:
        values = df[col]
        if col in NAMED:
            table = data.names(NAMED[col], lang)
            values = _each_distinct(
                values,
                lambda v, table=table: formatting.join(
                    (table.get(c, c) for c in str(v or "").split(";") if c), lang
                ),
            )
        elif col == "need":
            values = _each_distinct(
                values,
                lambda v: formatting.join((need_label(n, lang) for n in str(v).split(";")), lang),
            )
        elif col == "reason":
            values = _each_distinct(values, lambda v: i18n.t(f"gaps_reason_{v}", lang))
        elif col == "household_size":
            values = values.map(lambda v: "" if v is None or v != v else str(int(v)))
        elif col in ("name", "address"):
            values = values.map(lambda v: "—" if v is None or v != v else v)
        columns[i18n.t(f"gaps_col_{LABELS.get(col, col)}", lang)] = values.to_numpy()
    return pd.DataFrame(columns, index=pd.RangeIndex(len(df)))


def section(view: View) -> str:
    """Which list (kept in the URL as ?list=)."""
    urlstate.seed(SECTION_KEY, "list", SECTIONS, default="omission")
    picked = st.segmented_control(
        view.t("gaps_section"),
        options=list(SECTIONS),
        format_func=lambda s: view.t(f"gaps_sec_{s}"),
        required=True,
        key=SECTION_KEY,
        label_visibility="collapsed",
    )
    picked = picked if picked in SECTIONS else "omission"
    urlstate.keep("list", picked, "omission")
    return picked


def worklist(
    kind: str, filters: Filters, *, key: str, help_key: str, view: View, cell: Cell | None = None
) -> None:
    """One paged worklist with its downloads (exactly the rows shown). The omission list
    also picks a street (the outreach unit)."""
    t, lang = view.t, view.lang
    st.caption(t(help_key))
    cols = st.columns([2, 1, 1, 2] if kind == "omission" else [1, 1, 4])
    if kind == "omission":
        filters = street_picker(cols[0], filters, view=view)
        cols = cols[1:]
    size = cols[0].selectbox(t("gaps_page_size"), PAGE_SIZES, index=1, key=f"{key}_size")
    page_no = cols[1].number_input(t("gaps_page"), min_value=1, step=1, key=f"{key}_page")
    offset = (int(page_no) - 1) * int(size)
    listed = LIST_OF.get(kind, kind)
    rows, total, more = data.worklist(listed, view.scope, filters, int(size), offset, cell)
    if rows.empty:
        st.info(t("gaps_none"), icon=":material/check_circle:")
        return
    audit_view(kind, filters, cell, offset, len(rows), view=view)
    what = (kind, repr(filters), cell, offset, int(size))
    granted = reveal.control(
        f"{key}_reveal", what, rows=len(rows), list_kind=listed, filters=filters, view=view
    )
    if granted is not None:
        rows, _, _ = data.worklist(
            listed, view.scope, filters, int(size), offset, cell, unmask=True
        )
    table = shown(rows, lang)
    count = formatting.integer(total, lang) + ("+" if more else "")  # "+": counted only so far
    shown_rows = t("gaps_showing", first=offset + 1, last=offset + len(table), total=count)
    st.markdown(f"**{t('gaps_total', total=count)}** · {shown_rows}")
    panels.table(
        table,
        key=key,
        kind=f"worklist_{kind}",
        view=view,
        height=min(panels.fit_height(len(table)), 560),
        reveal=granted,
    )


def audit_view(kind: str, filters: Filters, cell, offset: int, rows: int, *, view: View) -> None:
    """A 'view' audit row the first time this session shows a page of a people list."""
    seen = st.session_state.setdefault(AUDITED_KEY, set())
    what = (kind, repr(filters), cell, offset)
    if what in seen:
        return
    detail = {"list": kind, "filters": describe(filters, "en"), "offset": offset}
    if cell:
        detail["cell"] = list(cell)
    if data.record_audit(view.scope, action="view", detail=detail, row_count=rows):
        seen.add(what)  # else best effort, like the export audit: try again on the next run


def street_picker(col, filters: Filters, *, view: View) -> Filters:
    """A street of the districts in view (all streets when none is picked)."""
    t = view.t
    streets = data.reference("streets", view.lang)
    in_view = filters.districts or sorted(view.scope.districts)
    streets = streets[streets["district_code"].isin(in_view)]
    names = dict(zip(streets["code"].astype(str), streets["name"].astype(str), strict=True))
    options = ["", *names]
    if st.session_state.get(STREET_KEY) not in options:
        st.session_state[STREET_KEY] = ""
    street = col.selectbox(
        t("gaps_street"),
        options,
        format_func=lambda c: names.get(c, t("gaps_all_streets")),
        key=STREET_KEY,
    )
    return replace(filters, streets=(street,)) if street else filters


def overlap_cell(matrix: pd.DataFrame, *, view: View) -> Cell | None:
    """The need picker and the overlap matrix; returns the picked square (kept until Clear)
    with the need, or None. A picked square is named under the matrix with its Clear button."""
    t, lang = view.t, view.lang
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
        fig = gap_charts.overlap_figure(
            shown_matrix,
            order=list(dept_names),
            names=dept_names,
            title=t("gaps_overlap_matrix"),
            lang=lang,
        )
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
        if points and seen != st.session_state.get(SEEN_KEY):
            custom = points[0].get("customdata") or []
            if len(custom) >= 2 and custom[0] in dept_names and custom[1] in dept_names:
                st.session_state[CELL_KEY] = (str(custom[0]), str(custom[1]))
        st.session_state[SEEN_KEY] = seen
    cell = st.session_state.get(CELL_KEY)
    if not cell:
        return None
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
    return a, b, need or None


def leakage_panel(by_district: pd.DataFrame, *, view: View) -> None:
    """Leakage against omission by district, with both definitions."""
    if not len(by_district):
        return
    st.plotly_chart(
        gap_charts.leakage_omission_figure(
            by_district, title=view.t("gaps_leakage_vs_omission"), lang=view.lang
        ),
        key="gaps_leakage_bar",
        config=panels.PLOTLY_CONFIG,
    )
    st.caption(panels.help_text(("omitted", "leakage_beneficiaries"), view.lang))
