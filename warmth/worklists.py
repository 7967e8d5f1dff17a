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
from dataclasses import dataclass
from datetime import date
from typing import TextIO

import pandas as pd
import sqlalchemy as sa

from warmth import schema
from warmth.campaigns import campaign
from warmth.exports import escape_cell
from warmth.ids import mask_id, mask_name
from warmth.request import resolve
from warmth.scope import Filters, Scope
from warmth.snapshot import people, store
from warmth.snapshot.city import City
from warmth.snapshot.people import Members

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
    more_than_total: bool = False  # counted only up to COUNT_CAP: the list is longer

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.rows) < self.total


# --- what the filters and the scope resolve to -----------------------------------------


@dataclass(frozen=True)
class _Slice:
    """Filters and scope resolved against the reference tables, ready to bind.

    Mirrors metrics.Slice: `programmes` are the viewer's departments' programmes narrowed by
    the department and programme filters; `restrict` is the category filter (None: none);
    `eligible` the categories whose members count (those the programmes serve, within
    `restrict`)."""

    campaign_id: int | None
    districts: tuple[str, ...]  # allowed ∩ requested; empty = nothing visible
    streets: tuple[str, ...] | None  # requested streets inside those districts, or None
    programmes: tuple[str, ...]
    all_programmes: bool  # programmes = every programme: no condition needed
    restrict: tuple[str, ...] | None
    eligible: tuple[str, ...]
    all_eligible: bool  # every category counts: no condition needed
    forms: tuple[str, ...] | None
    as_of: date | None
    whole_city: bool = False  # every district, no street filter

    @property
    def empty(self) -> bool:
        return (
            self.campaign_id is None
            or not self.districts
            or (self.streets is not None and not self.streets)
            or not self.programmes
            or not self.eligible
        )

    def window(self, rec, *, scan: bool = False) -> list:
        """Conditions on an aid_records alias: campaign, date window, forms. scan=True
        reads the campaign through an expression, so that SQLite scans the table in order
        instead of walking ix_aid_records_person (faster when most rows are skipped)."""
        campaign = rec.c.campaign_id + 0 if scan else rec.c.campaign_id
        conds = [campaign == self.campaign_id]
        if self.as_of is not None:
            conds.append(rec.c.date <= self.as_of)
        if self.forms is not None:
            conds.append(rec.c.form.in_(self.forms))
        return conds

    def records(self, rec, *, scan: bool = False) -> list:
        """The window, and the slice's programmes."""
        conds = self.window(rec, scan=scan)
        if not self.all_programmes:
            conds.append(rec.c.programme_code.in_(self.programmes))
        return conds

    def eligible_person(self, ben, *, districts: bool = True, by_id: bool = False) -> list:
        """A beneficiary of the slice: campaign, districts, streets, categories that count.
        districts=False leaves out the district test (only when every district is visible);
        by_id=True keeps SQLite off the campaign indexes when the caller walks ids."""
        campaign = ben.c.campaign_id + 0 if by_id else ben.c.campaign_id
        conds = [campaign == self.campaign_id]
        if districts or not self.whole_city:
            conds.append(ben.c.district_code.in_(self.districts))
        if self.streets is not None:
            conds.append(ben.c.street_code.in_(self.streets))
        if not self.all_eligible:
            cat = bc.alias("bc_eligible")
            conds.append(
                sa.select(1)
                .where(cat.c.beneficiary_id == ben.c.id, cat.c.category_code.in_(self.eligible))
                .exists()
            )
        return conds

    def matches(self, rec, ben, *, restrict: bool = True):
        """EXISTS: the record's programme serves one of the beneficiary's categories (one
        of the restricted ones when a category filter is set)."""
        pcat, bcat = pc.alias(), bc.alias()
        q = (
            sa.select(1)
            .select_from(pcat.join(bcat, bcat.c.category_code == pcat.c.category_code))
            .where(pcat.c.programme_code == rec.c.programme_code, bcat.c.beneficiary_id == ben.c.id)
        )
        if restrict and self.restrict is not None:
            q = q.where(bcat.c.category_code.in_(self.restrict))
        # correlate to the record and the person however deeply this is nested
        return q.correlate_except(pcat, bcat).exists()

    def reached(self, ben):
        """EXISTS a matching record of the slice for this beneficiary."""
        rec = r.alias("r_reach")
        return (
            sa.select(1)
            .where(rec.c.id_number == ben.c.id_number, *self.records(rec), self.matches(rec, ben))
            .correlate_except(rec)
            .exists()
        )


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
    every = tuple(conn.execute(sa.select(p.c.code).order_by(p.c.code)).scalars())
    all_districts = set(conn.execute(sa.select(schema.districts.c.code)).scalars())
    q = sa.select(p.c.code).where(p.c.department_code.in_(sorted(scope.departments)))
    if filters.programmes:
        q = q.where(p.c.code.in_(filters.programmes))
    if filters.departments:
        q = q.where(p.c.department_code.in_(filters.departments))
    programmes = tuple(conn.execute(q.order_by(p.c.code)).scalars())
    all_categories = set(conn.execute(sa.select(schema.categories.c.code)).scalars())
    restrict = tuple(sorted(set(filters.categories))) if filters.categories else None
    served = set(
        conn.execute(
            sa.select(pc.c.category_code).where(pc.c.programme_code.in_(programmes))
        ).scalars()
    )
    eligible = served if restrict is None else served & set(restrict)
    found = campaign(conn, filters.campaign)
    return _Slice(
        campaign_id=found["id"] if found else None,
        districts=districts,
        streets=streets,
        programmes=programmes,
        all_programmes=programmes == every,
        restrict=restrict,
        eligible=tuple(sorted(eligible)),
        all_eligible=eligible == all_categories,
        forms=tuple(sorted(set(filters.forms))) if filters.forms else None,
        as_of=filters.as_of,
        whole_city=set(districts) == all_districts and streets is None,
    )


