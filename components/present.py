"""Presentation mode (?present=1): the meeting's fixed sequence of slides (warmth.briefing.deck),
full screen, without sidebar or menus.

- The slide is in the URL (&slide=3, from 1), so one can be linked; Previous / Next buttons,
  and the keys a presentation clicker sends (Left / Right arrows, PageUp / PageDown), heard
  by the slide's counter itself (components/clicker.py), so a key pressed as soon as a
  slide shows moves exactly one slide.
- &every=30 advances by itself every 30 seconds (5 to 3600) for a wall screen: the slide is
  a fragment that runs again on that timer and reads the data version each time, so the
  figures shown are those of the last committed write.
- Every slide carries the campaign, the as-of day, the scope and the filters; counts of 1
  to 4 are shown as "<5" (and their bars drawn at 5, hatched) and no person is named anywhere.
- Type grows with the screen (the stylesheet's root size), and the charts with it: the
  window's size (components/screen.py) gives deck.type_scale, by which every chart's type,
  margins and markers grow (warmth.figures.scale), so a 4K wall shows the 1280×720 slide
  three times larger.
"""

from __future__ import annotations

import html
import time
from pathlib import Path

import streamlit as st

from components import clicker, data, screen
from components.session import View
from warmth import formatting
from warmth.briefing import deck
from warmth.briefing.facts import Facts

PARAM, SLIDE, EVERY = "present", "slide", "every"
KEY, SHOWN_AT = "_present_slide", "_present_shown_at"
EVERY_RANGE = (5, 3600)
STREET_ROWS = 10  # behind-pace streets on the slide; the rest are counted
QUALITY_ROWS = 6  # districts with an issue under the four figures, to fit 1280×720
CSS = Path(__file__).with_suffix(".css")
CONFIG = {"displayModeBar": False, "displaylogo": False}
CHART_HEIGHT = 430


def requested() -> bool:
    """The URL asks for presentation mode."""
    return st.query_params.get(PARAM) == "1"


def slide_number(raw: str | None, count: int = len(deck.SLIDES)) -> int:
    """The slide (1..count) a URL value names; 1 for anything else."""
    try:
        n = int(str(raw))
    except ValueError:
        return 1
    return n if 1 <= n <= count else 1


def every_seconds(raw: str | None) -> int | None:
    """Seconds between slides from the URL (5 to 3600); None (no auto-advance) otherwise."""
    try:
        n = int(str(raw))
    except ValueError:
        return None
    low, high = EVERY_RANGE
    return n if low <= n <= high else None


def due(shown_at: float, now: float, every: int | None) -> bool:
    """Time for the next slide: auto-advance is on and the slide has been up for `every`
    seconds (half a second early, so a timer that fires on the dot is not a round late)."""
    return every is not None and now - shown_at >= every - 0.5


def _show(n: int) -> None:
    st.session_state[KEY] = n
    st.session_state[SHOWN_AT] = time.monotonic()
    st.query_params[SLIDE] = str(n)


def _step(step: int) -> None:
    n = st.session_state.get(KEY, 1) + step
    _show(min(max(n, 1), len(deck.SLIDES)))


def _leave() -> None:
    for param in (PARAM, SLIDE, EVERY):
        if param in st.query_params:
            del st.query_params[param]
    st.session_state.pop(KEY, None)


def enter() -> None:
    """The sidebar's button: into presentation mode on the first slide."""
    st.query_params[PARAM] = "1"
    _show(1)


def _meta(view: View, facts: Facts) -> str:
    lang = view.lang
    parts = [
        facts.campaign[f"name_{lang}"],
        view.t("briefing_as_of", day=formatting.day(facts.as_of, lang)),
        view.t("briefing_scope", scope=deck.scope_text(facts, lang)),
        view.t("briefing_filters", filters=deck.filters_text(facts, lang)),
    ]
    return " · ".join(html.escape(p) for p in parts)


def _controls(view: View, n: int, every: int | None) -> None:
    row = st.container(horizontal=True, gap="small", vertical_alignment="center")
    row.button(
        view.t("present_prev"), key="present_prev", on_click=_step, args=(-1,),
        icon=":material/chevron_left:", disabled=n == 1,
    )  # fmt: skip
    with row:
        clicker.show(view.t("present_counter", n=n, total=len(deck.SLIDES)), _step)
    row.button(
        view.t("present_next"), key="present_next", on_click=_step, args=(1,),
        icon=":material/chevron_right:", disabled=n == len(deck.SLIDES),
    )  # fmt: skip
    row.button(view.t("present_exit"), key="present_exit", on_click=_leave, type="tertiary")
    if every:
        row.caption(view.t("present_every", s=every))


def _tiles(items: list[tuple[str, str, str]]) -> str:
    """Big figures: (label, value, css class) each, as an HTML grid."""
    return (
        '<div class="present-tiles">'
        + "".join(
            f'<div class="present-tile {css}"><div class="label">{html.escape(label)}</div>'
            f'<div class="value">{html.escape(value)}</div></div>'
            for label, value, css in items
        )
        + "</div>"
    )


def _table(rows: list[list[str]], names: int = 1) -> str:
    """A text table (deck.text_table) whose first `names` columns are names (left-aligned)."""
    head, *body = rows

    def cells(row: list[str], tag: str) -> str:
        return "".join(
            f"<{tag}{' class=name' if i < names else ''}>{html.escape(c)}</{tag}>"
            for i, c in enumerate(row)
        )

    return (
        f'<table class="present-table"><thead><tr>{cells(head, "th")}</tr></thead><tbody>'
        + "".join(f"<tr>{cells(row, 'td')}</tr>" for row in body)
        + "</tbody></table>"
    )


