"""信息报送 (placeholder while being written)."""

import streamlit as st

from components.session import current

view = current()
st.title(view.t("submit_title"))
