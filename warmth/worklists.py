"""People lists for follow-up work: who was left out, paid twice, helped by several
departments for one need, helped without being eligible, or registered in two districts.

Read from the base tables through indexes, one page at a time (`limit`/`offset`), so a
city-wide list of 3 million people shows its first page quickly. The definitions are those
of DEFINITIONS.md:
- a record *matches* when its ID number is registered and its programme serves at least one
  of that beneficiary's categories;
- a category filter narrows both the people (in one of those categories) and the records
  that count for them (from a programme serving one of those categories they are in);
- a department or programme filter narrows the records to those programmes and the people
  to the categories those programmes serve.

Personal data is masked (ID 110105********002X, name 张*, address to the road) unless the
caller asks for `unmask=True` *and* the scope allows it. Default deny: an empty scope, or
districts outside it, give an empty page. Filter values only ever reach SQL as bound
parameters.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TextIO

import pandas as pd
import sqlalchemy as sa

from warmth import schema
from warmth.ids import mask_id, mask_name
from warmth.scope import Filters, Scope

KINDS = ("omission", "repeat", "overlap", "leakage", "cross-district")
FORMATS = ("csv", "json")
REPORT_CHUNK = 20_000

b = schema.beneficiaries
bc = schema.beneficiary_categories
r = schema.aid_records
p = schema.programmes
pc = schema.programme_categories
dup = schema.duplicate_registrations

COLUMNS = {
    "omission": [
        "id_number",
        "name",
        "district_code",
        "street_code",
        "categories",
        "household_size",
        "address",
    ],
    "repeat": [
        "id_number",
        "name",
        "programme_code",
        "records",
        "amount_yuan",
        "first_date",
        "last_date",
        "district_code",
        "street_code",
    ],
    "overlap": [
        "id_number",
        "name",
        "need",
        "departments",
        "programmes",
        "amount_yuan",
        "district_code",
        "street_code",
    ],
    "leakage": [
        "id_number",
        "name",
        "reason",
        "programmes",
        "records",
        "amount_yuan",
        "district_code",
    ],
    "cross-district": [
        "id_number",
        "name",
        "district_code",
        "other_district_code",
        "street_code",
        "other_street_code",
        "categories",
        "other_categories",
    ],
    "street": ["id_number", "name", "categories", "reached", "programmes", "amount_yuan"],
}


@dataclass(frozen=True, eq=False)
class Page:
    """One page of a people list: the rows (masked unless allowed) and the full count."""

    rows: pd.DataFrame
    total: int
    limit: int = 1000
    offset: int = 0

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.rows) < self.total


# --- what the filters and the scope resolve to -----------------------------------------


@dataclass(frozen=True)
class _Slice:
    """Filters and scope resolved against the reference tables, ready to bind."""

    campaign_id: int | None
    districts: tuple[str, ...]  # allowed ∩ requested; empty = nothing visible
    streets: tuple[str, ...] | None  # requested streets inside those districts, or None
    programmes: tuple[str, ...] | None  # record programmes, or None for all
    categories: tuple[str, ...] | None  # eligible categories, or None for all
    forms: tuple[str, ...] | None
    as_of: object | None
    extra: dict = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return (
            self.campaign_id is None
            or not self.districts
            or (self.streets is not None and not self.streets)
            or (self.programmes is not None and not self.programmes)
            or (self.categories is not None and not self.categories)
        )

    def record_conditions(self, rec) -> list:
        """Conditions on an aid_records alias: campaign, date window, programmes, forms."""
        conds = [rec.c.campaign_id == self.campaign_id]
        if self.as_of is not None:
            conds.append(rec.c.date <= self.as_of)
        if self.programmes is not None:
            conds.append(rec.c.programme_code.in_(self.programmes))
        if self.forms is not None:
            conds.append(rec.c.form.in_(self.forms))
        return conds

    def person_conditions(self, ben) -> list:
        """Conditions on a beneficiaries alias: campaign, districts, streets, categories."""
        conds = [
            ben.c.campaign_id == self.campaign_id,
            ben.c.district_code.in_(self.districts),
        ]
        if self.streets is not None:
            conds.append(ben.c.street_code.in_(self.streets))
        if self.categories is not None:
            cat = bc.alias("bc_eligible")
            conds.append(
                sa.select(1)
                .where(cat.c.beneficiary_id == ben.c.id, cat.c.category_code.in_(self.categories))
                .exists()
            )
        return conds

    def matching_exists(self, ben, rec_filter: bool = True):
        """EXISTS a record matching this beneficiary (and counting in the slice)."""
        rec = r.alias("r_match")
        pcat = pc.alias("pc_match")
        bcat = bc.alias("bc_match")
        q = (
            sa.select(1)
            .select_from(
                rec.join(pcat, pcat.c.programme_code == rec.c.programme_code).join(
                    bcat,
                    sa.and_(
                        bcat.c.beneficiary_id == ben.c.id,
                        bcat.c.category_code == pcat.c.category_code,
                    ),
                )
            )
            .where(rec.c.id_number == ben.c.id_number)
        )
        q = q.where(*(self.record_conditions(rec) if rec_filter else []))
        if self.categories is not None:
            q = q.where(bcat.c.category_code.in_(self.categories))
        return q.exists()


def _campaign_id(conn: sa.Connection, code: str | None) -> int | None:
    c = schema.campaigns
    q = sa.select(c.c.id)
    q = q.where(c.c.code == code) if code else q.order_by(c.c.window_start.desc()).limit(1)
    return conn.execute(q).scalar()


def _resolve(conn: sa.Connection, scope: Scope, filters: Filters) -> _Slice:
    districts = scope.allowed_districts(filters.districts) if not scope.is_empty else ()
    streets = None
    if filters.streets:
        s = schema.streets
        streets = tuple(
            conn.execute(
                sa.select(s.c.code)
                .where(s.c.code.in_(filters.streets), s.c.district_code.in_(districts))
                .order_by(s.c.code)
            ).scalars()
        )
    programmes = None
    if filters.programmes or filters.departments:
        q = sa.select(p.c.code).order_by(p.c.code)
        if filters.programmes:
            q = q.where(p.c.code.in_(filters.programmes))
        if filters.departments:
            q = q.where(p.c.department_code.in_(filters.departments))
        programmes = tuple(conn.execute(q).scalars())
    categories = tuple(sorted(set(filters.categories))) if filters.categories else None
    if programmes is not None:
        served = set(
            conn.execute(
                sa.select(pc.c.category_code).where(pc.c.programme_code.in_(programmes))
            ).scalars()
        )
        categories = tuple(sorted(served if categories is None else served & set(categories)))
    return _Slice(
        campaign_id=_campaign_id(conn, filters.campaign),
        districts=districts,
        streets=streets,
        programmes=programmes,
        categories=categories,
        forms=tuple(sorted(set(filters.forms))) if filters.forms else None,
        as_of=filters.as_of,
    )


# --- masking -------------------------------------------------------------------------

_ROAD = re.compile(r"^(.*?(?:路|街|道|弄|巷|村|镇|乡))")


def mask_address(value: str | None) -> str:
    """The address down to its road (南京东路***); the house number and flat are hidden."""
    if not value:
        return ""
    m = _ROAD.match(value)
    kept = m.group(1) if m else value[: min(4, max(len(value) - 2, 1))]
    return kept + "***"


def _mask(df: pd.DataFrame, scope: Scope, unmask: bool) -> pd.DataFrame:
    if unmask and scope.may_unmask:
        return df
    df = df.copy()
    for col, fn in (("id_number", mask_id), ("name", mask_name), ("address", mask_address)):
        if col in df:
            masked = [None if v is None or v != v else fn(v) for v in df[col]]
            df[col] = pd.Series(masked, index=df.index, dtype=object)
    return df


# --- details joined onto a page in Python (deterministic ';' lists on every backend) -------


def _chunks(values: list, size: int = 900) -> Iterator[list]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _categories_of(conn: sa.Connection, bene_ids: list[int]) -> dict[int, str]:
    found: dict[int, list[str]] = {}
    for part in _chunks(sorted(set(bene_ids))):
        for bid, code in conn.execute(
            sa.select(bc.c.beneficiary_id, bc.c.category_code).where(bc.c.beneficiary_id.in_(part))
        ):
            found.setdefault(bid, []).append(code)
    return {k: ";".join(sorted(v)) for k, v in found.items()}


def _yuan(fen) -> float:
    return 0.0 if fen is None else round(int(fen) / 100, 2)


_NULLABLE_TEXT = ("name", "address", "household_size", "other_categories")


def _frame(rows: list[dict], kind: str) -> pd.DataFrame:
    """Rows as a frame with the list's columns; a missing name or address stays None."""
    df = pd.DataFrame(rows, columns=COLUMNS[kind])
    for col in _NULLABLE_TEXT:
        if col in df:
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


