"""The day changes (warmth.snapshot.days) of a held snapshot carried across aid batches,
for the touched people only, as warmth.snapshot.patch carries its frames: a new build costs
2-2.5 CPU-s at full city scale, this a fraction of it.

Everything in a snapshot's Days is a sum over people (profile cells, record cells) or a
person's own (events), so the touched people's part before (of a small snapshot of just
them, `before`) is taken away, and their part after (`after`) added:
- events: the touched people's removed, theirs after inserted (persons are rows of the
  patched snapshot; days counted from its first record's day);
- profile cells: the rows of all three tables merged by their values, the cells (day, row,
  count) of before subtracted and of after added, and summed per (day, row);
- record cells: the group codes mapped into the patched snapshot's own group table
  (City._record_groups, which a new process computes the same from the same arrays), then
  summed per (day, group) the same way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from warmth.snapshot import days as day_changes
from warmth.snapshot.build import inserted
from warmth.snapshot.city import City, narrow
from warmth.snapshot.days import BEFORE, Days

ROW_COLUMNS = ("district_code", "street_code", "eligible", "cat_mask")
MASKS = ("reach_mask", "repeat_mask", "leak_mask")


def carried(held: City, got: City, before: City, after: City, touched: np.ndarray) -> Days | None:
    """`got`'s Days from the held snapshot's (see the module docstring); touched: the
    rows of got.people that `after` holds, ascending (`before`: those of them the held
    snapshot had). None when the held made none: the caller builds them when asked."""
    old = held._statics.get("day_changes")
    rec = got.records
    day0 = int(rec.day.min()) if len(rec) else 0
    if old is None or not len(rec):
        return None
    b, a = day_changes.build(before), day_changes.build(after)
    events = _events(old, a, touched, day0)
    rows, cells = _profile(old, b, a, day0)
    rec_cells = _records(held, got, (old, b, a), (held, before, after), day0)
    if rec_cells is None:
        return None
    return Days(day0=day0, people=len(got.people), **events, rows=rows, **cells, **rec_cells)


def _shift(d: Days, day0: int, days: np.ndarray) -> np.ndarray:
    """A snapshot's days (after its own first day) counted from day0 (BEFORE kept)."""
    days = days.astype("int64")
    return np.where(days == BEFORE, BEFORE, days + (d.day0 - day0))


def _merged(tables: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
    """Columns of several tables (each a list of equal-length arrays) merged by value:
    the distinct rows in order of first appearance (the first table's first), and per
    table its rows' positions among them."""
    both = [np.concatenate(parts) for parts in zip(*tables, strict=True)]
    # each column's values as codes, packed into one integer per row when they fit
    parts = [pd.factorize(c) for c in both]
    sizes = [max(len(u), 1) for _, u in parts]
    if np.prod(np.array(sizes, dtype=float)) < 2.0**62:
        packed = np.zeros(len(both[0]), "int64")
        for (column, _), size in zip(parts, sizes, strict=True):
            packed = packed * size + column
        codes = pd.factorize(packed)[0].astype("int64")
    else:
        codes = np.asarray(pd.MultiIndex.from_arrays(both).factorize()[0], dtype="int64")
    first = np.unique(codes, return_index=True)[1]
    sizes = np.cumsum([0, *(len(t[0]) for t in tables)])
    return [c[first] for c in both], [
        codes[lo:hi] for lo, hi in zip(sizes, sizes[1:], strict=False)
    ]


def _events(held: Days, a: Days, touched: np.ndarray, day0: int) -> dict:
    """The held events with the touched people's replaced by theirs after (a), in the held
    arrays' own narrow types: a city's events are millions, the touched people's thousands."""
    person = held.ev_person
    lo, hi = np.searchsorted(person, touched, "left"), np.searchsorted(person, touched, "right")
    lengths = hi - lo
    keep = np.ones(len(person), bool)
    keep[np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())] = False
    # the states of both tables (code 0, no record, the held's first)
    states, (old_code, new_code) = _merged(
        [list(held.states), list(a.states.astype(held.states.dtype))]
    )
    code = narrow(np.concatenate([old_code, new_code, [0]]), "int16").dtype
    new_person = touched[a.ev_person.astype("int64")].astype(person.dtype)
    kept_person = person[keep]
    at = np.searchsorted(kept_person, new_person, "left")
    new_day = _shift(a, day0, a.ev_day)
    ev_person, ev_day, ev_state = inserted(
        [kept_person, _event_days(held, day0, held.ev_day[keep], new_day),
         old_code.astype(code)[held.ev_state[keep]]],
        at,
        [new_person, narrow(new_day, "int16"), new_code.astype(code)[a.ev_state]],
    )  # fmt: skip
    return {
        "ev_person": ev_person.astype("int32", copy=False),
        "ev_day": narrow(ev_day, "int16"),
        "ev_more": np.r_[ev_person[1:] == ev_person[:-1], False],
        "ev_state": narrow(ev_state, "int16"),
        "states": np.stack(states).astype(held.states.dtype),
    }