def _delivering(rec, ben):
    """The district that delivered a record: its own, else the beneficiary's, else the
    submitter when the submitter is a district (warmth.snapshot.city, attribution)."""
    d = schema.districts
    submitter = (
        sa.select(d.c.code).where(d.c.code == rec.c.submitter).correlate_except(d).scalar_subquery()
    )
    return sa.func.coalesce(rec.c.district_code, ben.c.district_code, submitter)


def _nonmatching(sl: _Slice, rec, ben):
    """The record names no registered beneficiary, or its programme serves none of theirs."""
    return sa.or_(ben.c.id.is_(None), ~sl.matches(rec, ben, restrict=False))


def _leak_district(sl: _Slice, id_number):
    """Where an ID number's leakage counts: the delivering district of its earliest
    non-matching record (ties by record id), as in warmth.snapshot.city."""
    rec, ben = r.alias("r_att"), b.alias("b_att")
    return (
        sa.select(_delivering(rec, ben))
        .select_from(
            rec.outerjoin(
                ben,
                sa.and_(ben.c.campaign_id == rec.c.campaign_id, ben.c.id_number == rec.c.id_number),
            )
        )
        .where(rec.c.id_number == id_number, *sl.window(rec), _nonmatching(sl, rec, ben))
        .order_by(rec.c.date, rec.c.id)
        .limit(1)
        .correlate_except(rec, ben)
        .scalar_subquery()
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
    values = sorted(set(values))
    for i in range(0, len(values), size):
        yield values[i : i + size]


def _categories_of(conn: sa.Connection, bene_ids: list[int]) -> dict[int, str]:
    found: dict[int, list[str]] = {}
    for part in _chunks(bene_ids):
        for bid, code in conn.execute(
            sa.select(bc.c.beneficiary_id, bc.c.category_code).where(bc.c.beneficiary_id.in_(part))
        ):
            found.setdefault(bid, []).append(code)
    return {k: ";".join(sorted(v)) for k, v in found.items()}


def _yuan(fen) -> float:
    return 0.0 if fen is None else round(int(fen) / 100, 2)


_NULLABLE_TEXT = ("name", "address", "household_size", "other_categories", "street_code")


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
    """A list as one statement, or as parts read one after the other (rows of the same
    shape); `finish` turns a page of raw rows into output rows."""

    kind: str
    stmt: sa.Select | None  # None: nothing visible
    finish: Callable[[sa.Connection, list], list[dict]]
    more: tuple[sa.Select, ...] = ()  # further parts, after stmt

    @property
    def parts(self) -> tuple[sa.Select, ...]:
        return () if self.stmt is None else (self.stmt, *self.more)


def _nothing(kind: str) -> _List:
    return _List(kind, None, lambda c, rows: [])


def _visible_streets(conn: sa.Connection, sl: _Slice) -> tuple[str, ...]:
    if sl.streets is not None:
        return sl.streets
    s = schema.streets
    return tuple(
        conn.execute(
            sa.select(s.c.code).where(s.c.district_code.in_(sl.districts)).order_by(s.c.code)
        ).scalars()
    )


def _omission_finish(sl: _Slice) -> Callable:
    """Rows of the omission list from beneficiaries (id, id_number, name, district_code,
    street_code, household_size, address)."""

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

    return finish


def _person_join(rec):
    ben = b.alias("b")
    return ben, rec.outerjoin(
        ben, sa.and_(ben.c.campaign_id == rec.c.campaign_id, ben.c.id_number == rec.c.id_number)
    )


def _repeat_records(sl: _Slice, rec, ben) -> list:
    """Records that count towards repeats: the slice's programmes; with a category filter,
    only registered beneficiaries in those categories and programmes serving them."""
    conds = sl.records(rec)
    if sl.restrict is not None:
        conds.append(sl.matches(rec, ben))
    return conds


def _repeat_finish(sl: _Slice) -> Callable:
    """Rows of the repeat list: per ID number, the programmes paid twice or more."""

    def finish(c: sa.Connection, rows: list) -> list[dict]:
        rec = r.alias("r_rep")
        ben2, joined2 = _person_join(rec)
        detail: dict[str, list] = {}
        for part in _chunks([row.id_number for row in rows]):
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
                    "amount_yuan": _yuan(sum(x[2] for x in d)),
                    "first_date": _as_date(min((x[3] for x in d), default=None)),
                    "last_date": _as_date(max((x[4] for x in d), default=None)),
                    "district_code": district,
                    "street_code": street,
                }
            )
        return out

    return finish


