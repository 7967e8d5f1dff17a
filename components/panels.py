"""How a figure or table sits on a page: the chart, its definitions (from
metrics.DEFINITIONS, never retyped), the "does not add up" note where it applies, and the
data behind it with CSV and Excel downloads of exactly those rows. Also the headline cards."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import export, figures, tables
from components.session import View
from warmth import formatting, metrics
from warmth.briefing import deck
from warmth.reveal import Reveal

PLOTLY_CONFIG = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["lasso2d", "select2d", "zoom2d", "pan2d", "autoScale2d"],
    "toImageButtonOptions": {"format": "png", "scale": 2},
}
NOT_ADDITIVE = ("category", "programme", "department")
BAND_STREAMLIT = {"green": "green", "amber": "orange", "red": "red", None: "gray"}


def definition(key: str, lang: str) -> tuple[str, str]:
    d = metrics.DEFINITIONS[key]
    return (d.label_zh, d.help_zh) if lang == "zh" else (d.label_en, d.help_en)


def help_text(keys: Iterable[str], lang: str) -> str:
    """Markdown: each figure's label and definition, from metrics.DEFINITIONS."""
    return "\n\n".join(
        f"**{label}**: {text}" for label, text in (definition(k, lang) for k in keys)
    )


def band_legend(view: View) -> str:
    """The coverage bands as coloured badges (markdown)."""
    return " ".join(
        f":{BAND_STREAMLIT[b]}-badge[{view.t(f'dash_band_{b}')}]" for b in ("green", "amber", "red")
    )


def picked(event: object) -> str | None:
    """The code of the point a selection event picked (customdata[0], else x), or None."""
    if not event:
        return None
    try:
        points = event["selection"]["points"]  # item access: works for real and test events
    except (KeyError, TypeError):
        return None
    if not points:
        return None
    point = points[0]
    custom = point.get("customdata")
    if custom:
        return str(custom[0] if isinstance(custom, list | tuple) else custom)
    for k in ("x", "label"):
        if point.get(k) is not None:
            return str(point[k])
    return None


def text_width(text: str) -> int:
    """Pixels a cell needs for text in the data grid's type: Chinese characters are full
    width, the rest about half; with the cell's padding."""
    return 24 + sum(15 if unicodedata.east_asian_width(c) in "WF" else 8 for c in text)


def names_fit(df: pd.DataFrame) -> dict:
    """A column config giving the first column (a table's row names) the width of its
    longest name. The data grid sizes a column by its first rows only: a table of districts
    whose first dozen names have three characters cut "浦东新区" to "浦东新"."""
    if df.empty or not (
        pd.api.types.is_string_dtype(df.iloc[:, 0]) or df.iloc[:, 0].dtype == object
    ):
        return {}
    first = df.columns[0]
    names = pd.Series(df.iloc[:, 0].dropna().unique()).astype(str)
    # only the longest by characters are measured: a 1,000-row page 6.7 -> 2.4 ms a run
    longest = names[names.str.len().nlargest(LONGEST).index]
    widest = max(text_width(v) for v in [str(first), *longest])
    return {first: st.column_config.Column(width=min(widest, 400))}


LONGEST = 32  # names measured: the longest by characters (a column's names share a script)


def fit_height(rows: int, cap: int = 640) -> int:
    """A table height that shows every row without scrolling, up to cap pixels."""
    return min(35 * (rows + 1) + 3, cap)


# A table behind a chart: the frame itself, or a function that builds it when it is shown.
Table = pd.DataFrame | Callable[[], pd.DataFrame]


def data_key(key: str) -> str:
    """The session-state key of a chart's "data and definitions" expander (True: open)."""
    return f"{key}_data"


def data_expander(
    fig: go.Figure, table: Table, *, key: str, kind: str, view: View, help_md: str
) -> None:
    """The chart's definitions and its data with the downloads (CSV, Excel, the chart as
    PNG), in an expander that tracks whether it is open: all of it is built and sent only
    while it is open (opening it reruns the page), so a page load carries none of it."""
    box = st.expander(
        view.t("dash_data_and_definitions"),
        icon=":material/table:",
        key=data_key(key),
        on_change="rerun",
    )
    with box:
        if not box.open:
            return
        if help_md:
            st.markdown(help_md)
        shown = table() if callable(table) else table
        st.dataframe(shown, hide_index=True, key=f"{key}_table", height=fit_height(len(shown)))
        export.buttons(shown, kind=kind, key=f"{key}_dl", view=view)
        export.png_button(fig, kind=kind, key=f"{key}_png", view=view)


