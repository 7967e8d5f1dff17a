"""One request, resolved once: the viewer's scope and filters against the campaign and the
reference data. Every figure (warmth.queries), every list (warmth.worklists), every export
and the command line take a Request; nothing else turns filters into what counts.

Default deny: `resolve` returns None when the scope is empty or names no campaign, and a
Request whose `districts` is empty when the scope and filters leave none. Values from a URL
or a command line are codes: an unknown code matches nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from warmth import metrics, schema
from warmth.campaigns import campaign
from warmth.metrics import Catalogue, Slice
from warmth.scope import Filters, Scope


@dataclass(frozen=True)
class Request:
    """What counts for one request.

    districts: the scope's districts narrowed by the filter (never widened), sorted;
    streets: chosen streets (None: no street filter);
    departments: the scope's departments narrowed by the filter, sorted;
    universe: the programmes that count (bit mask: departments, then the programme filter);
    categories: the chosen categories (bit mask; None: no category filter);
    forms: the chosen forms (records only; None: all);
    every_district: the districts are every district of the city."""

    scope: Scope
    filters: Filters
    campaign: dict
    cat: Catalogue
    districts: tuple[str, ...]
    streets: tuple[str, ...] | None
    departments: tuple[str, ...]
    universe: int
    categories: int | None
    forms: frozenset[str] | None
    every_district: bool = False  # the districts are all the city's

    @property
    def campaign_id(self) -> int:
        return self.campaign["id"]

    @property
    def as_of(self) -> date | None:
        return self.filters.as_of

    @property
    def all_departments(self) -> bool:
        return set(self.departments) == set(self.cat.departments.code)

    @property
    def pacing_end(self) -> date:
        """Pacing measures against the Spring Festival (the aid is meant to arrive before it:
        "on 2005-01-25, with 70 % of the window gone"), else the window's end."""
        return self.campaign["spring_festival"] or self.campaign["window_end"]

    @property
    def slice(self) -> Slice:
        """The request as a whole: its programmes, categories and forms."""
        return Slice(self.universe, self.categories, self.forms)


def resolve(conn: sa.Connection, scope: Scope, filters: Filters) -> Request | None:
    """The request resolved, or None when the viewer may see nothing of it."""
    if scope.is_empty:
        return None
    found = campaign(conn, filters.campaign)
    if found is None:
        return None
    known = set(conn.execute(sa.select(schema.districts.c.code)).scalars())
    districts = set(scope.districts) & known
    if filters.districts:
        districts &= set(filters.districts)
    cat = metrics.load_catalogue(conn)
    departments = set(scope.departments) & set(cat.departments.code)
    if filters.departments:
        departments &= set(filters.departments)
    universe = cat.department_mask(departments)
    if filters.programmes:
        universe &= cat.programme_mask(filters.programmes)
    return Request(
        scope=scope,
        filters=filters,
        campaign=found,
        cat=cat,
        districts=tuple(sorted(districts)),
        streets=tuple(sorted(set(filters.streets))) if filters.streets else None,
        departments=tuple(sorted(departments)),
        universe=universe,
        categories=cat.category_mask(filters.categories) if filters.categories else None,
        forms=frozenset(filters.forms) if filters.forms else None,
        every_district=districts == known,
    )
