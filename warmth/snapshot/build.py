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


def _layout(columns: list[list[np.ndarray]]) -> list[tuple[int, int]] | None:
    """(low, bit width) per column for packing rows into one int64 key that sorts as the
    columns do (each column given as the parts it is made of); None when they do not fit
    in 63 bits."""
    out = []
    for parts in columns:
        parts = [p for p in parts if len(p)]
        low = min(int(p.min()) for p in parts) if parts else 0
        high = max(int(p.max()) for p in parts) if parts else 0
        out.append((low, max(high - low, 0).bit_length()))
    return out if sum(width for _, width in out) <= 63 else None


def _packed(columns: list[np.ndarray], layout: list[tuple[int, int]]) -> np.ndarray:
    key = np.zeros(len(columns[0]), "int64")
    for column, (low, width) in zip(columns, layout, strict=True):
        key <<= width
        key |= column.astype("int64") - low
    return key


def _packed_order(columns: list[np.ndarray]) -> np.ndarray:
    """Positions that sort rows by the columns (the last one unique): one stable sort of the
    columns packed into 63 bits (rows mostly in order already sort in near-linear time),
    else a lexsort when they do not fit."""
    layout = _layout([[c] for c in columns])
    if layout is None:
        return np.lexsort(columns[::-1])
    return np.argsort(_packed(columns, layout), kind="stable")


ORDER = ("person", "day", "rec_id")  # the records' order


def _sorted_raw(raw: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Raw records in ORDER, each column of its RAW_TYPES type."""
    order = _packed_order([raw[k] for k in ORDER])
    return {
        k: raw[k][order].astype(t, copy=False) if t else narrow(raw[k][order], "int32")
        for k, t in RAW_TYPES.items()
    }


def _attributed(people: People, r: dict[str, np.ndarray], cat: metrics.Catalogue) -> dict:
    """matching, att and att_street of raw records (DEFINITIONS.md, see the module
    docstring of warmth.snapshot.city)."""
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
    return {
        "matching": matching,
        "att": att.astype("int8"),
        "att_street": att_street.astype("int16"),
    }


def _ranks(person: np.ndarray, pbit: np.ndarray) -> np.ndarray:
    """Rank among the person's records of one programme, in (day, record id) order (rows in
    ORDER, so a stable sort by (person, programme) keeps that order inside a group)."""
    by_prog = _packed_order([person, pbit])
    group = person[by_prog].astype("int64") * 64 + pbit[by_prog]
    position = np.arange(len(group))
    first_of_run = np.maximum.accumulate(np.where(runs(group), position, 0))
    rank = np.empty(len(group), "int8")
    rank[by_prog] = np.minimum(position - first_of_run, RANK_CAP)
    return rank


def _set_leak_att(people: People, person, matching, att) -> None:
    """Each person's leakage district: their earliest non-matching record's (rows in
    ORDER)."""
    non = ~matching
    first = runs(person[non])
    people.leak_att[person[non][first]] = att[non][first]


def derive(people: People, raw: dict[str, np.ndarray], cat: metrics.Catalogue) -> Records:
    """Records sorted by (person, day, record id), with what follows from the people:
    matching, attribution district and street, rank inside (person, programme); sets the
    people's leakage district (their earliest non-matching record's)."""
    r = _sorted_raw(raw)
    r.update(_attributed(people, r, cat))
    r["rank"] = _ranks(r["person"], r["pbit"])
    people.leak_att[:] = -1
    _set_leak_att(people, r["person"], r["matching"], r["att"])
    return Records(**r)


def _common(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    kind = np.promote_types(a.dtype, b.dtype)
    return a.astype(kind, copy=False), b.astype(kind, copy=False)


def _renew(people: People, columns: dict[str, np.ndarray], touched: np.ndarray) -> Records:
    """Records from columns in ORDER whose ranks and leakage districts are right except for
    the touched people's: those recomputed from their own runs of records."""
    person = columns["person"]
    lo, hi = np.searchsorted(person, touched, "left"), np.searchsorted(person, touched, "right")
    lengths = hi - lo
    rows = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    columns["rank"][rows] = _ranks(person[rows], columns["pbit"][rows])
    people.leak_att[touched] = -1
    _set_leak_att(people, person[rows], columns["matching"][rows], columns["att"][rows])
    return Records(**columns)


def with_records(
    people: People, records: Records, raw: dict[str, np.ndarray], cat: metrics.Catalogue
) -> Records:
    """The records with raw ones added (their people already in `people`), as derive would
    give for all of them, computed for the new records and the people they touch; sets
    those people's leakage districts."""
    new = _sorted_raw(raw)
    new.update(_attributed(people, new, cat))
    new["rank"] = np.zeros(len(new["person"]), "int8")
    at = _insert_at(records, new)
    if at is None:  # keys too wide to pack: derive them all
        both = {k: np.concatenate([getattr(records, k), new[k]]) for k in RAW_TYPES}
        return derive(people, both, cat)
    names = list(Records.__dataclass_fields__)
    pairs = [_common(getattr(records, k), new[k]) for k in names]
    columns = inserted([p[0] for p in pairs], at, [p[1] for p in pairs])
    return _renew(people, dict(zip(names, columns, strict=True)), np.unique(new["person"]))


def _insert_at(records: Records, new: dict[str, np.ndarray]) -> np.ndarray | None:
    """Where each new record (sorted in ORDER) goes among the held ones (in ORDER), as a
    search of all their packed keys would find it: searched among the held records of the
    new records' people only (None when the keys do not fit in 63 bits)."""
    person = records.person
    who = np.unique(new["person"])
    lo, hi = np.searchsorted(person, who, "left"), np.searchsorted(person, who, "right")
    lengths = hi - lo
    start = np.cumsum(lengths) - lengths  # each person's run within `rows`
    rows = np.repeat(lo - start, lengths) + np.arange(lengths.sum())
    theirs = [getattr(records, k)[rows] for k in ORDER]
    layout = _layout([[held, new[k]] for held, k in zip(theirs, ORDER, strict=True)])
    if layout is None:
        return None
    found = np.searchsorted(_packed(theirs, layout), _packed([new[k] for k in ORDER], layout))
    k = np.searchsorted(who, new["person"])  # each new record's person among `who`
    return lo[k] + (found - start[k])


def inserted(olds: list[np.ndarray], at: np.ndarray, news: list[np.ndarray]) -> list[np.ndarray]:
    """np.insert(old, at, new) of each pair of columns (at ascending), the places worked
    out once for all of them: the old values go where a mask is left set (a boolean mask
    costs a fraction of an index array over millions of rows, and keeps a column's type)."""
    size = (len(olds[0]) if olds else 0) + len(at)
    placed = at + np.arange(len(at))
    kept = np.ones(size, bool)
    kept[placed] = False
    out = []
    for old, new in zip(olds, news, strict=True):
        column = np.empty(size, np.promote_types(old.dtype, new.dtype))
        column[kept] = old
        column[placed] = new
        out.append(column)
    return out


def without_batch(people: People, records: Records, batch: int) -> Records:
    """The records without those of one import batch, as derive would give; sets the
    leakage districts of the people who had them."""
    gone = records.batch_id == batch
    touched = np.unique(records.person[gone])
    keep = ~gone
    columns = {k: getattr(records, k)[keep] for k in Records.__dataclass_fields__}
    return _renew(people, columns, touched)
