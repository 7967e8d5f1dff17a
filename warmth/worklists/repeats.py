"""Repeats: ID numbers paid two or more times by the same programme."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import sqlalchemy as sa

from warmth.scope import Filters, Scope
from warmth.worklists._common import Page, b, chunks, r, yuan
from warmth.worklists.chosen import chosen_page
from warmth.worklists.slicing import SqlSlice, leak_district, person_join


def _repeat_records(sl: SqlSlice, rec, ben) -> list:
    """Records that count towards repeats: the slice's programmes; with a category filter,
    only registered beneficiaries in those categories and programmes serving them."""
    conds = sl.records(rec)
    if sl.restrict is not None:
        conds.append(sl.matches(rec, ben))
    return conds


def repeat_finish(sl: SqlSlice, cell: tuple = ()) -> Callable:
    """Rows of the repeat list: per ID number, the programmes paid twice or more."""

    def finish(c: sa.Connection, rows: list) -> list[dict]:
        rec = r.alias("r_rep")
        ben2, joined2 = person_join(rec)
        detail: dict[str, list] = {}
        for part in chunks([row.id_number for row in rows]):
            q2 = (
                sa.select(
                    rec.c.id_number,
                    rec.c.programme_code,
                    sa.func.count(),
                    sa.func.sum(rec.c.amount_fen),
                    sa.func.min(rec.c.date),
                    sa.func.max(rec.c.date),
                )
                .select_from(joined2)
                .where(rec.c.id_number.in_(part), *_repeat_records(sl, rec, ben2))
                .group_by(rec.c.id_number, rec.c.programme_code)
                .having(sa.func.count() >= 2)
            )
            for idn, prog, n, fen, first, last in c.execute(q2):
                detail.setdefault(idn, []).append((prog, int(n), int(fen or 0), first, last))
        who = _who(c, sl, [row.id_number for row in rows])
        out = []
        for row in rows:
            d = sorted(detail.get(row.id_number, []))
            name, district, street = who.get(row.id_number, (None, None, None))
            out.append(
                {
                    "id_number": row.id_number,
                    "name": name,
                    "programme_code": ";".join(x[0] for x in d),
                    "records": sum(x[1] for x in d),
                    "amount_yuan": yuan(sum(x[2] for x in d)),
                    "first_date": as_date(min((x[3] for x in d), default=None)),
                    "last_date": as_date(max((x[4] for x in d), default=None)),
                    "district_code": district,
                    "street_code": street,
                }
            )
        return out

    return finish


def _who(c: sa.Connection, sl: SqlSlice, id_numbers: list[str]) -> dict[str, tuple]:
    """Name, district and street of each ID number: the registration, else (not registered)
    the district where its leakage counts and no name or street."""
    out: dict[str, tuple] = {}
    for part in chunks(id_numbers):
        q = sa.select(b.c.id_number, b.c.name, b.c.district_code, b.c.street_code).where(
            b.c.campaign_id == sl.campaign_id, b.c.id_number.in_(part)
        )
        out.update({row[0]: tuple(row[1:]) for row in c.execute(q)})
    for idn in sorted({i for i in id_numbers if i not in out}):  # few: one query each
        district = c.execute(sa.select(leak_district(sl, sa.literal(idn, sa.String)))).scalar()
        out[idn] = (None, district, None)
    return out


def as_date(value):
    if isinstance(value, str):  # SQLite aggregates of dates come back as text
        return date.fromisoformat(value[:10])
    return value


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
