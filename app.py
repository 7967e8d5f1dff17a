"""Warmth, the holiday aid campaign dashboard (帮困送温暖).

The entrypoint only frames every page: page config, language, first-run set-up of the
database, who is looking (nothing else runs for someone refused), the shared sidebar
filters, the meeting buttons (presentation, briefing) and the navigation, which lists the
audit page for city administrators only. Pages live in pages/ and are listed in
components/navigation.py; ?present=1 shows the slides (components/present.py) instead.
"""

import streamlit as st

from components import data, export, filters, navigation, present, session
from warmth import i18n

navigation.navigation_only()
presenting = present.requested()
st.set_page_config(
    page_title="帮困送温暖 Warmth",
    page_icon=":material/volunteer_activism:",
    layout="wide",
    initial_sidebar_state="collapsed" if presenting else "expanded",
)

lang = session.language()
data.ensure_database()
data.read_version()  # once per run: every cached answer of this run is keyed by it
viewer = session.viewer(lang)
page = st.navigation(
    navigation.pages(lang, admin=viewer.scope.may_audit),
    position="hidden" if presenting else "sidebar",
)
st.sidebar.markdown(f"### {i18n.t('app_title', lang)}")
session.show_viewer(viewer, lang)
session.check_url(viewer.scope, lang)
chosen, campaign = filters.show(viewer.scope, lang)
view = session.View(lang, viewer, chosen, campaign)
session.publish(view)
st.sidebar.button(
    view.t("present_button"), on_click=present.enter, icon=":material/slideshow:", width="stretch"
)
export.briefing_button(view)
if presenting:
    present.show(view)
else:
    page.run()
