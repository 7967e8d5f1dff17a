"""The figures and the people lists, cached by data version and what the scope allows."""

from __future__ import annotations

import pandas as pd

from components.data.base import allowed, cached, run_version, viewer, with_name
from components.figures import figure  # noqa: F401  (data.figure, for pages)
from components.outage import guarded
from warmth import (
    queries,
)
from warmth.config import database_url
from warmth.scope import Filters, Scope

# ---- figures -------------------------------------------------------------------------------


@cached
def _coverage(
    url: str, version: int, scope: Scope, filters: Filters, lang: str, by: str
) -> pd.DataFrame:
    with viewer(url, scope) as conn:
        return with_name(queries.coverage(conn, scope, filters, by=by), lang)


@guarded
def coverage(scope: Scope, filters: Filters, by: str, lang: str) -> pd.DataFrame:
    return _coverage(database_url(), run_version(), allowed(scope), filters, lang, by)


@cached
def _headline(url: str, version: int, scope: Scope, filters: Filters) -> dict:
    with viewer(url, scope) as conn:
        return queries.headline(conn, scope, filters)


@guarded
def headline(scope: Scope, filters: Filters, lang: str) -> dict:
    return _headline(database_url(), run_version(), allowed(scope), filters)


@cached
def _pacing(url: str, version: int, scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    with viewer(url, scope) as conn:
        return with_name(queries.pacing(conn, scope, filters), lang)


@guarded
def pacing(scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    return _pacing(database_url(), run_version(), allowed(scope), filters, lang)


@cached
def _timeline(
    url: str, version: int, scope: Scope, filters: Filters, lang: str, by: str
) -> pd.DataFrame:
    with viewer(url, scope) as conn:
        return with_name(queries.timeline(conn, scope, filters, by=by), lang)


@guarded
def timeline(scope: Scope, filters: Filters, by: str, lang: str) -> pd.DataFrame:
    return _timeline(database_url(), run_version(), allowed(scope), filters, lang, by)


@cached
def _overlap_matrix(
    url: str, version: int, scope: Scope, filters: Filters, lang: str
) -> pd.DataFrame:
    with viewer(url, scope) as conn:
        return with_name(queries.overlap_matrix(conn, scope, filters), lang)


@guarded
def overlap_matrix(scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    return _overlap_matrix(database_url(), run_version(), allowed(scope), filters, lang)


@cached
def _reporting_status(
    url: str, version: int, scope: Scope, filters: Filters, lang: str
) -> pd.DataFrame:
    with viewer(url, scope) as conn:
        return with_name(queries.reporting_status(conn, scope, filters), lang)


@guarded
def reporting_status(scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    return _reporting_status(database_url(), run_version(), allowed(scope), filters, lang)


# ---- people lists --------------------------------------------------------------------------


@cached
def _street_people(
    url: str, version: int, scope: Scope, filters: Filters, street: str, limit: int
) -> tuple[pd.DataFrame, int]:
    from warmth import worklists

    with viewer(url, scope) as conn:
        page = worklists.street_people(conn, scope, filters, street, limit=limit, unmask=False)
    return page.rows, page.total


@guarded
def street_people(
    scope: Scope, filters: Filters, street: str, lang: str, limit: int = 1000
) -> tuple[pd.DataFrame, int]:
    """The first `limit` beneficiaries of a street (masked) and how many there are."""
    return _street_people(database_url(), run_version(), allowed(scope), filters, street, limit)


def _worklist_page(url, kind, scope, filters, limit, offset, cell, *, unmask: bool):
    from warmth import worklists

    with viewer(url, scope) as conn:
        got = worklists.page(conn, kind, scope, filters, limit=limit, offset=offset, cell=cell,
                             unmask=unmask)  # fmt: skip
    return got.rows, got.total, got.more_than_total


@cached
def _worklist(
    url: str,
    version: int,
    kind: str,
    scope: Scope,
    filters: Filters,
    limit: int,
    offset: int,
    cell: tuple[str, str, str | None] | None = None,
) -> tuple[pd.DataFrame, int, bool]:
    return _worklist_page(url, kind, scope, filters, limit, offset, cell, unmask=False)


@guarded
def worklist(
    kind: str,
    scope: Scope,
    filters: Filters,
    limit: int,
    offset: int,
    cell: tuple[str, str, str | None] | None = None,
    *,
    unmask: bool = False,
) -> tuple[pd.DataFrame, int, bool]:
    """One page of a people list (omission, repeat, overlap, leakage, cross-district):
    its rows (masked), how many there are, and whether that count stopped early. An overlap
    list takes its matrix cell (dept_a, dept_b, need or None). unmask=True: the page
    unmasked if the scope may unmask (the core decides), never cached."""
    if unmask:
        return _worklist_page(
            database_url(), kind, scope, filters, limit, offset, cell, unmask=True
        )
    return _worklist(
        database_url(), run_version(), kind, allowed(scope), filters, limit, offset, cell
    )
