"""Who is looking and in which language.

The language defaults to the browser's (st.context.locale) and can be switched in the
sidebar; the switch is kept in the URL (?lang=en). The viewer's Scope comes from the signed-in
e-mail looked up in the users table on every run (never from the URL or the browser); how
one signs in is warmth.signin's. When no sign-in is configured at all, only the demo database
opens, with the city demo viewer (the sidebar says so), unless one explicit single user is
configured. Sign-ins and refusals are audited once per session.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import date

import streamlit as st

from components import data, urlstate
from components.navigation import navigation_only
from warmth import i18n, signin
from warmth.scope import Filters, Scope

LANG_KEY = "lang"
_VIEW_KEY = "_warmth_view"
_AUDITED_KEY = "_warmth_audited"


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


def _secret(name: str):
    try:
        return st.secrets.get(name)
    except Exception:  # no secrets file at all  # noqa: BLE001
        return None


def _has_auth_secrets() -> bool:
    return _secret("auth") is not None


def _trusted_header() -> str | None:
    return signin.header_name(st.get_option("server.trustedUserHeaders"))


def header_copies(header: str) -> list[str]:
    """Every copy of the header on the request that opened this session."""
    return st.context.headers.get_all(header)


def login_configured() -> bool:
    """Sign-in is configured: OIDC ([auth] in secrets) or a trusted proxy header."""
    return _has_auth_secrets() or _trusted_header() is not None


def single_user() -> str | None:
    """The one user of a single-person installation ($WARMTH_SINGLE_USER, else single_user
    in the secrets file), or None."""
    return os.environ.get(signin.SINGLE_USER_ENV) or _secret(signin.SINGLE_USER_KEY) or None


def _audit_once(kind: str, who: str, record) -> None:
    """Write a sign-in or refusal audit row once per session and identity, not every run."""
    done = st.session_state.setdefault(_AUDITED_KEY, set())
    if (kind, who) not in done and record():
        done.add((kind, who))


def _refuse(who: str, reason: str, key: str, **values: object) -> None:
    """The refusal page in both languages, audited once per session; stops the run."""
    _audit_once("denied", f"{who}:{reason}", lambda: data.record_refusal(who, {"reason": reason}))
    st.error(
        f"**{i18n.t(key, 'zh', **values)}**\n\n{i18n.t(key, 'en', **values)}",
        icon=":material/block:",
    )
    st.stop()


def _signed_in_email(lang: str) -> tuple[str, str]:
    """(e-mail, how) of whoever is signed in; asks to sign in, or refuses, and stops."""
    header = _trusted_header()
    if header is not None:
        email, problem = signin.header_identity(header_copies(header))
        if problem == "duplicate":
            _refuse("header", "duplicate_header", "signin_duplicate_header", header=header)
        if email:
            return email, "header"
    elif _has_auth_secrets() and st.user.get("is_logged_in"):
        expires = st.user.get("exp")
        if isinstance(expires, int | float) and expires < time.time():
            st.logout()  # Streamlit does not check the ID token's expiry itself
        email = st.user.get("email")
        if email:
            return str(email), "oidc"
    st.info(i18n.t("dash_login_needed", lang), icon=":material/lock:")
    if _has_auth_secrets():
        st.button(i18n.t("dash_login", lang), on_click=st.login, type="primary")
    st.stop()
    raise AssertionError  # st.stop() raises


def viewer(lang: str) -> Viewer:
    """The viewer and their scope, from the users table only; stops the page for someone
    not signed in, not authorised, or (without sign-in configured) a database that is not
    the demo's."""
    if login_configured():
        email, how = _signed_in_email(lang)
    elif single_user():
        email, how = str(single_user()), "single_user"
    elif data.is_demo_database():
        return Viewer(data.demo_scope(), i18n.t("dash_viewer_demo", lang), demo=True)
    else:
        _refuse("anonymous", "no_sign_in", "signin_not_configured", env=signin.SINGLE_USER_ENV)
        raise AssertionError  # st.stop() raises
    scope = data.viewer_scope(email)
    if scope is None or scope.is_empty:
        _refuse(email, data.refusal(email), "dash_not_authorised", email=email)
    _audit_once(
        "sign_in", email, lambda: data.record_audit(scope, action="sign_in", detail={"via": how})
    )
    role = i18n.t(f"dash_role_{scope.account or scope.role}", lang)
    return Viewer(scope, f"{email} · {role}", demo=False)


def check_url(scope: Scope, lang: str) -> None:
    """A link asking for districts, departments or streets outside the viewer's scope: the
    filters leave them out (components/filters.py, drill.py); here the ask is audited (each
    code once per session) and the viewer told."""
    params = {k: st.query_params.get_all(k) for k in st.query_params}
    streets = data.reference("streets", lang)
    outside = signin.outside_scope(
        scope,
        params,
        districts=data.names("districts", lang),
        departments=data.names("departments", lang),
        street_districts=dict(zip(streets["code"], streets["district_code"], strict=True)),
    )
    if not outside:
        return
    done = st.session_state.setdefault(_AUDITED_KEY, set())
    new = {p: [c for c in codes if ("url", f"{p}={c}") not in done] for p, codes in outside.items()}
    new = {p: codes for p, codes in new.items() if codes}
    detail = {"reason": "url_outside_scope", "asked": new}
    if new and data.record_audit(scope, action="denied", detail=detail):
        done.update(("url", f"{p}={c}") for p, codes in new.items() for c in codes)
    st.warning(i18n.t("signin_url_outside_scope", lang), icon=":material/block:")


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
