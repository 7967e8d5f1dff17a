"""Timeline: disbursement and reach day by day, by department, across the campaign window,
and cumulative coverage against the time elapsed."""

import streamlit as st

from components import data, figures, panels, picker
from components.session import current
from warmth import formatting

view = current()
lang, t, scope, f, c = view.lang, view.t, view.scope, view.filters, view.campaign
st.title(t("dash_timeline_title"))
st.caption(
    t(
        "dash_window",
        start=formatting.day(c["window_start"], lang),
        end=formatting.day(c["window_end"], lang),
    )
)
marks = panels.festival_marks(view, as_of=True)

titles = {
    "amount_yuan": "dash_amount_by_day",
    "records": "dash_records_by_day",
    "newly_reached": "dash_reached_by_day",
}
helps = {"amount_yuan": ("amount_yuan",), "records": ("records",), "newly_reached": ("reached",)}
measure = picker.segmented(
    "measure", list(titles), lambda m: t(titles[m]), t("dash_timeline_measure")
)
daily = data.timeline(scope, f, "department", lang)
fig = figures.figure(
    "timeline_chart",
    daily,
    measure=measure,
    title=t(titles[measure]),
    lang=lang,
    window=(c["window_start"], c["window_end"]),
    marks=marks,
)
panels.chart(
    fig,
    lambda: figures.table("timeline_table", daily, lang=lang),
    key="timeline_daily",
    kind=f"daily_{measure}_by_department",
    view=view,
    help_keys=helps[measure],
    by="department",
)
panels.pacing_panel(data.pacing(scope, f, lang), key="timeline_pacing", view=view, marks=marks)
