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


def changes(conn: sa.Connection, after: int, upto: int) -> list[tuple[int, str, int, int]]:
    """(version, kind, batch id, campaign id) of the versions after `after` up to `upto`
    that recorded their change (an aid batch added or removed, a campaign loaded whole),
    oldest first."""
    t = schema.data_changes
    rows = conn.execute(
        sa.select(t.c.version, t.c.kind, t.c.batch_id, t.c.campaign_id)
        .where(t.c.version > after, t.c.version <= upto)
        .order_by(t.c.version)
    ).all()
    return [tuple(r) for r in rows]


def identity(conn: sa.Connection) -> str:
    """This database's random token (made by its first migration to 0008)."""
    t = schema.database_identity
    return str(conn.execute(sa.select(t.c.token).where(t.c.id == 1)).scalar() or "none")


def districts(conn: sa.Connection) -> dict[str, int]:
    """District code -> the data version of that district's last change."""
    t = schema.district_versions
    return {d: int(v) for d, v in conn.execute(sa.select(t.c.district_code, t.c.version))}


AID_KINDS = ("aid_added", "aid_removed")
# a campaign's data replaced whole (warmth demo): the other campaigns are untouched
CHANGE_KINDS = (*AID_KINDS, "campaign_loaded")


def bump(
    conn: sa.Connection,
    touched: Iterable[str] | None = None,
    change: tuple[str, int, int] | None = None,
) -> int:
    """Mark the data as changed, inside the caller's transaction, for the districts touched
    (None: every district); returns the new version. `change` (kind, batch id, campaign
    id) says the write was only that aid batch added or removed, or only that campaign's
    data replaced (its batch the demo's). Concurrent writers
    serialise on the one row, so versions never repeat."""
    dv, t = schema.data_version, schema.district_versions
    done = conn.execute(sa.update(dv).where(dv.c.id == 1).values(version=dv.c.version + 1))
    if done.rowcount == 0:
        conn.execute(sa.insert(dv).values(id=1, version=1))
    version = current(conn)
    if change is not None:
        kind, batch_id, campaign_id = change
        if kind not in CHANGE_KINDS:
            raise ValueError(f"change must be one of {', '.join(CHANGE_KINDS)}")
        conn.execute(
            sa.insert(schema.data_changes).values(
                version=version, kind=kind, batch_id=batch_id, campaign_id=campaign_id
            )
        )
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