def _who(c: sa.Connection, sl: _Slice, id_numbers: list[str]) -> dict[str, tuple]:
    """Name, district and street of each ID number: the registration, else (not registered)
    the district where its leakage counts and no name or street."""
    out: dict[str, tuple] = {}
    for part in _chunks(id_numbers):
        q = sa.select(b.c.id_number, b.c.name, b.c.district_code, b.c.street_code).where(
            b.c.campaign_id == sl.campaign_id, b.c.id_number.in_(part)
        )
        out.update({row[0]: tuple(row[1:]) for row in c.execute(q)})
    for idn in sorted({i for i in id_numbers if i not in out}):  # few: one query each
        district = c.execute(sa.select(_leak_district(sl, sa.literal(idn, sa.String)))).scalar()
        out[idn] = (None, district, None)
    return out


def _as_date(value):
    if isinstance(value, str):  # SQLite aggregates of dates come back as text
        return date.fromisoformat(value[:10])
    return value


def _overlap_finish(
    sl: _Slice, dept_a: str | None, dept_b: str | None, need: str | None
) -> Callable:
    """Rows of the overlap list: per beneficiary, the needs met by several departments
    (only the cell's need and departments when asked)."""
    cell = tuple(sorted({d for d in (dept_a, dept_b) if d}))

    def finish(c: sa.Connection, rows: list) -> list[dict]:
        rec = r.alias("r_ov")
        found: dict[str, list] = {}
        for part in _chunks([row.id_number for row in rows]):
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
                    "amount_yuan": _yuan(fen_total),
                    "district_code": row.district_code,
                    "street_code": row.street_code,
                }
            )
        return out

    return finish


def _leak_records(sl: _Slice, rec, ben, *, scan: bool = False) -> list:
    """Non-matching records of the slice's programmes (with a category filter: of
    programmes meant for those categories)."""
    conds = [*sl.records(rec, scan=scan), _nonmatching(sl, rec, ben)]
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


