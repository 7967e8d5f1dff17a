"""审计记录: who signed in or was refused, looked at a list of people, exported, revealed,
uploaded or undid, for city administrators only. Filter by who, what and which days; the
rows shown can be taken away as CSV or Excel, and that export is itself audited. The trail
is append-only for the application (warmth/sql/grants.sql)."""

import streamlit as st

from components import audit_panel, data, export
from components.session import current

view = current()
t, scope = view.t, view.scope
if not scope.may_audit:  # the navigation lists this page for administrators only
    data.record_audit(scope, action="denied", detail={"reason": "audit_page"})
    st.error(t("audit_denied"), icon=":material/block:")
    st.stop()

st.title(t("audit_title"))
st.caption(t("audit_intro"))
asked = audit_panel.query(view)
frame, total = data.audit_trail(asked)
shown = audit_panel.table(frame, view.lang)
st.caption(t("audit_count", shown=f"{len(frame):,}", total=f"{total:,}"))
st.dataframe(shown, hide_index=True, width="stretch", key="audit_table")
if len(shown):
    export.buttons(shown, kind="audit_log", key="audit_export", view=view)
