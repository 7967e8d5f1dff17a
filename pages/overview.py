"""Overview: the headline, coverage by district (bars and tile map), by department and by
category, pacing against the window, and the districts behind pace."""

import streamlit as st

from components import data, figures, navigation, panels
from components.session import current
from warmth import formatting, metrics

# the slide's columns (warmth.briefing.deck): four fit the narrow column of a 1280×720
# screen with the sidebar open; reached is eligible − omitted, the code is in the name
STATIC_COLUMNS = ("coverage", "eligible", "omitted")

view = current()
lang, t, scope, f = view.lang, view.t, view.scope, view.filters
h = data.headline(scope, f, lang)
expected = h.get("expected_share")
st.title(t("dash_overview_title"))
st.caption(
    t(
        "dash_as_of",
        day=formatting.day(h.get("as_of"), lang),
        campaign=view.campaign[f"name_{lang}"],
    )
)
panels.headline_cards(h, view)

by_district = data.coverage(scope, f, "district", lang)
picked = panels.district_panels(by_district, key="overview", view=view, expected=expected)
if picked in scope.districts:
    navigation.open_page("districts", district=picked)

for col, by in zip(st.columns(2, gap="large"), ("department", "category"), strict=True):
    with col:
        frame = data.coverage(scope, f, by, lang)
        panels.coverage_panel(
            frame,
            by=by,
            key=f"overview_{by}_bar",
            view=view,
            title=t(f"dash_cov_by_{by}"),
            expected=expected,
        )

left, right = st.columns([3, 2], gap="large")
with left:
    panels.pacing_panel(
        data.pacing(scope, f, lang),
        key="overview_pacing",
        view=view,
        marks=panels.festival_marks(view, as_of=True),
    )
with right:
    st.subheader(t("dash_behind_title"), help=panels.definition("pacing", lang)[1])
    behind = by_district[
        [metrics.pacing_status(c, expected) == "behind" for c in by_district["coverage"]]
    ]
    if behind.empty:
        st.success(t("dash_behind_none"), icon=":material/check_circle:")
    else:
        shown = figures.table(
            "coverage_table",
            behind,
            by="district",
            lang=lang,
            columns=STATIC_COLUMNS,
            code=False,
        )
        panels.table(
            shown,
            key="overview_behind",
            kind="districts_behind_pace",
            view=view,
            static=True,
            caption=t("dash_behind_caption", pct=formatting.percent(expected, lang)),
        )
