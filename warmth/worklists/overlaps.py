"""Overlaps: one need met by programmes of two or more departments."""

from __future__ import annotations

import sqlalchemy as sa

from warmth.request import Request
from warmth.scope import Filters, Scope
from warmth.snapshot.city import City
from warmth.worklists import records
from warmth.worklists._common import Page, yuan
from warmth.worklists.chosen import Finish, MemberRow, chosen_page


def overlap_finish(req: Request, cell: tuple = (None,) * 3) -> Finish:
    """Rows of the overlap list: per beneficiary, the needs met by several departments
    (only the cell's need and departments when asked: cell = (dept_a, dept_b, need)), from
    their matching records in the date window and forms (with a category filter: by
    programmes serving their chosen categories)."""
    dept_a, dept_b, need = cell
    cell = tuple(sorted({d for d in (dept_a, dept_b) if d}))
    cat = req.cat
    chosen = {code for code, bit in cat.prog_bit.items() if req.universe >> int(bit) & 1}
    need_of = dict(zip(cat.programmes.code, cat.programmes.need, strict=True))
    every = req.universe == cat.all_programmes

    def finish(c: sa.Connection, city: City, rows: list[MemberRow]) -> list[dict]:
        recs = records.of_people(city, [row.person for row in rows])
        keep = recs.window(req) & recs.matching()
        if req.categories is not None:
            keep &= recs.serving(req.categories)
        found: dict[int, list] = {}
        for who, prog, fen, _ in recs.where(keep).rows():
            found.setdefault(who, []).append((prog, fen))
        out = []
        for i, row in enumerate(rows):
            by_need: dict[str, list] = {}
            for prog, fen in found.get(i, []):
                by_need.setdefault(need_of[prog], []).append((cat.prog_dept[prog], prog, fen))
            needs, depts, progs, fen_total = [], set(), set(), 0
            for nd, recs_of in sorted(by_need.items()):
                ds = {x[0] for x in recs_of}
                if len(ds) < 2 or (need is not None and nd != need) or not set(cell) <= ds:
                    continue
                if not every and not {x[1] for x in recs_of} & chosen:
                    continue
                needs.append(nd)
                depts |= ds
                progs |= {x[1] for x in recs_of}
                fen_total += sum(x[2] for x in recs_of)
            out.append(
                {
                    "id_number": row.id_number,
                    "name": row.name,
                    "need": ";".join(needs),
                    "departments": ";".join(sorted(depts)),
                    "programmes": ";".join(sorted(progs)),
                    "amount_yuan": yuan(fen_total),
                    "district_code": row.district_code,
                    "street_code": row.street_code,
                }
            )
        return out

    return finish


def overlaps(
    conn: sa.Connection,
    scope: Scope,
    filters: Filters,
    *,
    dept_a: str | None = None,
    dept_b: str | None = None,
    need: str | None = None,
    limit: int = 1000,
    offset: int = 0,
    unmask: bool = False,
) -> Page:
    """Beneficiaries with matching records from programmes of two or more departments that
    serve the same need: one row per beneficiary. dept_a/dept_b keep only those that both
    departments served for that need (one cell of the overlap matrix)."""
    return chosen_page(
        conn,
        scope,
        filters,
        "overlap",
        overlap_finish,
        limit=limit,
        offset=offset,
        unmask=unmask,
        cell=(dept_a, dept_b, need),
    )
