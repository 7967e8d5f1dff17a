"""Which districts' snapshot shards a write touches (warmth.snapshot.shards), and saying so
in the write's own transaction: the data version moves and the snapshot re-reads, or
patches, only those."""

from __future__ import annotations

import sqlalchemy as sa

from warmth import schema, versions


def batch_shards(conn: sa.Connection, batch_id: int) -> set[str]:
    """The districts whose snapshot shards hold an aid batch's records
    (warmth.snapshot.shards): each registered person's home district, and for an ID number
    registered nowhere the record's delivering district (its own, else its submitter's).
    Only those shards change when the batch is added or taken away; each district's
    figures are the city's, joined again from the shards (so a leakage moving to another
    district needs no other shard read again). One pass over the batch's own records (on
    ix_aid_records_batch), each probing the register's unique index once."""
    a, b = schema.aid_records, schema.beneficiaries
    registered = (b.c.campaign_id == a.c.campaign_id) & (b.c.id_number == a.c.id_number)
    pairs = conn.execute(
        sa.select(b.c.district_code, sa.func.coalesce(a.c.district_code, a.c.submitter))
        .distinct()
        .select_from(a.outerjoin(b, registered))
        .where(a.c.batch_id == batch_id)
    ).all()
    found = {home if home is not None else delivered for home, delivered in pairs}
    every = set(conn.execute(sa.select(schema.districts.c.code)).scalars())
    return found & every


def districts_of(conn, id_numbers: sa.Select, campaign_id: int) -> set[str]:
    """The registered and delivering districts of these ID numbers: the snapshot shards that
    hold a person's figures (warmth.snapshot.shards)."""
    ben, a = schema.beneficiaries, schema.aid_records
    wanted = id_numbers.scalar_subquery()
    found = set(
        conn.execute(
            sa.select(ben.c.district_code)
            .distinct()
            .where(ben.c.campaign_id == campaign_id, ben.c.id_number.in_(wanted))
        ).scalars()
    )
    every = set(conn.execute(sa.select(schema.districts.c.code)).scalars())
    if found >= every:  # a big file touches every district: no need to look further
        return found
    found |= set(
        conn.execute(
            # a record with no delivering district is delivered by its submitting district
            sa.select(sa.func.coalesce(a.c.district_code, a.c.submitter))
            .distinct()
            .where(a.c.campaign_id == campaign_id, a.c.id_number.in_(wanted))
        ).scalars()
    )
    return {d for d in found if d} & every


def mark_changed(conn: sa.Connection, districts: set[str], change: tuple | None = None) -> None:
    """Say, in the caller's transaction, which districts' data changed and, when it is only
    an aid batch added or removed, which (versions.bump): the data version moves, and the
    snapshot applies the batch or re-reads those districts (warmth.snapshot)."""
    versions.bump(conn, sorted(districts), change)