def chart(
    fig: go.Figure,
    table: Table,
    *,
    key: str,
    kind: str,
    view: View,
    help_keys: Iterable[str] = ("coverage",),
    by: str | None = None,
    select: bool = False,
) -> str | None:
    """Show fig with its definitions and its data (table: built only when its expander is
    open, if a function); return the code a click picked (when select is on)."""
    keys = tuple(help_keys)
    if select:
        event = st.plotly_chart(
            fig,
            key=key,
            on_select="rerun",
            selection_mode="points",
            config=PLOTLY_CONFIG,
        )
    else:
        st.plotly_chart(fig, key=key, config=PLOTLY_CONFIG)
        event = None
    notes = []
    if keys and keys[0] == "coverage":
        notes.append(band_legend(view))
    if keys:
        notes.append(":material/info: " + definition(keys[0], view.lang)[1])
    if by in NOT_ADDITIVE:
        notes.append(view.t("dash_not_additive"))
    if select:
        notes.append(view.t("dash_click_to_drill"))
    st.caption("  \n".join(notes))
    data_expander(fig, table, key=key, kind=kind, view=view, help_md=help_text(keys, view.lang))
    return picked(event)


def table(
    df: pd.DataFrame,
    *,
    key: str,
    kind: str,
    view: View,
    help_keys: Iterable[str] = (),
    caption: str | None = None,
    column_config: dict | None = None,
    height: int | None = None,
    reveal: Reveal | None = None,
    static: bool = False,
) -> None:
    """A table on screen with its downloads (the same rows; reveal: shown unmasked).
    static: a few rows drawn as a plain table (no data grid: a page that shows no other grid
    then loads none of the grid's code, about 1.3 MB of scripts in the browser)."""
    if static:
        # compact, names whole, in a box that scrolls sideways where the column is narrower
        st.html(STATIC_CSS)  # style only: Streamlit adds it to the page, taking no room
        box = f'<div class="{STATIC}">\n\n{tables.markdown_table(df)}\n\n</div>'
        st.container(key=key).markdown(box, unsafe_allow_html=True)
    else:
        height = height or fit_height(len(df))
        config = names_fit(df) | (column_config or {})
        st.dataframe(df, hide_index=True, key=key, column_config=config, height=height)
    if caption:
        st.caption(caption)
    keys = tuple(help_keys)
    if keys:
        with st.expander(view.t("dash_definitions"), icon=":material/info:"):
            st.markdown(help_text(keys, view.lang))
    export.buttons(df, kind=kind, key=f"{key}_dl", view=view, reveal=reveal)


# A static table: the type a step smaller and the cells' padding half the theme's, figures on
# one line, names broken at spaces only (never inside a word, or a Chinese name character by
# character, as "浦/东/新/区" was at 1280×720), and the box scrolls sideways if still too narrow.
STATIC = "warmth-static-table"
STATIC_CSS = (
    f"<style>.{STATIC} {{overflow-x: auto}}"
    f" .{STATIC} table {{font-size: 0.875rem}}"
    f" .{STATIC} th, .{STATIC} td {{padding: 0.25rem 0.5rem; white-space: nowrap}}"
    f" .{STATIC} td:first-child {{white-space: normal; word-break: keep-all}}</style>"
)


# A headline card's width in pixels: its figure ("3,020,400", "5,771.4 万元") whole at the
# theme's size; the cards of a row wrap onto the next line where the page is too narrow
# (a 1280×720 projector with the sidebar open) instead of cutting their figures.
CARD_WIDTH = 248