def _headline(view: View, facts: Facts) -> None:
    h, lang = facts.headline, view.lang
    word, gap = deck.verdict(h, lang)
    status = h.get("pacing_status") or "none"
    verdict = (
        f'<div class="present-tiles"><div class="present-tile verdict">'
        f'<div class="label">{html.escape(deck.label("pacing", lang))}</div>'
        f'<div class="value present-{status}">{html.escape(word)}</div>'
        f'<div class="note">{html.escape(gap)} · '
        f"{html.escape(view.t('present_expected', pct=formatting.percent(facts.expected, lang)))}"
        "</div></div></div>"
    )
    items = [(deck.label(k, lang), deck.value(k, h.get(k), lang), "") for k in deck.HEADLINE]
    items.append((view.t("dash_days_to_sf"), deck.days_left(h, lang), ""))
    st.html(verdict)
    st.html(_tiles(items))


def _behind(view: View, facts: Facts) -> None:
    lang = view.lang
    districts = deck.behind_districts(facts, lang)
    if districts.empty:
        st.success(view.t("present_behind_none"), icon=":material/check_circle:")
        return
    left, right = st.columns([2, 3], gap="large")
    left.subheader(view.t("present_behind_districts"))
    left.html(_table(deck.text_table(districts.head(STREET_ROWS), deck.BEHIND_COLUMNS, lang)))
    streets = deck.behind_streets(facts, lang)
    right.subheader(view.t("present_behind_streets"))
    right.html(
        _table(deck.text_table(streets.head(STREET_ROWS), deck.STREET_COLUMNS, lang), names=2)
    )
    if len(streets) > STREET_ROWS:
        right.html(
            f'<div class="present-caption">'
            f"{html.escape(view.t('present_more', n=len(streets) - STREET_ROWS))}</div>"
        )


def _quality(view: View, facts: Facts) -> None:
    """The scorecard's four numbers, then the districts with an issue (QUALITY_ROWS of them,
    the rest counted)."""
    lang = view.lang
    st.html(_tiles([(name, text, "") for name, text in deck.quality_figures(facts, lang)]))
    issues = deck.quality_issues(facts, lang)
    if issues.empty:
        st.success(view.t("present_quality_none"), icon=":material/check_circle:")
    else:
        st.subheader(view.t("present_quality_districts"))
        st.html(_table(deck.text_table(issues.head(QUALITY_ROWS), deck.QUALITY_COLUMNS, lang)))
    more = len(issues) - QUALITY_ROWS
    note = deck.quality_note(facts, lang)
    note = f"{view.t('present_more', n=more)} {note}" if more > 0 else note
    st.html(f'<div class="present-caption">{html.escape(note)}</div>')


def _charts(view: View, facts: Facts, slide: str, grow: float) -> None:
    height = CHART_HEIGHT - 90 if slide == "gaps" else CHART_HEIGHT  # the tiles above it
    charts = deck.charts(slide, facts, view.lang, height=height)
    if slide == "gaps":
        lang, h = view.lang, facts.headline
        st.html(
            _tiles([(deck.label(k, lang), deck.value(k, h.get(k), lang), "") for k in deck.GAPS])
        )
    if slide == "departments":
        st.html(
            f'<div class="present-caption">{html.escape(deck.reporting_note(facts, view.lang))}</div>'
        )
    # the stylesheet gives this box the height the screen leaves; the charts fill it
    box = st.container(
        horizontal=True, height=CHART_HEIGHT, border=False, gap="medium",
        key=f"present_charts_{slide}",
    )  # fmt: skip
    for i, chart in enumerate(charts):
        fig = data.figure(chart.name, chart.frame, grow=grow, **chart.options)
        box.plotly_chart(fig, key=f"present_{slide}_{i}", config=CONFIG, height="stretch")


def _slide(view: View, every: int | None) -> None:
    # in the fragment, like the buttons: a new size reruns the slide, never the whole page
    size = screen.size()
    grow = deck.type_scale(*size) if size else 1.0
    if due(st.session_state.get(SHOWN_AT, time.monotonic()), time.monotonic(), every):
        _show(st.session_state.get(KEY, 1) % len(deck.SLIDES) + 1)
    data.read_version()  # a wall screen shows the last committed write
    facts = data.meeting_facts(view.scope, view.filters)
    n = st.session_state.get(KEY, 1)
    slide = deck.SLIDES[n - 1]
    heading = deck.heading(slide, facts, view.lang) if facts else deck.title(slide, view.lang)
    st.title(heading, anchor=False)
    if facts is None:
        st.info(view.t("gaps_none"))
        return
    st.html(f'<div class="present-meta">{_meta(view, facts)}</div>')
    _controls(view, n, every)
    if slide == "headline":
        _headline(view, facts)
    elif slide == "behind":
        _behind(view, facts)
    elif slide == "quality":
        _quality(view, facts)
    else:
        _charts(view, facts, slide, grow)
    st.html(f'<div class="present-caption">{html.escape(view.t("present_small_note"))}</div>')


def show(view: View) -> None:
    """The presentation: the slide the URL names (or the one the session is on)."""
    st.html(CSS)
    every = every_seconds(st.query_params.get(EVERY))
    if KEY not in st.session_state:
        _show(slide_number(st.query_params.get(SLIDE)))
    st.fragment(_slide, run_every=every)(view, every)
