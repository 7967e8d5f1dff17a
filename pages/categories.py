"""Categories: coverage and omissions per beneficiary category, and which programmes serve
each one."""

import streamlit as st

from components import charts, data, panels, tables
from components.session import current

view = current()
lang, t, scope, f = view.lang, view.t, view.scope, view.filters
st.title(t("dash_categories_title"))
by_cat = data.coverage(scope, f, "category", lang)
expected = data.headline(scope, f, lang).get("expected_share")

left, right = st.columns(2, gap="large")
with left:
    fig = charts.coverage_bar(
        by_cat, by="category", title=t("dash_cov_by_category"), lang=lang, expected=expected
    )
    panels.chart(
        fig,
        tables.coverage_table(by_cat, by="category", lang=lang, extra=("unit",)),
        key="categories_bar",
        kind="coverage_by_category",
        view=view,
        by="category",
    )
with right:
    fig = charts.measure_bar(
        by_cat, by="category", measure="omitted", title=t("dash_omitted_by_category"), lang=lang
    )
    omitted = tables.measure_table(
        by_cat, by="category", measures=("eligible", "omitted"), lang=lang, sort_by="omitted"
    )
    panels.chart(
        fig,
        omitted,
        key="categories_omitted",
        kind="omitted_by_category",
        view=view,
        help_keys=("omitted", "eligible"),
        by="category",
    )

st.subheader(t("dash_category_programmes"))
served = tables.category_programmes(
    by_cat, data.reference("programmes", lang), data.names("departments", lang), lang=lang
)
panels.table(
    served,
    key="categories_programmes",
    kind="programmes_by_category",
    view=view,
    help_keys=("coverage", "omitted"),
    caption=t("dash_not_additive"),
)
