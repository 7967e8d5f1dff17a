"""A database outage on a page: the short bilingual message instead of a traceback.

An outage is any of UNAVAILABLE_ERRORS: the server stopped or unreachable, a SQLite file
gone, locked past its wait or unreadable. The page says so in both languages and stops;
the next click tries again, so the page comes back by itself when the database does.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import streamlit as st

from warmth import i18n
from warmth.errors import unavailable_errors

P = ParamSpec("P")
R = TypeVar("R")

UNAVAILABLE_ERRORS = unavailable_errors()


def show_unavailable() -> None:
    """A friendly message in both languages, then stop the page."""
    st.error(
        f"**{i18n.t('dash_db_down_title', 'zh')}** / {i18n.t('dash_db_down_title', 'en')}\n\n"
        f"{i18n.t('dash_db_down_body', 'zh')}\n\n{i18n.t('dash_db_down_body', 'en')}",
        icon=":material/cloud_off:",
    )
    st.stop()


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """fn, but a database outage shows the friendly message instead of a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except UNAVAILABLE_ERRORS:
            show_unavailable()
            raise  # st.stop() raises; this line is never reached

    return wrapper
