"""A selector kept in the URL that a chart click can also set (department, programme, ...)."""

from __future__ import annotations

import streamlit as st

from components import urlstate


def choose(
    key: str,
    options: list[str],
    names: dict[str, str],
    label: str,
    *,
    clicked: str | None = None,
) -> str | None:
    """A selectbox kept in the URL as ?{key}=<code>; a new click on a chart (``clicked``) moves it. Values
    that are not among the options (from the URL or an old click) are ignored."""
    if not options:
        return None
    last = f"_{key}_last_click"
    if clicked != st.session_state.get(last):
        st.session_state[last] = clicked
        if clicked in options:
            st.session_state[key] = clicked
    urlstate.seed(key, key, options, default=options[0])
    value = st.selectbox(
        label, options=options, format_func=lambda c: names.get(c, c), key=key, width=480
    )
    value = value if value in options else options[0]
    urlstate.keep(key, value, options[0])
    return value


def segmented(key: str, options: list[str], label_of, label: str) -> str:
    """A segmented control of a few options (the first is the default), kept in the URL."""
    urlstate.seed(key, key, options, default=options[0])
    value = st.segmented_control(
        label, options=options, required=True, format_func=label_of, key=key
    )
    value = value if value in options else options[0]
    urlstate.keep(key, value, options[0])
    return value
