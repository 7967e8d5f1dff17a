"""Leakage: records that match nobody (not registered, or not a programme for them)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from warmth.scope import Filters, Scope
from warmth.worklists._common import Page, chunks, pc, r, yuan
from warmth.worklists.chosen import chosen_page
from warmth.worklists.slicing import SqlSlice, nonmatching, person_join


def _leak_records(sl: SqlSlice, rec, ben, *, scan: bool = False) -> list:
    """Non-matching records of the slice's programmes (with a category filter: of
    programmes meant for those categories)."""
    conds = [*sl.records(rec, scan=scan), nonmatching(sl, rec, ben)]
    if sl.restrict is not None:
        pcf = pc.alias("pc_f")
        conds.append(
            sa.select(1)
            .where(
                pcf.c.programme_code == rec.c.programme_code, pcf.c.category_code.in_(sl.restrict)
            )
            .exists()
        )
    return conds


def leakage_finish(sl: SqlSlice, cell: tuple = ()) -> Callable:
    """Rows of the leakage list: per ID number, its non-matching records."""

    def finish(c: sa.Connection, rows: list) -> list[dict]:
        rec = r.alias("r_lk")
        ben2, joined2 = person_join(rec)
        found: dict[str, list] = {}
        for part in chunks([row.id_number for row in rows]):
            q2 = (
                sa.select(
                    rec.c.id_number, ben2.c.id, ben2.c.name, rec.c.programme_code, rec.c.amount_fen
                )
                .select_from(joined2)
                .where(rec.c.id_number.in_(part), *_leak_records(sl, rec, ben2))
            )
            for idn, bid, name, prog, fen in c.execute(q2):
                found.setdefault(idn, []).append((bid, name, prog, int(fen)))
        out = []
        for row in rows:
            recs = found.get(row.id_number, [])
            bid, name = (recs[0][0], recs[0][1]) if recs else (None, None)
            out.append(
                {
                    "id_number": row.id_number,
                    "name": name,
                    "reason": "not_registered" if bid is None else "category_mismatch",
                    "programmes": ";".join(sorted({x[2] for x in recs})),
                    "records": len(recs),
                    "amount_yuan": yuan(sum(x[3] for x in recs)),
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
