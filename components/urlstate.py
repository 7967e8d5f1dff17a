"""Widget values kept in the URL as codes (?districts=310101&lang=en&dept=MZ).

Streamlit's own ``bind="query-params"`` writes a widget's *displayed label* to the URL once
a ``format_func`` is given (?districts=黄浦区 in Chinese, ?districts=Huangpu+District in
English) and accepts only labels back, so a link would depend on the language it was made
in. Our widgets show names but hold codes, so the URL holds codes: ``seed`` takes a widget's
first value from the URL (known codes only; anything else is ignored), ``keep`` writes the
current value back (and removes the parameter at the default), on every run, so the URL
survives page switches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

import streamlit as st


def _from_url(param: str) -> list[str]:
    return [v for v in st.query_params.get_all(param) if v != ""]


def seed(key: str, param: str, options: Iterable[str], *, multi: bool = False, default=None):
    """Before the widget is created: on the session's first sight of it, its value from the
    URL, keeping only known options (the default when none is left)."""
    allowed = list(options)
    if key in st.session_state:
        current = st.session_state[key]
        if multi:
            st.session_state[key] = [v for v in current if v in allowed]
        elif current not in allowed:
            st.session_state[key] = default
        return
    wanted = [v for v in _from_url(param) if v in allowed]
    if multi:
        st.session_state[key] = list(dict.fromkeys(wanted))
    else:
        st.session_state[key] = wanted[0] if wanted else default


def seed_date(key: str, param: str, *, low: date, high: date) -> None:
    """Like seed, for a date (ISO 8601 in the URL), kept only inside [low, high]."""
    if key in st.session_state:
        current = st.session_state[key]
        if current is not None and not (low <= current <= high):
            st.session_state[key] = None
        return
    value = None
    for raw in _from_url(param)[:1]:
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            continue
        value = day if low <= day <= high else None
    st.session_state[key] = value


def keep(param: str, value, default=None, *, to_text: Callable[[object], str] = str) -> None:
    """After the widget: the URL shows the value (removed when it is the default)."""
    if value is None or value == default or (isinstance(value, list | tuple) and not value):
        wanted: list[str] = []
    elif isinstance(value, list | tuple):
        wanted = [to_text(v) for v in value]
    else:
        wanted = [to_text(value)]
    if st.query_params.get_all(param) == wanted:
        return
    if wanted:
        st.query_params[param] = wanted if len(wanted) > 1 else wanted[0]
    elif param in st.query_params:
        del st.query_params[param]