def _event_days(held: Days, day0: int, days: np.ndarray, new: np.ndarray) -> np.ndarray:
    """The held events' days counted from day0, in their own type while the shifted days
    (and the new ones) fit it (event days are never BEFORE)."""
    step = held.day0 - day0
    if step == 0:
        return days
    low, high = int(days.min(initial=0)) + step, int(days.max(initial=0)) + step
    kind = narrow(np.array([low, high, new.min(initial=0), new.max(initial=0)]), "int16").dtype
    return days.astype(kind) + np.array(step, kind)


def _summed(keys: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys, ascending, and the values (n, k) summed per key, the keys whose
    sums are all zero left out."""
    uniq, inverse = np.unique(keys, return_inverse=True)
    sums = np.stack(
        [np.bincount(inverse, weights=v, minlength=len(uniq)) for v in values.T], axis=1
    )
    sums = np.rint(sums).astype("int64")
    used = np.any(sums != 0, axis=1)
    return uniq[used], sums[used]


def _profile(held: Days, b: Days, a: Days, day0: int):
    columns = [*ROW_COLUMNS, *MASKS]
    tables = [[np.asarray(d.rows[c], "int64") for c in columns] for d in (held, b, a)]
    rows, codes = _merged(tables)
    day = np.concatenate([_shift(d, day0, d.cell_day) for d in (held, b, a)])
    row = np.concatenate(
        [c[d.cell_row.astype("int64")] for c, d in zip(codes, (held, b, a), strict=True)]
    )
    n = np.concatenate([held.cell_n, -b.cell_n, a.cell_n]).astype("int64")
    # BEFORE first, then the days in order (a held cell on a day before the new first
    # record's is one of the records undone: it sums to nothing)
    low = int(day[day != BEFORE].min(initial=0))
    rank = np.where(day == BEFORE, 0, day - low + 1)
    keys, sums = _summed((rank << 32) | row, n[:, None])
    rank = keys >> 32
    cells = {
        "cell_day": np.where(rank == 0, BEFORE, rank - 1 + low).astype("int32"),
        "cell_row": (keys & 0xFFFFFFFF).astype("int32"),
        "cell_n": sums[:, 0],
    }
    return dict(zip(columns, rows, strict=True)), cells


def _group_keys(table: pd.DataFrame) -> np.ndarray:
    """A group table's rows as one integer each (the values City._record_groups packs)."""
    return (
        (table["district_code"].to_numpy().astype("int64") + 1)
        | ((table["street_code"].to_numpy().astype("int64") + 1) << 8)
        | (table["programme_code"].to_numpy().astype("int64") << 24)
        | (table["form"].to_numpy().astype("int64") << 30)
        | (table["matching"].to_numpy().astype("int64") << 34)
        | (table["cat_mask"].to_numpy().astype("int64") << 35)
    )


def _records(held: City, got: City, all_days, cities, day0: int) -> dict | None:
    _, table = got._static("record_groups", got._record_groups)
    index = pd.Index(_group_keys(table))
    size = len(table)
    parts = []
    for d, city, sign in zip(all_days, cities, (1, -1, 1), strict=True):
        own = city._static("record_groups", city._record_groups)[1]
        group = index.get_indexer(_group_keys(own))[d.rec_group.astype("int64")]
        parts.append((_shift(d, day0, d.rec_day), group, sign * d.rec_sums.astype("int64")))
    day, group, sums = (np.concatenate([p[i] for p in parts]) for i in range(3))
    lost = group < 0  # groups the patched snapshot lacks: their cells sum to nothing
    if lost.any():
        if np.any(sums[lost].sum(axis=0) != 0):
            return None
        day, group, sums = day[~lost], group[~lost], sums[~lost]
    low = int(day.min(initial=0))
    keys, total = _summed((day - low) * size + group, sums)
    return {
        "rec_day": (keys // size + low).astype("int32"),
        "rec_group": (keys % size).astype("int32"),
        "rec_sums": total,
    }
