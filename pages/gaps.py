"""不遗漏、少重复: the people behind omission, repeats, overlap, leakage and cross-district
registrations, as masked worklists that can be filtered, paged and downloaded for outreach.

The overlap matrix is a scatter of square markers (a heatmap cannot be clicked): clicking a
square lists the people both departments helped for that need."""

import streamlit as st

from components import data, worklist_panel
from components.session import current

view = current()
lang, t, scope, f = view.lang, view.t, view.scope, view.filters
st.title(t("gaps_title"))
st.caption(t("gaps_intro"))
section = worklist_panel.section(view)

if section == "overlap":
    cell = worklist_panel.overlap_cell(data.overlap_matrix(scope, f, lang), view=view)
    if cell:
        worklist_panel.worklist(
            "overlap", f, key="gaps_overlap", help_key="gaps_overlap_help", view=view, cell=cell
        )
    else:
        st.caption(t("gaps_overlap_pick"))
elif section == "leakage":
    worklist_panel.leakage_panel(data.coverage(scope, f, "district", lang), view=view)
    st.subheader(t("gaps_leakage_list"))
    worklist_panel.worklist(
        "leakage", f, key="gaps_leakage", help_key="gaps_leakage_help", view=view
    )
else:  # omission, repeat, cross: a list and nothing else
    worklist_panel.worklist(
        section, f, key=f"gaps_{section}", help_key=f"gaps_{section}_help", view=view
    )
