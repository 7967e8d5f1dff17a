"""Warmth, the holiday aid campaign dashboard (帮困送温暖).

The entrypoint only frames every page: page config, language, first-run set-up of the
database, who is looking (nothing else runs for someone refused), the shared sidebar
filters and the navigation, which lists the audit page for city administrators only.
Pages live in pages/ and are listed in components/navigation.py.
"""

import streamlit as st

from components import data, filters, navigation, session
from warmth import i18n

navigation.navigation_only()
st.set_page_config(
    page_title="帮困送温暖 Warmth",
    page_icon=":material/volunteer_activism:",
    layout="wide",
    initial_sidebar_state="expanded",
)

lang = session.language()
data.ensure_database()
data.read_version()  # once per run: every cached answer of this run is keyed by it
viewer = session.viewer(lang)
page = st.navigation(navigation.pages(lang, admin=viewer.scope.may_audit))
st.sidebar.markdown(f"### {i18n.t('app_title', lang)}")
session.show_viewer(viewer, lang)
session.check_url(viewer.scope, lang)
chosen, campaign = filters.show(viewer.scope, lang)
session.publish(session.View(lang, viewer, chosen, campaign))
page.run()