def _leakage_finish(sl: _Slice) -> Callable:
    """Rows of the leakage list: per ID number, its non-matching records."""

    def finish(c: sa.Connection, rows: list) -> list[dict]:
        rec = r.alias("r_lk")
        ben2, joined2 = _person_join(rec)
        found: dict[str, list] = {}
        for part in _chunks([row.id_number for row in rows]):
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
                    "amount_yuan": _yuan(sum(x[3] for x in recs)),
                    "district_code": row.district_code,
                }
            )
        return out

    return finish


def _cross_district_list(conn: sa.Connection, sl: _Slice) -> _List:
    if sl.campaign_id is None or not sl.districts or (sl.streets is not None and not sl.streets):
        return _nothing("cross-district")
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
        return _nothing("street")
    stmt = (
        sa.select(b.c.id, b.c.id_number, b.c.name, sl.reached(b).label("reached"))
        .where(*sl.eligible_person(b), b.c.street_code == street)
        .order_by(b.c.id)
    )

    def finish(c: sa.Connection, rows: list) -> list[dict]:
        cats = _categories_of(c, [row.id for row in rows])
        received: dict[str, tuple[set, int]] = {}
        for part in _chunks([row.id_number for row in rows]):
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
                    "amount_yuan": _yuan(total),
                }
            )
        return out

    return _List("street", stmt, finish)


# --- running a list ----------------------------------------------------------------------


def _count(conn: sa.Connection, stmt: sa.Select) -> int:
    inner = stmt.order_by(None)
    return conn.execute(sa.select(sa.func.count()).select_from(inner.subquery())).scalar_one()


def _page(
    conn: sa.Connection, scope: Scope, lst: _List, *, limit: int, offset: int, unmask: bool
) -> Page:
    """One page of a list read with SQL (cross-district registrations, a street's people)."""
    limit, offset = max(int(limit), 0), max(int(offset), 0)
    if lst.stmt is None:
        return Page(_frame([], lst.kind), 0, limit, offset)
    rows = conn.execute(lst.stmt.limit(limit).offset(offset)).all()
    ended = len(rows) < limit and (rows or offset == 0)
    total = offset + len(rows) if ended else _count(conn, lst.stmt)
    frame = _mask(_frame(lst.finish(conn, rows), lst.kind), scope, unmask)
    return Page(frame, int(total), limit, offset)


# --- the lists chosen on the snapshot (warmth.snapshot.people) ------------------------------


@dataclass(frozen=True)
class _Row:
    """What a list's finish reads of a member: their registration (None fields when the
    ID number is registered nowhere) and the district the member counts under."""

    id: int | None
    id_number: str
    name: str | None
    district_code: str | None
    street_code: str | None
    household_size: int | None
    address: str | None


def _member_rows(conn: sa.Connection, city: City, members: Members) -> list[_Row]:
    """The members' rows in list order: registrations read by id, in one query per 900."""
    people = city.people
    ben_ids = people.ben_id[members.rows]
    found: dict[int, tuple] = {}
    for part in _chunks([int(i) for i in ben_ids if i >= 0]):
        q = sa.select(
            b.c.id, b.c.id_number, b.c.name, b.c.street_code, b.c.household_size, b.c.address
        ).where(b.c.id.in_(part))
        found.update({row[0]: tuple(row[1:]) for row in conn.execute(q)})
    n_registered = int(people.registered.sum())
    out = []
    for row, ben, district in zip(members.rows, ben_ids, members.districts, strict=True):
        code = city.codes.districts[district] if district >= 0 else None
        if ben >= 0 and int(ben) in found:
            idn, name, street, size, address = found[int(ben)]
            out.append(_Row(int(ben), idn, name, code, street, size, address))
        elif ben < 0:
            idn = str(people.id_numbers[int(row) - n_registered])
            out.append(_Row(None, idn, None, code, None, None, None))
    return out


def _page_rows(
    conn: sa.Connection, city: City, members: Members, offset: int, limit: int
) -> list[_Row]:
    """Rows offset .. offset+limit of the list: the members registered in the districts
    shown in street order, then the others (few) by ID number."""
    stop = offset + limit
    rows = _member_rows(conn, city, members.part(offset, min(stop, members.here)))
    if stop > members.here:
        others = _member_rows(conn, city, members.part(members.here, len(members)))
        others.sort(key=lambda row: row.id_number)
        rows += others[max(offset - members.here, 0) : stop - members.here]
    return rows


