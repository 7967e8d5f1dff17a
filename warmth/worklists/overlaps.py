"""Overlaps: one need met by programmes of two or more departments."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from warmth.scope import Filters, Scope
from warmth.worklists._common import Page, b, chunks, p, r, yuan
from warmth.worklists.chosen import chosen_page
from warmth.worklists.slicing import SqlSlice


def overlap_finish(sl: SqlSlice, cell: tuple = (None,) * 3) -> Callable:
    """Rows of the overlap list: per beneficiary, the needs met by several departments
    (only the cell's need and departments when asked: cell = (dept_a, dept_b, need))."""
    dept_a, dept_b, need = cell
    cell = tuple(sorted({d for d in (dept_a, dept_b) if d}))

    def finish(c: sa.Connection, rows: list) -> list[dict]:
        rec = r.alias("r_ov")
        found: dict[str, list] = {}
        for part in chunks([row.id_number for row in rows]):
            # driven by id_number IN (...) on ix_aid_records_person, whatever the statistics
            q = (
                sa.select(
                    rec.c.id_number,
                    p.c.need,
                    p.c.department_code,
                    rec.c.programme_code,
                    rec.c.amount_fen,
                )
                .select_from(
                    rec.join(
                        b,
                        sa.and_(
                            b.c.campaign_id == rec.c.campaign_id, b.c.id_number == rec.c.id_number
                        ),
                    ).join(p, p.c.code == rec.c.programme_code)
                )
                .where(rec.c.id_number.in_(part), *sl.window(rec), sl.matches(rec, b))
            )
            for idn, nd, dept, prog, fen in c.execute(q):
                found.setdefault(idn, []).append((nd, dept, prog, int(fen)))
        out = []
        for row in rows:
            by_need: dict[str, list] = {}
            for nd, dept, prog, fen in found.get(row.id_number, []):
                by_need.setdefault(nd, []).append((dept, prog, fen))
            needs, depts, progs, fen_total = [], set(), set(), 0
            for nd, recs in sorted(by_need.items()):
                ds = {x[0] for x in recs}
                if len(ds) < 2 or (need is not None and nd != need) or not set(cell) <= ds:
                    continue
                if not sl.all_programmes and not {x[1] for x in recs} & set(sl.programmes):
                    continue
                needs.append(nd)
                depts |= ds
                progs |= {x[1] for x in recs}
                fen_total += sum(x[2] for x in recs)
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
