"""Building the city snapshot: the shards of every district joined into the city's people
and records, and the records' derived columns (order, matching, attribution, rank).

`join` is a whole build; `derive` is also what a held snapshot runs again after an aid batch
was added or undone (warmth.snapshot.store). Records held in order already, with a batch
appended, sort in close to linear time: the order is one stable sort of a packed integer
key.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from warmth import metrics
from warmth.snapshot.city import City, People, Records, narrow, runs
from warmth.snapshot.shards import Codes, Shard

# the records' columns as read, and their types (None: the narrowest of int32 and int64)
RAW_TYPES = {
    "person": "int32",
    "rec_id": None,
    "pbit": "int8",
    "day": "int32",
    "amount_fen": None,
    "form": "int8",
    "batch_id": "int32",
    "deliver": "int8",
    "submitter": "int8",
}
RANK_CAP = 2  # a rank is 0 (first), 1 (second) or 2 (third or later): all a figure asks


def join(
    campaign_id: int,
    shards: list[Shard],
    codes: Codes,
    cat: metrics.Catalogue,
    versions: dict[str, int],
) -> City:
    """The city snapshot from the shards of every district."""
    dindex = {d: i for i, d in enumerate(codes.districts)}
    sizes = [len(s.people["ben_id"]) for s in shards]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype("int64")
    n_reg = int(offsets[-1])
    orphan_ids = np.concatenate([s.orphan_ids for s in shards]) if shards else np.array([])
    orphan_code, orphan_uniq = pd.factorize(orphan_ids) if len(orphan_ids) else ([], [])
    n = n_reg + len(orphan_uniq)

    home = np.full(n, -1, "int8")
    for s, start, size in zip(shards, offsets[:-1], sizes, strict=True):
        home[start : start + size] = dindex[s.district]
    street = np.full(n, -1, "int16")
    street[:n_reg] = np.concatenate([s.people["street"] for s in shards]) if shards else []
    cat_mask = np.zeros(n, "int64")
    cat_mask[:n_reg] = np.concatenate([s.people["cat_mask"] for s in shards]) if shards else []
    ben_id = np.full(n, -1, "int64")
    ben_id[:n_reg] = np.concatenate([s.people["ben_id"] for s in shards]) if shards else []
    registered = np.zeros(n, bool)
    registered[:n_reg] = True

    def cat_(key, dtype):
        parts = [s.records[key] for s in shards]
        return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)

    local = cat_("person", "int64")
    shard_of = np.repeat(np.arange(len(shards)), [len(s.records["rec_id"]) for s in shards])
    person = np.where(local >= 0, local + offsets[shard_of] if len(shards) else local, -1)
    person[local < 0] = n_reg + np.asarray(orphan_code, dtype="int64")
    people = People(
        registered=registered,
        home=home,
        street=street,
        cat_mask=narrow(cat_mask),
        ben_id=narrow(ben_id, "int32"),
        leak_att=np.full(n, -1, "int8"),
        id_numbers=np.asarray(orphan_uniq, dtype=object),
    )
    raw = {
        "person": person,
        **{k: cat_(k, RAW_TYPES[k] or "int64") for k in RAW_TYPES if k != "person"},
    }
    return City(campaign_id, codes, cat, people, derive(people, raw, cat), dict(versions))


def raw_records(records: Records) -> dict[str, np.ndarray]:
    """The records as read (before attribution), to derive them again after a change (new
    rows are joined with np.concatenate, whose types hold both)."""
    return {k: getattr(records, k) for k in RAW_TYPES}


def _packed_order(columns: list[np.ndarray]) -> np.ndarray:
    """Positions that sort rows by the columns (non-negative after their minimum is taken
    away; the last one unique): one stable sort of the columns packed into 63 bits, else a
    lexsort when they do not fit."""
    if not len(columns[0]):
        return np.zeros(0, "int64")
    lows = [int(c.min()) for c in columns]
    widths = [max(int(c.max()) - low, 0).bit_length() for c, low in zip(columns, lows, strict=True)]
    if sum(widths) > 63:
        return np.lexsort(columns[::-1])
    key = np.zeros(len(columns[0]), "int64")
    for column, low, width in zip(columns, lows, widths, strict=True):
        key <<= width
        key |= column.astype("int64") - low
    return np.argsort(key, kind="stable")


def derive(people: People, raw: dict[str, np.ndarray], cat: metrics.Catalogue) -> Records:
    """Records sorted by (person, day, record id), with what follows from the people:
    matching, attribution district and street, rank inside (person, programme); sets the
    people's leakage district (their earliest non-matching record's)."""
    order = _packed_order([raw["person"], raw["day"], raw["rec_id"]])
    r = {
        k: raw[k][order].astype(t, copy=False) if t else narrow(raw[k][order], "int32")
        for k, t in RAW_TYPES.items()
    }
    person, pbit = r["person"], r["pbit"]
    deliver, submitter = r["deliver"].astype("int64"), r["submitter"].astype("int64")

    serves = cat.serves_array()
    r_home = people.home[person].astype("int64")
    matching = people.registered[person] & (
        (serves[pbit.astype("int64")] & people.cat_mask[person]) != 0
    )
    delivered = np.where(deliver >= 0, deliver, np.where(r_home >= 0, r_home, submitter))
    att = np.where(matching, r_home, delivered)
    att_street = np.where((att == r_home) & (r_home >= 0), people.street[person], -1)

    # rank among the person's records of one programme, in (day, record id) order: the
    # records are in that order, so a stable sort by (person, programme) keeps it
    by_prog = _packed_order([person, pbit])
    group = person[by_prog].astype("int64") * 64 + pbit[by_prog]
    position = np.arange(len(group))
    first_of_run = np.maximum.accumulate(np.where(runs(group), position, 0))
    rank = np.empty(len(group), "int8")
    rank[by_prog] = np.minimum(position - first_of_run, RANK_CAP)

    people.leak_att[:] = -1
    non = ~matching
    first = runs(person[non])
    people.leak_att[person[non][first]] = att[non][first]
    return Records(
        person=person,
        rec_id=r["rec_id"],
        pbit=pbit,
        day=r["day"],
        amount_fen=r["amount_fen"],
        form=r["form"],
        batch_id=r["batch_id"],
        deliver=r["deliver"],
        submitter=r["submitter"],
        matching=matching,
        att=att.astype("int8"),
        att_street=att_street.astype("int16"),
        rank=rank,
    )
