"""Year over year: this campaign beside the previous one by district, street, category or
department; the pacing curves of both years aligned by days to the Spring Festival; the
standard indicators; and the people reached last year who are still left out this year."""

import streamlit as st

from components import data, panels, picker, worklist_panel, year_tables
from components.session import current
from warmth.definition import STANDARD
from warmth.years import FIGURES

view = current()
lang, t, scope, f, c = view.lang, view.t, view.scope, view.filters, view.campaign
st.title(t("years_title"))
before = data.previous_campaign(f.campaign or c.get("code"))
if before is None:
    st.info(t("years_no_previous"), icon=":material/info:")
    st.stop()
this, then = str(c["code"]), str(before["code"])
festival, earlier = c["spring_festival"], before["spring_festival"]
shift = (festival - earlier.replace(year=festival.year)).days  # calendar days: +18 from 2004
st.caption(t("years_intro", this=this, before=then, shift=f"{shift:+d}"))

by = picker.segmented(
    "years_by",
    ["district", "street", "category", "department"],
    lambda b: t(f"dash_col_{b}"),
    t("years_by"),
)
compared = data.yearly("compare", scope, f, lang, by)
panels.table(
    year_tables.compare_table(compared, by=by, lang=lang, this=this, before=then),
    key="years_table",
    kind=f"years_by_{by}",
    view=view,
    help_keys=FIGURES,
    caption=t("years_as_of_note"),
)

pace = data.yearly("pacing", scope, f, lang)
fig = data.figure(
    "years_pacing_chart", pace, title=t("years_pacing_title"), lang=lang, this=this, before=then
)
panels.chart(
    fig,
    year_tables.pacing_table(pace, lang=lang, this=this, before=then),
    key="years_pacing",
    kind="years_pacing",
    view=view,
    help_keys=("pacing",),
)

st.subheader(t("years_indicators_title"))
ind_by = picker.segmented(
    "years_ind_by", ["district", "category"], lambda b: t(f"dash_col_{b}"), t("years_ind_by")
)
panels.table(
    year_tables.indicators_table(
        data.yearly("indicators", scope, f, lang, ind_by), by=ind_by, lang=lang
    ),
    key="years_indicators",
    kind=f"indicators_by_{ind_by}",
    view=view,
    help_keys=tuple(STANDARD),
    caption=t("years_indicators_note"),
)

st.subheader(t("years_left_out_title"))
worklist_panel.worklist(
    "left-out", f, key="years_left_out", help_key="years_left_out_help", view=view
)
