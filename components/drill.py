"""The district drill-down's state: where we are (?district=…&street=… in the URL, re-checked
against the scope and the reference data), the breadcrumb, Back, and going one level down."""

from __future__ import annotations

import streamlit as st

from components import data
from warmth import i18n
from warmth.scope import Filters, Scope

DISTRICT, STREET = "district", "street"


def district_name(code: str, lang: str) -> str:
    return data.names("districts", lang).get(code, code)


def street_name(district: str, street: str, lang: str) -> str:
    return data.names("streets", lang).get(street, street)


def _streets_of(district: str, lang: str) -> set[str]:
    ref = data.reference("streets", lang)
    return set(ref["code"][ref["district_code"] == district].astype(str))


# The charts whose click goes one level down: at the city, and in a district.
CITY_CHARTS = ("districts_district_bar", "districts_district_tiles")
DISTRICT_CHARTS = ("districts_street_bar",)


def _clicked(keys: tuple[str, ...]) -> str | None:
    """The code a click on one of these charts picked in this run's widget state (the
    selection event, read before the charts are drawn)."""
    from components import panels  # panels imports session, which imports data

    for key in keys:
        picked = panels.picked(st.session_state.get(key))
        if picked:
            return picked
    return None


def location(scope: Scope, filters: Filters, lang: str) -> tuple[str | None, str | None]:
    """The (district, street) the URL asks for, one level lower when this run is a click on
    a bar or tile of the level shown (so the click's own run draws the level below, not
    this level again and then, rerun, the next), each dropped (and removed from the URL)
    when the viewer may not see it or it does not exist."""
    params = st.query_params
    if params.get(DISTRICT) is None:
        if picked := _clicked(CITY_CHARTS):
            _go(district=picked)
    elif params.get(STREET) is None and (picked := _clicked(DISTRICT_CHARTS)):
        _go(district=params.get(DISTRICT), street=picked)
    district, street = params.get(DISTRICT), params.get(STREET)
    if district is not None and district not in scope.allowed_districts(filters.districts):
        district = None
        del params[DISTRICT]
    if street is not None and (district is None or street not in _streets_of(district, lang)):
        street = None
        del params[STREET]
    return district, street


def _go(district: str | None = None, street: str | None = None) -> None:
    params = st.query_params
    for key, value in ((DISTRICT, district), (STREET, street)):
        if value:
            params[key] = value
        elif key in params:
            del params[key]


def breadcrumb(district: str | None, street: str | None, lang: str) -> None:
    """Title, then 全市 › 黄浦区 › 外滩街道 with every level above the current one a button,
    and Back (one level up)."""
    t = lambda key, **v: i18n.t(key, lang, **v)  # noqa: E731
    st.title(t("dash_districts_title"))
    row = st.container(horizontal=True, gap="small", vertical_alignment="center")
    levels: list[tuple[str, dict]] = [(t("dash_city"), {})]
    if district:
        levels.append((district_name(district, lang), {"district": district}))
    if street:
        levels.append(
            (street_name(district, street, lang), {"district": district, "street": street})
        )
    for i, (label, target) in enumerate(levels):
        if i:
            row.markdown("›")
        if i == len(levels) - 1:
            row.markdown(f"**{label}**")
        else:
            row.button(label, key=f"crumb_{i}", type="tertiary", on_click=_go, kwargs=target)
    if len(levels) > 1:
        row.button(
            t("dash_back"),
            key="crumb_back",
            icon=":material/arrow_back:",
            on_click=_go,
            kwargs=levels[-2][1],
        )


def street_people(scope: Scope, filters: Filters, district: str, street: str, view) -> None:
    """The bottom of the drill: the street's registered beneficiaries, masked, with what
    they received; downloads carry exactly these (masked) rows."""
    from components import figures, panels  # panels imports session, which imports data

    lang = view.lang
    st.subheader(view.t("dash_street_people", street=street_name(district, street, lang)))
    rows, total = data.street_people(scope, filters, street, lang)
    codes = {
        "categories": data.names("categories", lang),
        "programmes": data.names("programmes", lang),
    }
    shown = figures.table("people_table", rows, lang=lang, names=codes)
    panels.table(
        shown,
        key="districts_people",
        kind=f"beneficiaries_{street}",
        view=view,
        help_keys=("reached", "amount_yuan"),
        caption=view.t("dash_people_caption", shown=len(shown), total=total),
    )
