"""The figures and the people lists, cached by data version and what the scope allows."""

from __future__ import annotations

import pandas as pd

from components.data.base import allowed, answer, cached, run_version, viewer, with_name
from components.figures import figure  # noqa: F401  (data.figure, for pages)
from components.outage import guarded
from warmth import (
    queries,
)
from warmth.config import database_url
from warmth.scope import Filters, Scope

# ---- figures -------------------------------------------------------------------------------


@answer()
def coverage(conn, scope: Scope, filters: Filters, by: str, lang: str) -> pd.DataFrame:
    return with_name(queries.coverage(conn, scope, filters, by=by), lang)


@answer()
def headline(conn, scope: Scope, filters: Filters, lang: str) -> dict:
    return queries.headline(conn, scope, filters)


@answer()
def pacing(conn, scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    return with_name(queries.pacing(conn, scope, filters), lang)


@answer()
def timeline(conn, scope: Scope, filters: Filters, by: str, lang: str) -> pd.DataFrame:
    return with_name(queries.timeline(conn, scope, filters, by=by), lang)


@answer()
def overlap_matrix(conn, scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    return with_name(queries.overlap_matrix(conn, scope, filters), lang)


@answer()
def reporting_status(conn, scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    return with_name(queries.reporting_status(conn, scope, filters), lang)


# ---- people lists --------------------------------------------------------------------------


@answer(cached)
def street_people(
    conn, scope: Scope, filters: Filters, street: str, lang: str, limit: int = 1000
) -> tuple[pd.DataFrame, int]:
    """The first `limit` beneficiaries of a street (masked) and how many there are."""
    from warmth import worklists

    page = worklists.street_people(conn, scope, filters, street, limit=limit, unmask=False)
    return page.rows, page.total


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
