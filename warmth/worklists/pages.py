"""One page of any people list, by the list's name (KINDS), as the dashboard asks for it."""

from __future__ import annotations

import sqlalchemy as sa

from warmth.scope import Filters, Scope
from warmth.worklists._common import Page
from warmth.worklists.leakage import leakage
from warmth.worklists.left_out import left_out
from warmth.worklists.omission import omission
from warmth.worklists.overlaps import overlaps
from warmth.worklists.registrations import cross_district
from warmth.worklists.repeats import repeats

LISTS = {
    "omission": omission,
    "repeat": repeats,
    "overlap": overlaps,
    "leakage": leakage,
    "cross-district": cross_district,
    "left-out": left_out,
}


def page(
    conn: sa.Connection,
    kind: str,
    scope: Scope,
    filters: Filters,
    *,
    limit: int,
    offset: int,
    cell: tuple[str, str, str | None] | None = None,
    unmask: bool = False,
) -> Page:
    """A page of the list `kind`; an overlap list takes its matrix cell (dept_a, dept_b,
    need or None). Masked unless unmask and the scope may unmask."""
    extra = {} if cell is None else {"dept_a": cell[0], "dept_b": cell[1], "need": cell[2]}
    return LISTS[kind](conn, scope, filters, limit=limit, offset=offset, unmask=unmask, **extra)
