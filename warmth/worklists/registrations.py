"""Lists read with SQL: ID numbers registered in two districts, and a street's people (the
bottom of the drill-down)."""

from __future__ import annotations

import sqlalchemy as sa

from warmth import schema
from warmth.request import resolve
from warmth.scope import Filters, Scope
from warmth.worklists._common import (
    ListQuery,
    Page,
    b,
    bc,
    categories_of,
    chunks,
    dup,
    nothing,
    r,
    sql_page,
    yuan,
)
from warmth.worklists.slicing import SqlSlice, sql_slice


def cross_district_query(conn: sa.Connection, sl: SqlSlice) -> ListQuery:
    if sl.campaign_id is None or not sl.districts or (sl.streets is not None and not sl.streets):
        return nothing("cross-district")
    q = (
        sa.select(
            b.c.id,
            b.c.id_number,
            b.c.name,
            b.c.district_code,
            dup.c.district_code.label("other_district_code"),
            b.c.street_code,
            dup.c.street_code.label("other_street_code"),
            dup.c.categories.label("other_categories"),
        )
        .join_from(
            b, dup, sa.and_(dup.c.campaign_id == b.c.campaign_id, dup.c.id_number == b.c.id_number)
        )
        .where(
            b.c.campaign_id == sl.campaign_id,
            dup.c.district_code != b.c.district_code,
            # either registration in a visible district: both need to resolve it
            sa.or_(b.c.district_code.in_(sl.districts), dup.c.district_code.in_(sl.districts)),
        )
    )
    if sl.streets is not None:
        q = q.where(sa.or_(b.c.street_code.in_(sl.streets), dup.c.street_code.in_(sl.streets)))
    if sl.restrict is not None:
        cat = bc.alias("bc_x")
        q = q.where(
            sa.select(1)
            .where(cat.c.beneficiary_id == b.c.id, cat.c.category_code.in_(sl.restrict))
            .exists()
        )
    stmt = q.order_by(b.c.district_code, b.c.id_number, dup.c.id)

    def finish(c: sa.Connection, rows: list) -> list[dict]:
        cats = categories_of(c, [row.id for row in rows])
        return [
            {
                "id_number": row.id_number,
                "name": row.name,
                "district_code": row.district_code,
                "other_district_code": row.other_district_code,
                "street_code": row.street_code,
                "other_street_code": row.other_street_code,
                "categories": cats.get(row.id, ""),
                "other_categories": row.other_categories,
            }
            for row in rows
        ]

    return ListQuery("cross-district", stmt, finish, campaign_id=sl.campaign_id)


def street_query(conn: sa.Connection, sl: SqlSlice, street: str) -> ListQuery:
    if sl.empty or (sl.streets is not None and street not in sl.streets):
        return nothing("street")
    stmt = (
        sa.select(b.c.id, b.c.id_number, b.c.name, sl.reached(b).label("reached"))
        .where(*sl.eligible_person(b), b.c.street_code == street)
        .order_by(b.c.id)
    )

    def finish(c: sa.Connection, rows: list) -> list[dict]:
        cats = categories_of(c, [row.id for row in rows])
        received: dict[str, tuple[set, int]] = {}
        for part in chunks([row.id_number for row in rows]):
            q = sa.select(r.c.id_number, r.c.programme_code, r.c.amount_fen).where(
                *sl.records(r), r.c.id_number.in_(part)
            )
            for idn, prog, fen in c.execute(q):
                progs, total = received.get(idn, (set(), 0))
                progs.add(prog)
                received[idn] = (progs, total + int(fen))
        out = []
        for row in rows:
            progs, total = received.get(row.id_number, (set(), 0))
            out.append(
                {
                    "id_number": row.id_number,
                    "name": row.name,
                    "categories": cats.get(row.id, ""),
                    "reached": bool(row.reached),
                    "programmes": ";".join(sorted(progs)),
                    "amount_yuan": yuan(total),
                }
            )
        return out

    return ListQuery("street", stmt, finish, campaign_id=sl.campaign_id)


def cross_district(
    conn: sa.Connection,
    scope: Scope,
    filters: Filters,
    *,
    limit: int = 1000,
    offset: int = 0,
    unmask: bool = False,
) -> Page:
    """ID numbers registered in two districts: the kept registration and the second one.
    Shown to both districts."""
    sl = sql_slice(conn, resolve(conn, scope, filters))
    lst = cross_district_query(conn, sl)
    return sql_page(conn, scope, lst, limit=limit, offset=offset, unmask=unmask)


def street_people(
    conn: sa.Connection,
    scope: Scope,
    filters: Filters,
    street: str,
    *,
    limit: int = 1000,
    offset: int = 0,
    unmask: bool = False,
) -> Page:
    """The beneficiaries of one street (the bottom of the drill-down): reached or not, and
    what they received in the slice."""
    sl = sql_slice(conn, resolve(conn, scope, filters))
    s = schema.streets
    allowed = conn.execute(
        sa.select(s.c.code).where(s.c.code == street, s.c.district_code.in_(sl.districts))
    ).scalar()
    lst = street_query(conn, sl, street) if allowed else ListQuery("street", None, lambda c, x: [])
    return sql_page(conn, scope, lst, limit=limit, offset=offset, unmask=unmask)
