"""Leakage: records that match nobody (not registered, or not a programme for them)."""

from __future__ import annotations

import sqlalchemy as sa

from warmth.request import Request
from warmth.scope import Filters, Scope
from warmth.snapshot.city import City
from warmth.worklists import records
from warmth.worklists._common import Page, yuan
from warmth.worklists.chosen import Finish, MemberRow, chosen_page


def leakage_finish(req: Request, cell: tuple = ()) -> Finish:
    """Rows of the leakage list: per ID number, its non-matching records of the slice's
    programmes (with a category filter: of programmes meant for those categories) in the
    date window and forms."""
    programmes = req.universe
    if req.categories is not None:
        programmes &= req.cat.serving(req.categories)

    def finish(c: sa.Connection, city: City, rows: list[MemberRow]) -> list[dict]:
        recs = records.of_people(city, [row.person for row in rows])
        keep = recs.window(req) & recs.of_programmes(programmes) & ~recs.matching()
        found: dict[int, list] = {}
        for who, prog, fen, _ in recs.where(keep).rows():
            found.setdefault(who, []).append((prog, fen))
        out = []
        for i, row in enumerate(rows):
            recs_of = found.get(i, [])
            registered = bool(recs_of) and row.id is not None
            out.append(
                {
                    "id_number": row.id_number,
                    "name": row.name if registered else None,
                    "reason": "category_mismatch" if registered else "not_registered",
                    "programmes": ";".join(sorted({x[0] for x in recs_of})),
                    "records": len(recs_of),
                    "amount_yuan": yuan(sum(x[1] for x in recs_of)),
                    "district_code": row.district_code,
                }
            )
        return out

    return finish


def leakage(
    conn: sa.Connection,
    scope: Scope,
    filters: Filters,
    *,
    limit: int = 1000,
    offset: int = 0,
    unmask: bool = False,
) -> Page:
    """ID numbers with records that do not match (not registered, or the programme serves
    none of their categories): one row per ID number, under the district it counts in."""
    return chosen_page(
        conn, scope, filters, "leakage", leakage_finish, limit=limit, offset=offset, unmask=unmask
    )
