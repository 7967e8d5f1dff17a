"""The demo city's snapshot shards, made from the arrays it generated instead of read back
from the tables it has just written: the same shards warmth.snapshot.shards.read_all gives
for them (tests/test_demo.py compares the figures of both)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from warmth import metrics
from warmth.demo.parameters import PROFILES
from warmth.demo.people import _People, _Reference
from warmth.demo.records import _Records
from warmth.demo.rows import _id_strings, _register_at, _street_lookup
from warmth.idkey import IdKey
from warmth.snapshot.shards import EPOCH, Codes, Shard


def _positions(values: np.ndarray, codes: tuple[str, ...]) -> np.ndarray:
    """Each value's position in codes (all of them are there)."""
    return pd.Index(codes).get_indexer(values).astype("int64")


def shards(
    ref: _Reference,
    people: _People,
    records: _Records,
    *,
    first_id: int,
    first_record_id: int,
    batch_id: int,
    window_start: date,
    codes: Codes,
    cat: metrics.Catalogue,
    idk: IdKey,
    by_key: np.ndarray,
) -> list[Shard]:
    """One shard per district of codes.districts, of the people and records as written
    (beneficiary ids from first_id, record ids from first_record_id, in array order;
    by_key sorts people.key)."""
    district = _positions(np.array(ref.districts, dtype=object), codes.districts)
    flat_streets, offsets = _street_lookup(ref)
    street_code = _positions(flat_streets, codes.streets)
    home = district[people.district]
    street = street_code[offsets[people.district] + people.street].astype("int16")
    bits = {c: 1 << int(b) for c, b in cat.cat_bit.items()}
    profile_mask = np.array([sum(bits[c] for c in cats) for cats, _, _ in PROFILES], "int64")
    cat_mask = profile_mask[people.profile]
    ben_id = first_id + np.arange(len(people.key), dtype="int64")

    n = len(records.key)
    person = _register_at(people, by_key, records.key)
    registered = person >= 0
    deliver = district[records.deliverer].astype("int8")
    prog_bit = np.array([int(cat.prog_bit[p]) for p in ref.programmes], "int8")
    form = _positions(np.array(ref.prog_form, dtype=object), codes.forms).astype("int8")
    columns = {
        "rec_id": first_record_id + np.arange(n, dtype="int64"),
        "pbit": prog_bit[records.programme],
        "amount_fen": records.amount.astype("int64"),
        "form": form[records.programme],
        "day": ((window_start - EPOCH).days + records.day.astype("int64")).astype("int32"),
        "deliver": deliver,
        "submitter": deliver,  # the demo's records are submitted by the delivering district
        "batch_id": np.full(n, batch_id, "int32"),
    }
    owner = np.where(registered, home[np.maximum(person, 0)], -1)
    out = []
    for i, code in enumerate(codes.districts):
        mine = np.flatnonzero(home == i)
        local = np.full(len(people.key), -1, "int64")
        local[mine] = np.arange(len(mine))
        own = np.flatnonzero(owner == i)
        orphan = np.flatnonzero(~registered & (deliver == i))
        take = np.concatenate([own, orphan])
        shard_records = {k: v[take] for k, v in columns.items()}
        shard_records["person"] = np.concatenate(
            [local[person[own]], np.full(len(orphan), -1, "int64")]
        ).astype("int32")
        orphan_ids = np.array(
            idk.hashes(_id_strings(records.key[orphan], records.check[orphan])), dtype=object
        )
        out.append(
            Shard(
                district=code,
                people={"ben_id": ben_id[mine], "street": street[mine], "cat_mask": cat_mask[mine]},
                records=shard_records,
                orphan_ids=orphan_ids,
            )
        )
    return out
