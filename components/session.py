"""Who is looking and in which language.

The language defaults to the browser's (st.context.locale) and can be switched in the
sidebar; the switch is kept in the URL (?lang=en). The viewer's Scope comes from the signed-in
e-mail looked up in the users table (never from the URL). When no sign-in is configured at
all, the viewer is the city demo viewer, and the sidebar says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from components import data, urlstate
from components.navigation import navigation_only
from warmth import i18n
from warmth.scope import Filters, Scope

LANG_KEY = "lang"
_VIEW_KEY = "_warmth_view"


@dataclass(frozen=True)
class Viewer:
    scope: Scope
    label: str
    demo: bool


@dataclass(frozen=True)
class View:
    """Everything a page needs to know about the current run: language, viewer, filters
    and the campaign they point at."""

    lang: str
    viewer: Viewer
    filters: Filters
    campaign: dict

    @property
    def scope(self) -> Scope:
        return self.viewer.scope

    def t(self, key: str, **values: object) -> str:
        return i18n.t(key, self.lang, **values)

    @property
    def as_of(self) -> date | None:
        return self.filters.as_of


def language(*, key: str = LANG_KEY) -> str:
    """The sidebar language switch (中文 / English), default from the browser's locale,
    kept in the URL as ?lang=zh|en."""
    default = i18n.lang_from_locale(st.context.locale)
    urlstate.seed(key, key, i18n.LANGS, default=default)
    choice = st.sidebar.segmented_control(
        "语言 / Language",
        options=list(i18n.LANGS),
        required=True,
        format_func={"zh": "中文", "en": "English"}.get,
        key=key,
        label_visibility="collapsed",
    )
    lang = choice if choice in i18n.LANGS else default
    urlstate.keep(key, lang, default)
    return lang


def _has_auth_secrets() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all  # noqa: BLE001
        return False


def login_configured() -> bool:
    """Sign-in is configured: OIDC ([auth] in secrets) or a trusted proxy header."""
    return _has_auth_secrets() or bool(st.get_option("server.trustedUserHeaders"))


def viewer(lang: str) -> Viewer:
    """The viewer and their scope; stops the page for someone signed in but not authorised."""
    if not login_configured():
        return Viewer(data.demo_scope(), i18n.t("dash_viewer_demo", lang), demo=True)
    email = st.user.get("email")
    if not email:
        st.info(i18n.t("dash_login_needed", lang), icon=":material/lock:")
        if _has_auth_secrets():
            st.button(i18n.t("dash_login", lang), on_click=st.login, type="primary")
        st.stop()
    scope = data.viewer_scope(str(email))
    if scope is None or scope.is_empty:
        st.error(i18n.t("dash_not_authorised", lang, email=email), icon=":material/block:")
        st.stop()
    role = i18n.t(f"dash_role_{scope.role}", lang)
    return Viewer(scope, f"{email} · {role}", demo=False)


def show_viewer(v: Viewer, lang: str) -> None:
    """Who the sidebar thinks you are, so a demo is never mistaken for live access."""
    if v.demo:
        st.sidebar.warning(v.label, icon=":material/visibility:")
    else:
        st.sidebar.caption(v.label)
        if _has_auth_secrets():
            st.sidebar.button(i18n.t("dash_logout", lang), on_click=st.logout)


def publish(view: View) -> None:
    st.session_state[_VIEW_KEY] = view


def current() -> View:
    """The View the entrypoint published for this run.

    Streamlit runs a page without app.py while its legacy pages/-folder mode is on (a deep
    link on a fresh server, and every AppTest run): then there is no viewer and no filters
    for this run. Switch that mode off and run again through app.py."""
    from streamlit.runtime.pages_manager import PagesManager

    view = st.session_state.get(_VIEW_KEY)
    if view is None or PagesManager.uses_pages_directory:
        navigation_only()
        st.rerun()
    return view