def _chosen(
    conn: sa.Connection, scope: Scope, filters: Filters, kind: str, cell: tuple = (None,) * 3
) -> tuple[City, Members, Callable] | None:
    """The snapshot, the list's members and its finish; None when nothing is visible."""
    req = resolve(conn, scope, filters)
    if req is None or not req.districts or (req.streets is not None and not req.streets):
        return None
    city = store.city(conn, req.campaign_id)
    sl = _resolve(conn, scope, filters)
    if sl.empty:
        return None
    if kind == "omission":
        return city, people.omission(city, req), _omission_finish(sl)
    if kind == "repeat":
        return city, people.repeats(city, req), _repeat_finish(sl)
    if kind == "overlap":
        return city, people.overlaps(city, req, cell), _overlap_finish(sl, *cell)
    return city, people.leakage(city, req), _leakage_finish(sl)


def _chosen_page(
    conn: sa.Connection,
    scope: Scope,
    filters: Filters,
    kind: str,
    *,
    limit: int,
    offset: int,
    unmask: bool,
    cell: tuple = (None,) * 3,
) -> Page:
    limit, offset = max(int(limit), 0), max(int(offset), 0)
    got = _chosen(conn, scope, filters, kind, cell)
    if got is None:
        return Page(_frame([], kind), 0, limit, offset)
    city, members, finish = got
    page = Members(
        members.rows[offset : offset + limit], members.districts[offset : offset + limit]
    )
    rows = finish(conn, _member_rows(conn, city, page))
    return Page(_mask(_frame(rows, kind), scope, unmask), len(members), limit, offset)


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
    return _chosen_page(conn, scope, filters, "omission", limit=limit, offset=offset, unmask=unmask)


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
    return _chosen_page(conn, scope, filters, "repeat", limit=limit, offset=offset, unmask=unmask)


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
    return _chosen_page(
        conn,
        scope,
        filters,
        "overlap",
        limit=limit,
        offset=offset,
        unmask=unmask,
        cell=(dept_a, dept_b, need),
    )


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
    return _chosen_page(conn, scope, filters, "leakage", limit=limit, offset=offset, unmask=unmask)


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


def iter_frames(
    conn: sa.Connection, scope: Scope, filters: Filters, kind: str, *, unmask: bool = False
) -> Iterator[pd.DataFrame]:
    """Every row of a list, as masked frames of up to REPORT_CHUNK rows."""
    if kind not in KINDS:
        raise ValueError(f"unknown list {kind!r}; one of {', '.join(KINDS)}")
    if kind == "cross-district":
        lst = _cross_district_list(conn, _resolve(conn, scope, filters))
        if lst.stmt is None:
            yield _frame([], kind)
            return
        sent = False
        result = conn.execution_options(yield_per=REPORT_CHUNK).execute(lst.stmt)
        for part in result.partitions(REPORT_CHUNK):
            sent = True
            yield _mask(_frame(lst.finish(conn, list(part)), kind), scope, unmask)
        if not sent:
            yield _frame([], kind)
        return
    got = _chosen(conn, scope, filters, kind)
    if got is None or not len(got[1]):
        yield _frame([], kind)
        return
    city, members, finish = got
    for start in range(0, len(members), REPORT_CHUNK):
        rows = finish(conn, _page_rows(conn, city, members, start, REPORT_CHUNK))
        yield _mask(_frame(rows, kind), scope, unmask)


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
) -> None:
    """`warmth report gaps`: every row of one list (masked) written to a text stream as CSV
    (with header, formula cells quoted) or a JSON array of objects."""
    write_gaps(conn, scope, filters, kind, fmt, out)


def write_gaps(
    conn: sa.Connection,
    scope: Scope,
    filters: Filters,
    kind: str,
    fmt: str,
    out: TextIO,
) -> int:
    """report_gaps, returning the number of rows written."""
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
                writer.writerow(["" if _json_value(v) is None else escape_cell(v) for v in row])
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
