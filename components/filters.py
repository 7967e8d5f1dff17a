"""The shared sidebar filters: campaign, as-of date, districts, departments, categories, forms.

Each widget is kept in the URL as codes (?campaign=2005&asof=2005-01-25&districts=310101&...,
see components/urlstate.py for why not bind="query-params"), so a view can be shared as a
link in either language. Values from the URL are checked against the known codes that the
viewer's scope allows: unknown ones are ignored.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from components import data, urlstate
from warmth import i18n
from warmth.scope import Filters, Scope, describe_filters

KEYS = {
    "campaign": "campaign",
    "as_of": "asof",
    "districts": "districts",
    "departments": "depts",
    "categories": "cats",
    "forms": "forms",
}


def _as_date(value: object) -> date | None:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _multi(side, label: str, kind: str, options: dict[str, str], lang: str) -> list[str]:
    """A multiselect of codes shown by name, kept in the URL as ?{param}=code&{param}=code."""
    key = KEYS[kind]
    urlstate.seed(key, key, options, multi=True)
    picked = side.multiselect(
        label,
        options=list(options),
        format_func=lambda c: options.get(c, c),
        key=key,
        placeholder=i18n.t("dash_filter_all", lang),
    )
    picked = [c for c in picked if c in options]
    urlstate.keep(key, picked)
    return picked


def show(scope: Scope, lang: str) -> tuple[Filters, dict]:
    """Render the sidebar filters; return the Filters they mean and the campaign chosen."""
    t = lambda key: i18n.t(key, lang)  # noqa: E731
    side = st.sidebar
    side.subheader(t("dash_filters"))

    campaigns = data.campaigns().sort_values("window_start", ascending=False)
    names = dict(zip(campaigns["code"].astype(str), campaigns[f"name_{lang}"], strict=True))
    newest = next(iter(names))
    urlstate.seed(KEYS["campaign"], KEYS["campaign"], names, default=newest)
    code = side.selectbox(
        t("dash_filter_campaign"),
        options=list(names),
        format_func=lambda c: names.get(c, c),
        key=KEYS["campaign"],
    )
    urlstate.keep(KEYS["campaign"], code, newest)
    campaign = data.campaign(code) or data.campaign(None)  # a code from the list, else newest

    low, high = campaign["window_start"], campaign["window_end"]
    urlstate.seed_date(KEYS["as_of"], KEYS["as_of"], low=low, high=high)
    as_of = side.date_input(
        t("dash_filter_as_of"),
        value=None,
        min_value=low,
        max_value=high,
        key=KEYS["as_of"],
        help=t("dash_filter_as_of_help"),
        format="YYYY-MM-DD",
    )
    as_of = _as_date(as_of)
    urlstate.keep(KEYS["as_of"], as_of, to_text=lambda d: d.isoformat())

    districts = {c: n for c, n in data.names("districts", lang).items() if c in scope.districts}
    picked_districts = (
        _multi(side, t("dash_filter_districts"), "districts", districts, lang)
        if len(districts) > 1
        else []
    )
    departments = {
        c: n for c, n in data.names("departments", lang).items() if c in scope.departments
    }
    picked_depts = _multi(side, t("dash_filter_departments"), "departments", departments, lang)
    categories = data.names("categories", lang)
    picked_cats = _multi(side, t("dash_filter_categories"), "categories", categories, lang)
    programmes = data.reference("programmes", lang)
    forms = {
        f: i18n.t(f"dash_form_{f}", lang) if f"dash_form_{f}" in i18n.table() else f
        for f in sorted(programmes["form"].dropna().astype(str).unique())
    }
    picked_forms = _multi(side, t("dash_filter_forms"), "forms", forms, lang)

    filters = Filters(
        campaign=str(campaign["code"]),
        as_of=as_of,
        districts=tuple(sorted(scope.allowed_districts(picked_districts)))
        if picked_districts
        else (),
        departments=tuple(sorted(set(picked_depts) & scope.departments)),
        categories=tuple(sorted(picked_cats)),
        forms=tuple(sorted(picked_forms)),
    )
    return filters, campaign


def describe(filters: Filters, lang: str) -> str:
    """The filters in words, codes as they are (warmth.scope.describe_filters)."""
    return describe_filters(filters, lang)
