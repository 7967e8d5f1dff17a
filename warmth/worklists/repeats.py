"""Repeats: ID numbers paid two or more times by the same programme."""

from __future__ import annotations

import sqlalchemy as sa

from warmth.request import Request
from warmth.scope import Filters, Scope
from warmth.snapshot.city import City
from warmth.worklists import records
from warmth.worklists._common import Page, yuan
from warmth.worklists.chosen import Finish, MemberRow, chosen_page


def repeat_finish(req: Request, cell: tuple = ()) -> Finish:
    """Rows of the repeat list: per ID number, the programmes of the slice paid twice or
    more (with a category filter, only those serving the person's chosen categories)."""

    def finish(c: sa.Connection, city: City, rows: list[MemberRow]) -> list[dict]:
        recs = records.of_people(city, [row.person for row in rows])
        keep = recs.window(req) & recs.of_programmes(req.universe)
        if req.categories is not None:
            keep &= recs.serving(req.categories)
        paid: dict[tuple[int, str], list] = {}
        for who, prog, fen, day in recs.where(keep).rows():
            got = paid.setdefault((who, prog), [0, 0, day, day])
            got[0] += 1
            got[1] += fen
            got[3] = day  # a member's records are in day order
        detail: dict[int, list] = {}
        for (who, prog), (n, fen, first, last) in sorted(paid.items()):
            if n >= 2:
                detail.setdefault(who, []).append((prog, n, fen, first, last))
        out = []
        for i, row in enumerate(rows):
            d = detail.get(i, [])
            out.append(
                {
                    "id_number": row.id_number,
                    "name": row.name,
                    "programme_code": ";".join(x[0] for x in d),
                    "records": sum(x[1] for x in d),
                    "amount_yuan": yuan(sum(x[2] for x in d)),
                    "first_date": min((x[3] for x in d), default=None),
                    "last_date": max((x[4] for x in d), default=None),
                    "district_code": row.district_code,
                    "street_code": row.street_code,
                }
            )
        return out

    return finish


def repeats(
    conn: sa.Connection,
    scope: Scope,
    filters: Filters,
    *,
    limit: int = 1000,
    offset: int = 0,
    unmask: bool = False,
) -> Page:
    """ID numbers paid two or more times by the same programme: one row per ID number,
    counted under the beneficiary's district, else the leakage district."""
    return chosen_page(
        conn, scope, filters, "repeat", repeat_finish, limit=limit, offset=offset, unmask=unmask
    )
