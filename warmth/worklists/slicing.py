"""The request as SQL conditions, for the lists that still read the base tables (a
street's people, registrations in two districts).

Built from the one resolved request (warmth.request): nothing here turns filters into what
counts a second time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from warmth import schema
from warmth.request import Request
from warmth.worklists._common import bc, pc, r


@dataclass(frozen=True)
class SqlSlice:
    """The resolved request as SQL conditions, ready to bind.

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

    def eligible_person(
        self, ben, *, districts: bool = True, by_id: bool = False, by_street: bool = False
    ) -> list:
        """A beneficiary of the slice: campaign, districts, streets, categories that count.
        districts=False leaves out the district test (only when every district is visible);
        by_id=True keeps SQLite off the campaign indexes when the caller walks ids;
        by_street=True keeps it on the street index when the caller asks for one street
        (without statistics SQLite weighs the district and street indexes alike and takes
        the one made last: a district's whole register read for one street's people)."""
        campaign = ben.c.campaign_id + 0 if by_id else ben.c.campaign_id
        conds = [campaign == self.campaign_id]
        if districts or not self.whole_city:
            district = ben.c.district_code.concat("") if by_street else ben.c.district_code
            conds.append(district.in_(self.districts))
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


_NOTHING = SqlSlice(None, (), None, (), False, None, (), False, None, None)


def sql_slice(conn: sa.Connection, req: Request | None) -> SqlSlice:
    """The resolved request as SQL conditions (nothing visible when there is no request).
    Reads the database only for a street filter, to keep the streets inside the districts."""
    if req is None:
        return _NOTHING
    cat = req.cat
    streets = None
    if req.streets is not None:
        s = schema.streets
        streets = tuple(
            conn.execute(
                sa.select(s.c.code)
                .where(s.c.code.in_(req.streets), s.c.district_code.in_(req.districts))
                .order_by(s.c.code)
            ).scalars()
        )
    served = cat.served_categories(req.universe)
    eligible = served if req.categories is None else served & req.categories
    return SqlSlice(
        campaign_id=req.campaign_id,
        districts=req.districts,
        streets=streets,
        programmes=_codes(cat.prog_bit, req.universe),
        all_programmes=req.universe == cat.all_programmes,
        restrict=None if req.categories is None else _codes(cat.cat_bit, req.categories),
        eligible=_codes(cat.cat_bit, eligible),
        all_eligible=eligible == cat.all_categories,
        forms=tuple(sorted(req.forms)) if req.forms else None,
        as_of=req.as_of,
        whole_city=req.every_district and streets is None,
    )


def _codes(bits: dict[str, int], mask: int) -> tuple[str, ...]:
    """The codes whose bit is set in the mask, sorted."""
    return tuple(sorted(code for code, bit in bits.items() if mask >> int(bit) & 1))
