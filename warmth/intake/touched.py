"""Which districts' snapshot shards a write touches (warmth.snapshot.shards), and saying so
in the write's own transaction: the data version moves and the snapshot re-reads, or
patches, only those."""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warmth import schema, versions
from warmth.intake.rows import Rows


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


def record_shards(conn: sa.Connection, homes: np.ndarray, delivered: np.ndarray) -> set[str]:
    """The districts whose snapshot shards hold these aid records (as batch_shards), from
    each record's registered person's home district (None: registered nowhere) and its
    delivering district (its own, else its submitter's)."""
    found = set(np.where(pd.isna(homes), delivered, homes).tolist())
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


def mark_changed(conn: sa.Connection, districts: set[str], change: tuple | None = None) -> int:
    """Say, in the caller's transaction, which districts' data changed and, when it is only
    an aid batch added or removed, which (versions.bump): the data version moves, and the
    snapshot applies the batch or re-reads those districts (warmth.snapshot). Returns
    the new data version."""
    return versions.bump(conn, sorted(districts), change)


def written_records(rows: Rows, rec_ids: np.ndarray, ben_ids: np.ndarray) -> dict[str, list]:
    """Aid records as inserted (the Rows given to the driver), with their beneficiaries'
    ids (-1: registered nowhere), as the columns the snapshot reads of a batch
    (warmth.snapshot.store.offer_batch)."""
    by_name = rows.by_column
    out = {"rec_id": rec_ids, "ben_id": ben_ids}
    names = {"id_number": "id_number", "pbit": "programme_code", "amount_fen": "amount_fen",
             "form": "form", "day": "date", "deliver": "district_code",
             "submitter": "submitter", "batch_id": "batch_id"}  # fmt: skip
    out.update({k: by_name.get(column, []) for k, column in names.items()})
    return out


def offer_batch(conn: sa.Connection, version: int, batch_id: int, records: dict) -> None:
    """Hand a committed aid batch's records to this process's snapshot store."""
    from warmth.snapshot import store  # heavy: only once an aid batch is committed

    store.offer_batch(conn, version, batch_id, records)