# --- the lists: each is (statement, post-processing) --------------------------------------


@dataclass(frozen=True)
class _List:
    kind: str
    stmt: sa.Select | None  # None: nothing visible
    finish: Callable[[sa.Connection, list], list[dict]]  # raw rows -> output rows


def _omission_list(conn: sa.Connection, sl: _Slice) -> _List:
    if sl.empty:
        return _List("omission", None, lambda c, rows: [])
    streets = sl.streets
    if streets is None:
        s = schema.streets
        streets = tuple(
            conn.execute(
                sa.select(s.c.code).where(s.c.district_code.in_(sl.districts)).order_by(s.c.code)
            ).scalars()
        )
    stmt = (
        sa.select(
            b.c.id,
            b.c.id_number,
            b.c.name,
            b.c.district_code,
            b.c.street_code,
            b.c.household_size,
            b.c.address,
        )
        .where(*sl.person_conditions(b), b.c.street_code.in_(streets))
        .where(~sl.matching_exists(b))
        .order_by(b.c.street_code, b.c.id)
    )

    def finish(c: sa.Connection, rows: list) -> list[dict]:
        cats = _categories_of(c, [row.id for row in rows])
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

    return _List("omission", stmt, finish)


def _record_district(ben):
    """The district a record counts under: the beneficiary's, else the delivering one."""
    return sa.func.coalesce(ben.c.district_code, r.c.district_code)


