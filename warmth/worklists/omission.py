"""Omission: eligible beneficiaries with no matching record, the outreach list."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from warmth.scope import Filters, Scope
from warmth.worklists._common import Page, categories_of
from warmth.worklists.chosen import chosen_page
from warmth.worklists.slicing import SqlSlice


def omission_finish(sl: SqlSlice, cell: tuple = ()) -> Callable:
    """Rows of the omission list from beneficiaries (id, id_number, name, district_code,
    street_code, household_size, address)."""

    def finish(c: sa.Connection, rows: list) -> list[dict]:
        cats = categories_of(c, [row.id for row in rows])
        return [
            {
                "id_number": row.id_number,
                "name": row.name,
                "district_code": row.district_code,
                "street_code": row.street_code,
                "categories": cats.get(row.id, ""),
                "household_size": row.household_size,
                "address": row.address,
            }
            for row in rows
        ]

    return finish


def omission(
    conn: sa.Connection,
    scope: Scope,
    filters: Filters,
    *,
    limit: int = 1000,
    offset: int = 0,
    unmask: bool = False,
) -> Page:
    """Eligible beneficiaries in the slice with no matching record (in the date window), in
    street order: the outreach list behind the omitted figure (households or persons, as the
    category's unit says)."""
    return chosen_page(
        conn, scope, filters, "omission", omission_finish, limit=limit, offset=offset, unmask=unmask
    )
