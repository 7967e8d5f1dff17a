"""The data version: one counter that every write bumps in its own transaction.

Everything derived from the base tables (the columnar snapshot, every cached answer) is
keyed by this number, so a figure is never older than the last committed import, undo or
refresh, whichever process made it. Reading it is one primary-key lookup.
"""

from __future__ import annotations

import sqlalchemy as sa

from warmth import schema


def current(conn: sa.Connection) -> int:
    """The committed data version (0 before anything was written)."""
    dv = schema.data_version
    got = conn.execute(sa.select(dv.c.version).where(dv.c.id == 1)).scalar()
    return int(got or 0)


def bump(conn: sa.Connection) -> int:
    """Mark the data as changed, inside the caller's transaction; returns the new version.
    Concurrent writers serialise on the one row, so versions never repeat."""
    dv = schema.data_version
    done = conn.execute(sa.update(dv).where(dv.c.id == 1).values(version=dv.c.version + 1))
    if done.rowcount == 0:
        conn.execute(sa.insert(dv).values(id=1, version=1))
    return current(conn)