def _repeat_list(conn: sa.Connection, sl: _Slice) -> _List:
    if sl.empty:
        return _List("repeat", None, lambda c, rows: [])
    ben = b.alias("b")
    district = _record_district(ben)
    q = sa.select(
        r.c.id_number,
        r.c.programme_code,
        sa.func.count().label("records"),
        sa.func.sum(r.c.amount_fen).label("amount_fen"),
        sa.func.min(r.c.date).label("first_date"),
        sa.func.max(r.c.date).label("last_date"),
        sa.func.min(ben.c.name).label("name"),
        sa.func.min(district).label("district_code"),
        sa.func.min(ben.c.street_code).label("street_code"),
    ).select_from(
        r.outerjoin(
            ben, sa.and_(ben.c.campaign_id == r.c.campaign_id, ben.c.id_number == r.c.id_number)
        )
    )
    q = q.where(*sl.record_conditions(r), district.in_(sl.districts))
    if sl.streets is not None:
        q = q.where(ben.c.street_code.in_(sl.streets))
    if sl.categories is not None:
        # records of a programme that serves one of the chosen categories the person is in
        pcat, bcat = pc.alias("pc_c"), bc.alias("bc_c")
        q = q.where(
            sa.select(1)
            .select_from(pcat.join(bcat, bcat.c.category_code == pcat.c.category_code))
            .where(
                pcat.c.programme_code == r.c.programme_code,
                bcat.c.beneficiary_id == ben.c.id,
                bcat.c.category_code.in_(sl.categories),
            )
            .exists()
        )
    stmt = (
        q.group_by(r.c.id_number, r.c.programme_code)
        .having(sa.func.count() >= 2)
        .order_by(r.c.id_number, r.c.programme_code)
    )

    def finish(c: sa.Connection, rows: list) -> list[dict]:
        return [
            {
                "id_number": row.id_number,
                "name": row.name,
                "programme_code": row.programme_code,
                "records": int(row.records),
                "amount_yuan": _yuan(row.amount_fen),
                "first_date": row.first_date,
                "last_date": row.last_date,
                "district_code": row.district_code,
                "street_code": row.street_code,
            }
            for row in rows
        ]

    return _List("repeat", stmt, finish)


def _matching_records(sl: _Slice, ben):
    """(beneficiary, record) pairs where the record matches, inside the slice."""
    pcat, bcat = pc.alias("pc_m"), bc.alias("bc_m")
    serves = (
        sa.select(1)
        .select_from(pcat.join(bcat, bcat.c.category_code == pcat.c.category_code))
        .where(pcat.c.programme_code == r.c.programme_code, bcat.c.beneficiary_id == ben.c.id)
    )
    if sl.categories is not None:
        serves = serves.where(bcat.c.category_code.in_(sl.categories))
    return serves.exists()


