"""The audit page's parts: its filters (who, what, which days) as a TrailQuery, and the
trail as a table in the viewer's language (actions and roles in words, times in UTC)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components import data
from components.session import View
from warmth import audit, i18n


def query(view: View, *, key: str = "audit") -> audit.TrailQuery:
    """Who, which actions and which days (UTC, both ends included; none picked: all)."""
    t = view.t
    row = st.container(horizontal=True, gap="medium")
    who = row.multiselect(
        t("audit_filter_user"), options=data.audit_users(), key=f"{key}_users",
        placeholder=t("dash_filter_all"),
    )  # fmt: skip
    actions = row.multiselect(
        t("audit_filter_action"), options=list(audit.ACTIONS), key=f"{key}_actions",
        format_func=lambda a: t(f"audit_action_{a}"), placeholder=t("dash_filter_all"),
    )  # fmt: skip
    days = row.date_input(
        t("audit_filter_days"), value=(), key=f"{key}_days", format="YYYY-MM-DD",
        min_value=date(2004, 1, 1), max_value=date.today(),
        help=t("audit_filter_days_help"),
    )  # fmt: skip
    picked = [d for d in (days if isinstance(days, list | tuple) else [days]) if d]
    since = min(picked) if picked else None
    until = max(picked) if picked else None
    return audit.TrailQuery(tuple(who), tuple(actions), since, until)


def _role(code: str, lang: str) -> str:
    key = f"dash_role_{code}"
    return i18n.t(key, lang) if key in i18n.table() else code


def _action(code: str, lang: str) -> str:
    key = f"audit_action_{code}"
    return i18n.t(key, lang) if key in i18n.table() else code


def table(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The trail with headers, actions and roles in lang; the detail as it was recorded."""
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    at = pd.to_datetime(frame["at"], utc=True)
    return pd.DataFrame(
        {
            t("audit_col_at"): at.dt.strftime("%Y-%m-%d %H:%M:%S"),
            t("audit_col_user"): frame["user"],
            t("audit_col_role"): [_role(r, lang) for r in frame["role"]],
            t("audit_col_action"): [_action(a, lang) for a in frame["action"]],
            t("audit_col_rows"): frame["row_count"].astype("Int64"),
            t("audit_col_detail"): frame["detail"].fillna(""),
            t("audit_col_scope"): frame["scope"],
            t("audit_col_sha"): frame["file_sha256"].fillna("").str[:12],
        }
    )
