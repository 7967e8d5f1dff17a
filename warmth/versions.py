"""The data version: one counter that every write bumps in its own transaction.

Everything derived from the base tables (the columnar snapshot, every cached answer) is
keyed by this number, so a figure is never older than the last committed import, undo or
refresh, whichever process made it. Reading it is one primary-key lookup. A write also
says which districts it touched (see warmth.snapshot: a district's shard is re-read only
when its own version moved).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from warmth import schema


def current(conn: sa.Connection) -> int:
    """The committed data version (0 before anything was written)."""
    dv = schema.data_version
    got = conn.execute(sa.select(dv.c.version).where(dv.c.id == 1)).scalar()
    return int(got or 0)


def districts(conn: sa.Connection) -> dict[str, int]:
    """District code -> the data version of that district's last change."""
    t = schema.district_versions
    return {d: int(v) for d, v in conn.execute(sa.select(t.c.district_code, t.c.version))}


def bump(conn: sa.Connection, touched: Iterable[str] | None = None) -> int:
    """Mark the data as changed, inside the caller's transaction, for the districts touched
    (None: every district); returns the new version. Concurrent writers serialise on the
    one row, so versions never repeat."""
    dv, t = schema.data_version, schema.district_versions
    done = conn.execute(sa.update(dv).where(dv.c.id == 1).values(version=dv.c.version + 1))
    if done.rowcount == 0:
        conn.execute(sa.insert(dv).values(id=1, version=1))
    version = current(conn)
    if touched is None:
        wanted = set(conn.execute(sa.select(schema.districts.c.code)).scalars())
    else:
        wanted = set(touched)
    if wanted:
        conn.execute(
            sa.update(t).where(t.c.district_code.in_(sorted(wanted))).values(version=version)
        )
        have = set(
            conn.execute(
                sa.select(t.c.district_code).where(t.c.district_code.in_(sorted(wanted)))
            ).scalars()
        )
        missing = sorted(wanted - have)
        if missing:
            conn.execute(sa.insert(t), [{"district_code": d, "version": version} for d in missing])
    return version
