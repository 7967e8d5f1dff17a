"""Left out this year: reached in the previous campaign, eligible in this one and not (yet)
reached, matched by ID number (warmth.years.left_out); the omission list's columns."""

from __future__ import annotations

import sqlalchemy as sa

from warmth.scope import Filters, Scope
from warmth.worklists._common import Page
from warmth.worklists.chosen import chosen_page
from warmth.worklists.omission import omission_finish


def left_out(
    conn: sa.Connection,
    scope: Scope,
    filters: Filters,
    *,
    limit: int = 1000,
    offset: int = 0,
    unmask: bool = False,
) -> Page:
    """People reached last campaign who are eligible this campaign and not reached by the
    cut-off date, in street order, masked unless the scope allows and the caller asks."""
    return chosen_page(
        conn, scope, filters, "left-out", omission_finish, limit=limit, offset=offset, unmask=unmask
    )
