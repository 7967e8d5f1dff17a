"""Omission: eligible beneficiaries with no matching record, the outreach list."""

from __future__ import annotations

import sqlalchemy as sa

from warmth.request import Request
from warmth.scope import Filters, Scope
from warmth.snapshot.city import City
from warmth.worklists._common import Page
from warmth.worklists.chosen import Finish, MemberRow, chosen_page


def omission_finish(req: Request, cell: tuple = ()) -> Finish:
    """Rows of the omission list: the registration's fields, and every category the
    person is registered in (from the snapshot's category bits)."""
    names = sorted(req.cat.cat_bit.items())

    def finish(c: sa.Connection, city: City, rows: list[MemberRow]) -> list[dict]:
        masks = city.people.cat_mask[[row.person for row in rows]].tolist()
        spelled: dict[int, str] = {}
        for m in set(masks):
            spelled[m] = ";".join(code for code, bit in names if m >> int(bit) & 1)
        return [
            {
                "id_number": row.id_number,
                "name": row.name,
                "district_code": row.district_code,
                "street_code": row.street_code,
                "categories": spelled[m],
                "household_size": row.household_size,
                "address": row.address,
            }
            for row, m in zip(rows, masks, strict=True)
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