def _overlap_list(
    conn: sa.Connection,
    sl: _Slice,
    dept_a: str | None,
    dept_b: str | None,
    need: str | None,
) -> _List:
    if sl.empty:
        return _List("overlap", None, lambda c, rows: [])
    ben = b.alias("b")
    q = (
        sa.select(
            ben.c.id.label("bid"),
            p.c.need,
            sa.func.sum(r.c.amount_fen).label("amount_fen"),
        )
        .select_from(
            ben.join(
                r, sa.and_(r.c.campaign_id == ben.c.campaign_id, r.c.id_number == ben.c.id_number)
            ).join(p, p.c.code == r.c.programme_code)
        )
        .where(*sl.person_conditions(ben), *sl.record_conditions(r), _matching_records(sl, ben))
    )
    if need is not None:
        q = q.where(p.c.need == need)
    having = [sa.func.count(sa.distinct(p.c.department_code)) >= 2]
    for dept in {d for d in (dept_a, dept_b) if d}:
        having.append(sa.func.sum(sa.case((p.c.department_code == dept, 1), else_=0)) > 0)
    grouped = q.group_by(ben.c.id, p.c.need).having(*having).subquery("ov")
    stmt = (
        sa.select(
            grouped.c.bid,
            grouped.c.need,
            grouped.c.amount_fen,
            b.c.id_number,
            b.c.name,
            b.c.district_code,
            b.c.street_code,
        )
        .join_from(grouped, b, b.c.id == grouped.c.bid)
        .order_by(b.c.street_code, b.c.id_number, grouped.c.need)
    )

    def finish(c: sa.Connection, rows: list) -> list[dict]:
        detail: dict[tuple[int, str], tuple[set, set]] = {}
        ids = sorted({row.bid for row in rows})
        for part in _chunks(ids):
            d = (
                sa.select(ben.c.id, p.c.need, p.c.department_code, r.c.programme_code)
                .distinct()
                .select_from(
                    ben.join(
                        r,
                        sa.and_(
                            r.c.campaign_id == ben.c.campaign_id,
                            r.c.id_number == ben.c.id_number,
                        ),
                    ).join(p, p.c.code == r.c.programme_code)
                )
                .where(ben.c.id.in_(part), *sl.record_conditions(r), _matching_records(sl, ben))
            )
            for bid, nd, dept, prog in c.execute(d):
                depts, progs = detail.setdefault((bid, nd), (set(), set()))
                depts.add(dept)
                progs.add(prog)
        out = []
        for row in rows:
            depts, progs = detail.get((row.bid, row.need), (set(), set()))
            out.append(
                {
                    "id_number": row.id_number,
                    "name": row.name,
                    "need": row.need,
                    "departments": ";".join(sorted(depts)),
                    "programmes": ";".join(sorted(progs)),
                    "amount_yuan": _yuan(row.amount_fen),
                    "district_code": row.district_code,
                    "street_code": row.street_code,
                }
            )
        return out

    return _List("overlap", stmt, finish)


def _leak_records(sl: _Slice):
    """Records that do not match, with the district they count under (the delivering one,
    else the beneficiary's), inside the slice."""
    ben = b.alias("b")
    district = sa.func.coalesce(r.c.district_code, ben.c.district_code)
    pcat, bcat = pc.alias("pc_l"), bc.alias("bc_l")
    serves = (
        sa.select(1)
        .select_from(pcat.join(bcat, bcat.c.category_code == pcat.c.category_code))
        .where(pcat.c.programme_code == r.c.programme_code, bcat.c.beneficiary_id == ben.c.id)
        .exists()
    )
    q = (
        sa.select(
            r.c.id_number,
            district.label("district_code"),
            ben.c.id.label("bid"),
            ben.c.name,
            r.c.programme_code,
            r.c.amount_fen,
        )
        .select_from(
            r.outerjoin(
                ben,
                sa.and_(ben.c.campaign_id == r.c.campaign_id, ben.c.id_number == r.c.id_number),
            )
        )
        .where(*sl.record_conditions(r), district.in_(sl.districts))
        .where(sa.or_(ben.c.id.is_(None), ~serves))
    )
    if sl.streets is not None:
        q = q.where(ben.c.street_code.in_(sl.streets))
    if sl.categories is not None:
        # leaked records of programmes meant for the chosen categories
        pcf = pc.alias("pc_f")
        q = q.where(
            sa.select(1)
            .where(
                pcf.c.programme_code == r.c.programme_code, pcf.c.category_code.in_(sl.categories)
            )
            .exists()
        )
    return q.subquery("leak")