def headline_cards(h: dict, view: View) -> None:
    """The city (or district) headline in cards: who is eligible, reached, left out, paid
    twice, paid wrongly; money out; days to the Spring Festival; pace."""
    lang, t = view.lang, view.t

    def card(row, key: str, value: str, **kwargs) -> None:
        label, help_ = definition(key, lang)
        row.metric(label, value, help=help_, border=True, width=CARD_WIDTH, **kwargs)

    cov = h.get("coverage")
    band = metrics.band(cov)
    row1 = st.container(horizontal=True, gap="small")  # cards wrap on a narrow screen
    card(row1, "eligible", formatting.integer(h.get("eligible"), lang))
    card(row1, "reached", formatting.integer(h.get("reached"), lang))
    card(
        row1,
        "coverage",
        formatting.percent(cov, lang),
        delta=t(f"dash_band_{band}") if band else None,
        delta_color=BAND_STREAMLIT[band],
        delta_arrow="off",
    )
    card(row1, "omitted", formatting.integer(h.get("omitted"), lang))
    card(row1, "amount_yuan", formatting.yuan(h.get("amount_yuan"), lang))

    row2 = st.container(horizontal=True, gap="small")
    card(row2, "repeat_beneficiaries", formatting.integer(h.get("repeat_beneficiaries"), lang))
    card(row2, "overlap_beneficiaries", formatting.integer(h.get("overlap_beneficiaries"), lang))
    card(row2, "leakage_beneficiaries", formatting.integer(h.get("leakage_beneficiaries"), lang))
    days = h.get("days_to_spring_festival")
    row2.metric(
        t("dash_days_to_sf"),
        "—" if days is None else (t("dash_days", n=days) if days >= 0 else t("dash_sf_passed")),
        help=t("dash_days_to_sf_help"),
        border=True,
        width=CARD_WIDTH,
    )
    status = h.get("pacing_status")
    expected = h.get("expected_share")
    label, help_ = definition("pacing", lang)
    gap = None if cov is None or expected is None or cov != cov else (cov - expected) * 100
    row2.metric(
        label,
        t(f"dash_pacing_{status}") if status else "—",
        delta=None if gap is None else t("dash_points_vs_expected", gap=f"{gap:+.1f}"),
        delta_color="red" if status == "behind" else "green",
        delta_arrow="off",
        help=help_,
        border=True,
        width=CARD_WIDTH,
    )


def coverage_panel(
    frame: pd.DataFrame,
    *,
    by: str,
    key: str,
    view: View,
    title: str,
    expected: float | None = None,
    select: bool = False,
    kind: str | None = None,
    columns: tuple[str, ...] = tables.COVERAGE_COLUMNS,
    help_keys: Iterable[str] = ("coverage",),
) -> str | None:
    """Coverage of each row as band-coloured bars, with its table and downloads."""
    fig = figures.figure(
        "coverage_bar", frame, by=by, title=title, lang=view.lang, expected=expected
    )
    return chart(
        fig,
        lambda: figures.table("coverage_table", frame, by=by, lang=view.lang, columns=columns),
        key=key,
        kind=kind or f"coverage_by_{by}",
        view=view,
        by=by,
        select=select,
        help_keys=help_keys,
    )


def district_panels(
    by_district: pd.DataFrame, *, key: str, view: View, expected: float | None
) -> str | None:
    """Coverage by district as sorted bars beside the tile map; returns a clicked district."""
    left, right = st.columns([3, 2], gap="large")
    with left:
        picked = coverage_panel(
            by_district,
            by="district",
            key=f"{key}_district_bar",
            view=view,
            title=view.t("dash_cov_by_district"),
            expected=expected,
            select=True,
        )
    with right:
        fig = figures.figure("tile_map", by_district, title=view.t("dash_tile_map"), lang=view.lang)
        tile = chart(
            fig,
            lambda: figures.table("coverage_table", by_district, by="district", lang=view.lang),
            key=f"{key}_district_tiles",
            kind="coverage_by_district",
            view=view,
            by="district",
            select=True,
        )
    return tile or picked


def pacing_panel(pace: pd.DataFrame, *, key: str, view: View, marks: dict) -> None:
    """Cumulative coverage against the expected share, festivals marked."""
    fig = figures.figure(
        "pacing_chart", pace, title=view.t("dash_pacing_title"), lang=view.lang, marks=marks
    )
    chart(
        fig,
        lambda: figures.table("pacing_table", pace, lang=view.lang),
        key=key,
        kind="pacing",
        view=view,
        help_keys=("pacing", "reached"),
    )


def festival_marks(view: View, *, as_of: bool = False) -> dict:
    """The days to mark on time charts: New Year, Spring Festival (and the as-of day)."""
    return deck.marks(view.campaign, view.lang, view.as_of if as_of else None)


def measure_panel(
    frame: pd.DataFrame,
    *,
    by: str,
    measure: str,
    key: str,
    view: View,
    title: str,
    also: tuple[str, ...] = (),
) -> None:
    """A count or amount per row (in department colours where it applies), with its data."""
    fig = figures.figure("measure_bar", frame, by=by, measure=measure, title=title, lang=view.lang)

    def shown() -> pd.DataFrame:
        return figures.table(
            "measure_table",
            frame,
            by=by,
            measures=(*also, measure),
            lang=view.lang,
            sort_by=measure,
        )

    chart(
        fig, shown, key=key, kind=f"{measure}_by_{by}", view=view, help_keys=(measure, *also), by=by
    )
