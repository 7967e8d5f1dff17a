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
    """Registrations of one ID number in two districts. Where the scope holds both, the
    kept registration and the second one side by side; where it holds only the district of
    the second registration (not counted), that registration alone, the other side only
    'another district' (the city resolves it, "一口上下"); where it holds only the kept
    one, nothing: its registration stands, and the other district's data is not its own."""
    if sl.campaign_id is None or not sl.districts or (sl.streets is not None and not sl.streets):
        return nothing("cross-district")
    visible = sorted(sl.districts)
    both = sa.and_(b.c.district_code.in_(visible), dup.c.district_code.in_(visible))
    second = sa.and_(dup.c.district_code.in_(visible), b.c.district_code.not_in(visible))

    def pick(kept, own):
        return sa.case((both, kept), else_=own)

    def other(column):
        return sa.case((both, column), else_=sa.null())

    q = (
        sa.select(
            b.c.id,
            both.label("both"),
            b.c.id_number,
            pick(b.c.name, dup.c.name).label("name"),
            pick(b.c.district_code, dup.c.district_code).label("district_code"),
            other(dup.c.district_code).label("other_district_code"),
            pick(b.c.street_code, dup.c.street_code).label("street_code"),
            other(dup.c.street_code).label("other_street_code"),
            dup.c.categories.label("second_categories"),
        )
        .join_from(
            b, dup, sa.and_(dup.c.campaign_id == b.c.campaign_id, dup.c.id_number == b.c.id_number)
        )
        .where(
            b.c.campaign_id == sl.campaign_id,
            dup.c.district_code != b.c.district_code,
            sa.or_(both, second),
        )
    )
    if sl.streets is not None:
        streets = sorted(sl.streets)
        q = q.where(
            sa.or_(
                sa.and_(both, sa.or_(b.c.street_code.in_(streets), dup.c.street_code.in_(streets))),
                sa.and_(second, dup.c.street_code.in_(streets)),
            )
        )
    if sl.restrict is not None:
        cat = bc.alias("bc_x")
        kept_in = (
            sa.select(1)
            .where(cat.c.beneficiary_id == b.c.id, cat.c.category_code.in_(sl.restrict))
            .exists()
        )
        listed = ";" + dup.c.categories + ";"
        second_in = sa.or_(*(listed.contains(f";{code};") for code in sorted(sl.restrict)))
        q = q.where(sa.or_(sa.and_(both, kept_in), sa.and_(second, second_in)))
    stmt = q.order_by(b.c.district_code, b.c.id_number, dup.c.id)

    def finish(c: sa.Connection, rows: list) -> list[dict]:
        cats = categories_of(c, [row.id for row in rows if row.both])
        return [
            {
                "id_number": row.id_number,
                "name": row.name,
                "district_code": row.district_code,
                "other_district_code": row.other_district_code,
                "street_code": row.street_code,
                "other_street_code": row.other_street_code,
                "categories": cats.get(row.id, "") if row.both else row.second_categories,
                "other_categories": row.second_categories if row.both else None,
            }
            for row in rows
        ]

    return ListQuery("cross-district", stmt, finish, campaign_id=sl.campaign_id)


def street_query(conn: sa.Connection, sl: SqlSlice, street: str) -> ListQuery:
    if sl.empty or (sl.streets is not None and street not in sl.streets):
        return nothing("street")
    stmt = (
        sa.select(b.c.id, b.c.id_number, b.c.name, sl.reached(b).label("reached"))
        .where(*sl.eligible_person(b, by_street=True), b.c.street_code == street)
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
    """ID numbers registered in two districts (cross_district_query says what a scope sees of
    the other registration)."""
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
