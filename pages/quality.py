"""Data quality per district (after the WHO data quality review used with DHIS2):
completeness, timeliness, consistency with last year, outlier amounts and records that
match nobody on the register, with the thresholds stated and a download."""

import streamlit as st

from components import data, panels, year_tables
from components.session import current
from warmth import quality
from warmth.definition import CONSISTENCY_THRESHOLD, OUTLIER_Z, QUALITY

view = current()
lang, t, scope, f, c = view.lang, view.t, view.scope, view.filters, view.campaign
st.title(t("quality_title"))
before = data.previous_campaign(f.campaign or c.get("code"))
st.caption(
    t(
        "quality_intro",
        deadline=str(c.get("reporting_deadline") or "—"),
        before=str(before["code"]) if before else "—",
        threshold=f"{CONSISTENCY_THRESHOLD:.0%}",
        z=f"{OUTLIER_Z:g}",
    )
)
card = data.yearly("scorecard", scope, f, lang)
if card.empty:
    st.info(t("gaps_none"), icon=":material/info:")
    st.stop()
shown = quality.summary(card)
for col, key in zip(st.columns(4), shown, strict=True):
    col.metric(t(f"quality_{key}"), shown[key])
panels.table(
    year_tables.scorecard_table(card, lang=lang),
    key="quality_table",
    kind="quality_scorecard",
    view=view,
    help_keys=tuple(QUALITY),
)
