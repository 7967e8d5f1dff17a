"""Who is looking (the users table, read on every run), and the reference tables and campaigns."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType

import pandas as pd

from components.data.base import cached, engine, run_version, shared, with_name
from components.figures import figure  # noqa: F401  (data.figure, for pages)
from components.outage import guarded
from warmth import (
    bootstrap,
    queries,
    users,
)
from warmth import campaigns as core_campaigns
from warmth.config import database_url
from warmth.scope import DEMO_USER, Scope, city_scope, scope_for_email

# ---- who is looking ------------------------------------------------------------------------


@guarded
def viewer_scope(email: str) -> Scope | None:
    """The scope of a signed-in e-mail from the users table; None when not listed. Read on
    every run, never cached: a row removed or changed takes effect on the next click."""
    with engine(database_url()).connect() as conn:
        return scope_for_email(conn, email)


@guarded
def refusal(email: str) -> str:
    """Why an e-mail has no scope (warmth.users.why_refused), for the audit trail."""
    with engine(database_url()).connect() as conn:
        return users.why_refused(conn, email)


@cached
def _is_demo(url: str, version: int) -> bool:
    with engine(url).connect() as conn:
        return bootstrap.is_demo(conn)


@guarded
def is_demo_database() -> bool:
    """The demo made this database (the only one that opens without sign-in)."""
    return _is_demo(database_url(), run_version())


@cached
def _demo_scope(url: str, version: int) -> Scope:
    with engine(url).connect() as conn:
        return city_scope(conn, user=DEMO_USER)


@guarded
def demo_scope() -> Scope:
    """The city-wide scope of the demo viewer (used only when no sign-in is configured)."""
    return _demo_scope(database_url(), run_version())


# ---- reference and campaigns ---------------------------------------------------------------


@shared
def _campaigns(url: str, version: int) -> pd.DataFrame:
    with engine(url).connect() as conn:
        return queries.campaigns(conn)


@guarded
def campaigns() -> pd.DataFrame:
    """Every campaign, oldest first."""
    return _campaigns(database_url(), run_version())


@shared
def _campaign(url: str, version: int, code: str | None) -> dict | None:
    with engine(url).connect() as conn:
        return core_campaigns.campaign(conn, code)


@guarded
def campaign(code: str | None) -> dict | None:
    """The campaign by code, else the newest (warmth.campaigns.campaign)."""
    return _campaign(database_url(), run_version(), code)


def reporting_deadline(code: str | None) -> date | None:
    """The campaign's reporting deadline (the newest campaign's when code is None), or None."""
    found = campaign(code)
    return found["reporting_deadline"] if found else None


@shared
def _reference(url: str, version: int, name: str, lang: str) -> pd.DataFrame:
    with engine(url).connect() as conn:
        return with_name(queries.reference(conn, name), lang)


@guarded
def reference(name: str, lang: str) -> pd.DataFrame:
    """A reference table (districts, streets, departments, categories, programmes) with a
    `name` column in lang."""
    return _reference(database_url(), run_version(), name, lang)


@shared
def _names(url: str, version: int, kind: str, lang: str) -> Mapping[str, str]:
    ref = _reference(url, version, kind, lang)
    if "sort_order" in ref:
        ref = ref.sort_values("sort_order", kind="mergesort")
    return MappingProxyType(
        dict(zip(ref["code"].astype(str), ref["name"].astype(str), strict=True))
    )


@guarded
def names(kind: str, lang: str) -> Mapping[str, str]:
    """code -> name in lang for a reference table, in its display order (departments by
    the notice's order, the rest by code). Made once per data version and shared by every
    run, read-only (a page asks for names many times a run: a list's columns, the filters)."""
    return _names(database_url(), run_version(), kind, lang)
