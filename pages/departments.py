"""Departments: every department (not reporting ones too), civil affairs as the lead; pick
one (click its bar or the selector) for its programmes, then a programme for its districts."""

from dataclasses import replace

import streamlit as st

from components import data, figures, panels, picker, tables
from components.session import current

view = current()
lang, t, scope, f = view.lang, view.t, view.scope, view.filters
depts, progs = data.names("departments", lang), data.names("programmes", lang)
st.title(t("dash_departments_title"))
st.info(t("dash_lead_note"), icon=":material/flag:")
by_dept = data.coverage(scope, f, "department", lang)
expected = data.headline(scope, f, lang).get("expected_share")

left, right = st.columns(2, gap="large")
with left:
    clicked = panels.coverage_panel(
        by_dept,
        by="department",
        key="departments_bar",
        view=view,
        title=t("dash_cov_by_department"),
        expected=expected,
        select=True,
    )
with right:
    title = t("dash_amount_by_department")
    panels.measure_panel(
        by_dept,
        by="department",
        measure="amount_yuan",
        key="departments_amount",
        view=view,
        title=title,
        also=("records",),
    )

st.subheader(t("dash_departments_table"))
every = figures.table("department_table", by_dept, lang=lang, order=list(depts))
panels.table(
    every,
    key="departments_table",
    kind="departments",
    view=view,
    help_keys=("records", "reached", "repeat_beneficiaries"),
    caption=t("dash_not_additive"),
)

dept = picker.choose(
    "dept",
    [d for d in depts if d in set(by_dept["key"])],
    depts,
    t("dash_pick_department"),
    clicked=clicked,
)
by_prog = data.coverage(scope, f, "programme", lang)
by_prog = by_prog[by_prog["department_code"] == dept]
st.subheader(t("dash_programmes_of", department=depts.get(dept, dept)))
clicked = panels.coverage_panel(
    by_prog,
    by="programme",
    key="departments_programme_bar",
    view=view,
    title=t("dash_cov_by_programme"),
    expected=expected,
    select=True,
    kind=f"programmes_{dept}",
    columns=tables.PROGRAMME_COLUMNS,
    help_keys=("coverage", "repeat_beneficiaries"),
)

prog = picker.choose(
    "prog", list(by_prog["key"].astype(str)), progs, t("dash_pick_programme"), clicked=clicked
)
if prog:
    by_district = data.coverage(scope, replace(f, programmes=(prog,)), "district", lang)
    title = t("dash_programme_districts", programme=progs.get(prog, prog))
    panels.coverage_panel(
        by_district,
        by="district",
        key="departments_programme_districts",
        view=view,
        title=title,
        expected=expected,
        kind=f"coverage_by_district_{prog}",
    )
