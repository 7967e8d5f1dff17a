"""Which campaign a request means: the campaign by code, else the newest."""

from __future__ import annotations

import sqlalchemy as sa

from warmth import schema


def campaign(conn: sa.Connection, code: str | None) -> dict | None:
    """The campaign with this code, or the newest (latest window start) when code is None or
    empty, as a dict of its columns (dates as dates); None when there is no such campaign."""
    c = schema.campaigns
    query = sa.select(c)
    if code:
        query = query.where(c.c.code == code)
    else:
        query = query.order_by(c.c.window_start.desc(), c.c.id.desc())
    row = conn.execute(query.limit(1)).mappings().first()
    return dict(row) if row is not None else None
