"""Categories: coverage and omissions per beneficiary category, and which programmes serve
each one."""

import streamlit as st

from components import data, figures, panels
from components.session import current

view = current()
lang, t, scope, f = view.lang, view.t, view.scope, view.filters
st.title(t("dash_categories_title"))
by_cat = data.coverage(scope, f, "category", lang)
expected = data.headline(scope, f, lang).get("expected_share")

left, right = st.columns(2, gap="large")
with left:
    title = t("dash_cov_by_category")
    panels.coverage_panel(
        by_cat, by="category", key="categories_bar", view=view, title=title, expected=expected
    )
with right:
    title = t("dash_omitted_by_category")
    panels.measure_panel(
        by_cat,
        by="category",
        measure="omitted",
        key="categories_omitted",
        view=view,
        title=title,
        also=("eligible",),
    )

st.subheader(t("dash_category_programmes"))
served = figures.table(
    "category_programmes",
    by_cat,
    programmes=data.reference("programmes", lang),
    departments=data.names("departments", lang),
    lang=lang,
)
panels.table(
    served,
    key="categories_programmes",
    kind="programmes_by_category",
    view=view,
    help_keys=("coverage", "omitted"),
    caption=t("dash_not_additive"),
)