def _leakage_list(conn: sa.Connection, sl: _Slice) -> _List:
    if sl.empty:
        return _List("leakage", None, lambda c, rows: [])
    leak = _leak_records(sl)
    stmt = (
        sa.select(
            leak.c.id_number,
            leak.c.district_code,
            sa.func.min(leak.c.bid).label("bid"),
            sa.func.min(leak.c.name).label("name"),
            sa.func.count().label("records"),
            sa.func.sum(leak.c.amount_fen).label("amount_fen"),
        )
        .group_by(leak.c.id_number, leak.c.district_code)
        .order_by(leak.c.district_code, leak.c.id_number)
    )

    def finish(c: sa.Connection, rows: list) -> list[dict]:
        progs: dict[tuple[str, str], set] = {}
        for part in _chunks(sorted({row.id_number for row in rows})):
            d = (
                sa.select(leak.c.id_number, leak.c.district_code, leak.c.programme_code)
                .distinct()
                .where(leak.c.id_number.in_(part))
            )
            for idn, dist, prog in c.execute(d):
                progs.setdefault((idn, dist), set()).add(prog)
        return [
            {
                "id_number": row.id_number,
                "name": row.name,
                "reason": "not_registered" if row.bid is None else "category_mismatch",
                "programmes": ";".join(sorted(progs.get((row.id_number, row.district_code), ()))),
                "records": int(row.records),
                "amount_yuan": _yuan(row.amount_fen),
                "district_code": row.district_code,
            }
            for row in rows
        ]

    return _List("leakage", stmt, finish)


def _cross_district_list(conn: sa.Connection, sl: _Slice) -> _List:
    if sl.campaign_id is None or not sl.districts or (sl.streets is not None and not sl.streets):
        return _List("cross-district", None, lambda c, rows: [])
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
    if sl.categories is not None:
        cat = bc.alias("bc_x")
        q = q.where(
            sa.select(1)
            .where(cat.c.beneficiary_id == b.c.id, cat.c.category_code.in_(sl.categories))
            .exists()
        )
    stmt = q.order_by(b.c.district_code, b.c.id_number, dup.c.id)

    def finish(c: sa.Connection, rows: list) -> list[dict]:
        cats = _categories_of(c, [row.id for row in rows])
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

    return _List("cross-district", stmt, finish)


def _street_list(conn: sa.Connection, sl: _Slice, street: str) -> _List:
    if sl.empty or (sl.streets is not None and street not in sl.streets):
        return _List("street", None, lambda c, rows: [])
    stmt = (
        sa.select(b.c.id, b.c.id_number, b.c.name, sl.matching_exists(b).label("reached"))
        .where(*sl.person_conditions(b), b.c.street_code == street)
        .order_by(b.c.id)
    )

    def finish(c: sa.Connection, rows: list) -> list[dict]:
        cats = _categories_of(c, [row.id for row in rows])
        received: dict[str, tuple[set, int]] = {}
        for part in _chunks(sorted({row.id_number for row in rows})):
            q = sa.select(r.c.id_number, r.c.programme_code, r.c.amount_fen).where(
                *sl.record_conditions(r), r.c.id_number.in_(part)
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
                    "amount_yuan": _yuan(total),
                }
            )
        return out

    return _List("street", stmt, finish)


# --- running a list ----------------------------------------------------------------------


def _page(
    conn: sa.Connection,
    scope: Scope,
    lst: _List,
    *,
    limit: int,
    offset: int,
    unmask: bool,
) -> Page:
    limit, offset = max(int(limit), 0), max(int(offset), 0)
    if lst.stmt is None:
        return Page(_frame([], lst.kind), 0, limit, offset)
    rows = conn.execute(lst.stmt.limit(limit).offset(offset)).all()
    if offset == 0 and len(rows) < limit:
        total = len(rows)
    else:
        total = conn.execute(
            sa.select(sa.func.count()).select_from(lst.stmt.order_by(None).subquery())
        ).scalar_one()
    frame = _mask(_frame(lst.finish(conn, rows), lst.kind), scope, unmask)
    return Page(frame, int(total), limit, offset)


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
    sl = _resolve(conn, scope, filters)
    return _page(conn, scope, _omission_list(conn, sl), limit=limit, offset=offset, unmask=unmask)


