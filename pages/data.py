"""信息报送: districts and departments upload their registers and aid records.

Check first, import second: an upload is read and validated, and its counts and error
report (sheet row, column, masked value, reason) shown with downloads, before anything is
written; nothing shown depends on people outside the viewer's scope. Aid records other
districts sent for this district's people wait here to be accepted or rejected. Then an import in the chosen mode, with a progress bar; the upload history with
undo; and, for the city only, which district has reported what for which department."""

import streamlit as st

from components import data, upload
from components.session import current
from warmth import formatting

view = current()
lang, t, scope, f = view.lang, view.t, view.scope, view.filters
st.title(t("submit_title"))
st.caption(t("submit_intro"))
if scope.role == "district":
    names = data.names("districts", lang)
    own = formatting.join((names.get(d, d) for d in sorted(scope.districts)), lang)
    st.info(t("submit_own_district", districts=own), icon=":material/lock:")

if scope.may_upload:
    kind, file = upload.picker(view)
    if file is not None:
        upload.preview(file, kind, view=view)  # a refused file stops the page here
else:
    st.info(t("upload_role_cannot_upload"), icon=":material/visibility:")

st.subheader(t("submit_history"))
upload.history(data.batches(scope, f.campaign), view=view)
upload.held_panel(data.held(scope, f.campaign), view=view)

if scope.role == "city":
    status = data.reporting_status(scope, f, lang)
    if len(status):
        upload.status_panel(status, deadline=data.reporting_deadline(f.campaign), view=view)
