"""Break the glass on a people list: for a viewer who may unmask, a button opens a dialog to
choose a purpose and write a reason; once granted (and its one 'reveal' audit row written)
the list shows unmasked, under a banner saying that the access is recorded, until the list,
its filters or its page change, or the viewer hides it. Nothing of it goes into the URL.

    granted = reveal.control(key, what, rows=len(rows), list_kind=kind, filters=f, view=view)
"""

from __future__ import annotations

import streamlit as st

from components import data
from components.filters import describe
from components.session import View
from warmth.formatting import plain
from warmth.reveal import MIN_REASON, PURPOSES, Reveal, RevealRefusedError
from warmth.scope import Filters


def _grant(key: str, what: tuple, rows: int, list_kind: str, filters: Filters, view: View):
    purpose = st.session_state.get(f"{key}_purpose")
    reason = st.session_state.get(f"{key}_reason", "")
    try:
        granted = Reveal.asked(view.scope, purpose, reason)
    except RevealRefusedError as exc:
        st.session_state[f"{key}_problem"] = exc.code
        return
    detail = granted.audit_detail(
        list_kind=list_kind, filters=describe(filters, "en"), shown="screen", offset=what[3]
    )
    if not data.record_audit(view.scope, action="reveal", detail=detail, row_count=rows):
        st.session_state[f"{key}_problem"] = "not_audited"  # no audit row, no unmasked list
        return
    st.session_state[key] = (what, granted)
    st.session_state.pop(f"{key}_asking", None)


def _dialog(key: str, what: tuple, rows: int, list_kind: str, filters: Filters, view: View):
    t = view.t

    def body() -> None:
        st.warning(t("reveal_recorded"), icon=":material/policy:")
        st.radio(
            t("reveal_purpose"),
            PURPOSES,
            format_func=lambda p: t(f"reveal_purpose_{p}"),
            index=None,
            key=f"{key}_purpose",
        )
        st.text_area(
            t("reveal_reason"),
            key=f"{key}_reason",
            max_chars=500,
            placeholder=t("reveal_reason_hint", n=MIN_REASON),
        )
        problem = st.session_state.pop(f"{key}_problem", None)
        if problem:
            st.error(t(f"reveal_{problem}", n=MIN_REASON), icon=":material/block:")
        # a callback: it runs whether the click reran the dialog alone (the browser) or the
        # whole page (AppTest)
        st.button(
            t("reveal_confirm"),
            type="primary",
            key=f"{key}_confirm",
            on_click=_grant,
            args=(key, what, rows, list_kind, filters, view),
        )
        if st.session_state.get(key) is not None:
            st.rerun()  # granted: the whole page again, unmasked

    def dismissed() -> None:
        st.session_state.pop(f"{key}_asking", None)

    st.dialog(t("reveal_title"), width="medium", on_dismiss=dismissed)(body)()


def control(
    key: str, what: tuple, *, rows: int, list_kind: str, filters: Filters, view: View
) -> Reveal | None:
    """The reveal button (or, once granted, the banner with Hide) for one list page; what
    names that page (list, filters, cell, offset, size). Returns the grant, or None. Shown
    only to a viewer who may unmask."""
    if not view.scope.may_unmask:
        return None
    t = view.t
    held = st.session_state.get(key)
    if held is not None and held[0] != what:  # another list, filter or page: masked again
        st.session_state.pop(key, None)
        held = None
    if held is None:
        # a flag, not the click's return value: a rerun before this line would lose it
        st.button(
            t("reveal_open"),
            key=f"{key}_open",
            icon=":material/visibility:",
            on_click=lambda: st.session_state.update({f"{key}_asking": what}),
        )
        if st.session_state.get(f"{key}_asking") == what:
            _dialog(key, what, rows, list_kind, filters, view)
        return None
    granted: Reveal = held[1]
    banner = t(
        "reveal_banner",
        purpose=t(f"reveal_purpose_{granted.purpose}"),
        reason=plain(granted.reason),
        viewer=plain(granted.viewer),
    )
    st.warning(banner, icon=":material/policy:")
    st.button(
        t("reveal_hide"),
        key=f"{key}_hide",
        icon=":material/visibility_off:",
        on_click=lambda: st.session_state.pop(key, None),
    )
    return granted