def repeats(
    conn: sa.Connection,
    scope: Scope,
    filters: Filters,
    *,
    limit: int = 1000,
    offset: int = 0,
    unmask: bool = False,
) -> Page:
    """ID numbers paid two or more times by the same programme: one row per (ID, programme),
    counted under the beneficiary's district, else the delivering district."""
    sl = _resolve(conn, scope, filters)
    return _page(conn, scope, _repeat_list(conn, sl), limit=limit, offset=offset, unmask=unmask)


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
    serve the same need: one row per (beneficiary, need). dept_a/dept_b keep only those that
    both departments served for that need (one cell of the overlap matrix)."""
    sl = _resolve(conn, scope, filters)
    lst = _overlap_list(conn, sl, dept_a, dept_b, need)
    return _page(conn, scope, lst, limit=limit, offset=offset, unmask=unmask)


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
    none of their categories): one row per (ID, district the records count under)."""
    sl = _resolve(conn, scope, filters)
    return _page(conn, scope, _leakage_list(conn, sl), limit=limit, offset=offset, unmask=unmask)


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
    sl = _resolve(conn, scope, filters)
    lst = _cross_district_list(conn, sl)
    return _page(conn, scope, lst, limit=limit, offset=offset, unmask=unmask)


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
    sl = _resolve(conn, scope, filters)
    s = schema.streets
    allowed = conn.execute(
        sa.select(s.c.code).where(s.c.code == street, s.c.district_code.in_(sl.districts))
    ).scalar()
    lst = _street_list(conn, sl, street) if allowed else _List("street", None, lambda c, x: [])
    return _page(conn, scope, lst, limit=limit, offset=offset, unmask=unmask)


# --- whole lists for `warmth report gaps` -------------------------------------------------


def _build(conn: sa.Connection, sl: _Slice, kind: str) -> _List:
    builders = {
        "omission": _omission_list,
        "repeat": _repeat_list,
        "overlap": lambda c, s: _overlap_list(c, s, None, None, None),
        "leakage": _leakage_list,
        "cross-district": _cross_district_list,
    }
    if kind not in builders:
        raise ValueError(f"unknown list {kind!r}; one of {', '.join(KINDS)}")
    return builders[kind](conn, sl)


def iter_frames(
    conn: sa.Connection, scope: Scope, filters: Filters, kind: str, *, unmask: bool = False
) -> Iterator[pd.DataFrame]:
    """Every row of a list, as masked frames of up to REPORT_CHUNK rows, streamed from one
    query (no OFFSET re-scans)."""
    lst = _build(conn, _resolve(conn, scope, filters), kind)
    if lst.stmt is None:
        yield _frame([], kind)
        return
    result = conn.execution_options(yield_per=REPORT_CHUNK).execute(lst.stmt)
    sent = False
    for part in result.partitions(REPORT_CHUNK):
        sent = True
        yield _mask(_frame(lst.finish(conn, list(part)), kind), scope, unmask)
    if not sent:
        yield _frame([], kind)


_FORMULA = ("=", "+", "-", "@", "\t", "\r", "\0")


def _cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading quote."""
    if isinstance(value, str) and value.lstrip(" ").startswith(_FORMULA):
        return "'" + value
    return value


def _json_value(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def report_gaps(
    conn: sa.Connection,
    scope: Scope,
    filters: Filters,
    kind: str,
    fmt: str,
    out: TextIO,
) -> int:
    """Write every row of one list (masked) to a text stream as CSV (with header, formula
    cells quoted) or a JSON array of objects. Returns the number of rows written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    columns = COLUMNS.get(kind)
    if kind not in KINDS or columns is None:
        raise ValueError(f"unknown list {kind!r}; one of {', '.join(KINDS)}")
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for frame in iter_frames(conn, scope, filters, kind):
            for row in frame.itertuples(index=False):
                writer.writerow(["" if _json_value(v) is None else _cell(v) for v in row])
                count += 1
        return count
    out.write("[")
    for frame in iter_frames(conn, scope, filters, kind):
        for row in frame.to_dict("records"):
            out.write(",\n" if count else "\n")
            out.write(json.dumps({k: _json_value(v) for k, v in row.items()}, ensure_ascii=False))
            count += 1
    out.write("\n]\n" if count else "]\n")
    return count
