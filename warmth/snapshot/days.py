"""Any day's figures without a rebuild: what each person's records have done by each of
their record days, and what that changes in the profile and record frames, day by day.

A person's reach, repeat and leak masks (City.masks) change only on the days of their own
records. So a snapshot keeps, once (`Days`, built on the first dated request):
- per person, their *events*: for each day they have records, the state (reach, repeat and
  leak masks, as one code into `states`) after that day's records, in day order;
- the profile rows that any day has (warmth.snapshot.city.PROFILE_COLUMNS), and per day the
  change in each row's count (a person's rows before the day out, after it in);
- the record groups of City._record_groups, and per day each group's records, repeat
  records and amount.

Built once per snapshot and kept on disk in the snapshot's folder (`days/`, one .npy file per
array, beside the city's own files and so keyed by the same data version), memory-mapped
read-only: a new server process, a replica or the command line reads it instead of
building it again.

"Records up to day D" is then a prefix of day-sorted cells (one bincount over a few hundred
thousand cells), and a person's masks as of D are the state of their last event up to D:
the same counts as filtering the records and grouping again, without touching a record.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
import pandas as pd

from warmth.snapshot import kept as kept_arrays  # days.kept below is the Days' own
from warmth.snapshot.city import (
    PROFILE_COLUMNS,
    City,
    mask_type,
    narrow,
    or_within_runs,
    runs,
)

BEFORE = np.iinfo("int32").min  # the day of the cells that hold everyone's rows before any record


@dataclass(frozen=True)
class Days:
    """The per-day changes of one snapshot (see the module docstring)."""

    day0: int  # the first record's day; event days count from it
    people: int  # how many people the snapshot has
    ev_person: np.ndarray  # int32: whose event, ascending
    ev_day: np.ndarray  # days after day0, ascending within a person
    ev_more: np.ndarray  # bool: the next event is the same person's
    ev_state: np.ndarray  # code into states
    states: np.ndarray  # (3, codes): reach, repeat and leak masks; code 0: no record
    rows: dict[str, np.ndarray]  # every profile row any day has (PROFILE_COLUMNS but n)
    cell_day: np.ndarray  # int32, ascending: profile changes
    cell_row: np.ndarray  # int32 into rows
    cell_n: np.ndarray  # int64: change in the row's count that day
    rec_day: np.ndarray  # int32, ascending: record cells
    rec_group: np.ndarray  # int32 into City._record_groups' table
    rec_sums: np.ndarray  # (cells, 3) int64: records, repeat records, amount (fen)

    @property
    def nbytes(self) -> int:
        arrays = [*self.rows.values(), *(v for v in vars(self).values())]
        return sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))

    def day(self, day_number: int) -> int:
        """A day number (days since 1970-01-01) as days after day0."""
        return day_number - self.day0

    def state(self, day: int) -> np.ndarray:
        """Per person, their state (code into states) counting records up to `day` (days
        after day0): the state of their last event up to it, 0 for none."""
        info = np.iinfo(self.ev_day.dtype)
        upto = self.ev_day <= min(max(day, info.min), info.max)
        last = upto.copy()  # a person's events up to the day are a prefix of theirs
        last[:-1] &= ~(upto[1:] & self.ev_more[:-1])
        at = np.flatnonzero(last)
        out = np.zeros(self.people, dtype=self.ev_state.dtype)
        out[self.ev_person[at]] = self.ev_state[at]
        return out

    def masks(self, day: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per person, the reach, repeat and leak masks counting records up to `day`."""
        state = self.state(day)
        return self.states[0][state], self.states[1][state], self.states[2][state]

    def profile_counts(self, day: int) -> np.ndarray:
        """Each row's count (into rows) counting records up to `day`."""
        k = int(np.searchsorted(self.cell_day, _int32(day), side="right"))
        size = len(self.rows["district_code"])
        got = np.bincount(self.cell_row[:k], weights=self.cell_n[:k], minlength=size)
        return np.rint(got).astype("int64")

    def record_sums(self, day: int, groups: int) -> np.ndarray:
        """(groups, 3): records, repeat records and amount (fen) per record group, up to
        `day`."""
        k = int(np.searchsorted(self.rec_day, _int32(day), side="right"))
        out = np.zeros((groups, 3), dtype="int64")
        for i in range(3):
            got = np.bincount(self.rec_group[:k], weights=self.rec_sums[:k, i], minlength=groups)
            out[:, i] = np.rint(got).astype("int64")
        return out


FOLDER = "days"  # inside the city's folder (warmth.snapshot.store)


def kept(city: City) -> Days:
    """The snapshot's Days: from its folder when written there, else built (and written
    there, for the next process; a folder that cannot be written only costs it the build)."""
    folder = None if city.folder is None else Path(city.folder) / FOLDER
    if folder is not None:
        got = read(folder)
        if got is not None and got.people == len(city.people):
            return got
        shutil.rmtree(folder, ignore_errors=True)  # unreadable: written again below
    built = build(city)
    if folder is not None:
        write(folder, built)
    return built


def _arrays(d: Days) -> dict[str, np.ndarray]:
    out = {"day0": np.array([d.day0, d.people], dtype="int64")}
    for f in fields(Days):
        value = getattr(d, f.name)
        if f.name == "rows":
            out.update({f"rows_{k}": v for k, v in value.items()})
        elif isinstance(value, np.ndarray):
            out[f.name] = value
    return out


def write(folder: Path, d: Days) -> None:
    """Write the Days as `folder`, atomically (warmth.snapshot.kept)."""
    kept_arrays.write_arrays(folder, _arrays(d))


def read(folder: Path) -> Days | None:
    """The Days written in the folder, memory-mapped (None: none, or unreadable)."""
    got = kept_arrays.read_arrays(folder)
    if got is None:
        return None
    try:
        day0, people = (int(v) for v in got.pop("day0"))
        # in the columns' order (a folder lists its files in no order): the dated profile's
        # columns then come in the order of the one built in memory
        names = sorted((k[5:] for k in got if k.startswith("rows_")), key=_column_order)
        rows = {k: got.pop(f"rows_{k}") for k in names}
        return Days(day0=day0, people=people, rows=rows, **got)
    except (ValueError, TypeError, KeyError):
        return None


def _column_order(name: str) -> int:
    return PROFILE_COLUMNS.index(name) if name in PROFILE_COLUMNS else len(PROFILE_COLUMNS)


def _int32(day: int) -> int:
    info = np.iinfo("int32")
    return min(max(day, info.min + 1), info.max)


def build(city: City) -> Days:
    """The Days of a snapshot (a second or so at full city scale, once per snapshot)."""
    rec, p = city.records, city.people
    kind = mask_type(city.catalogue)
    day0 = int(rec.day.min()) if len(rec) else 0
    bits = np.left_shift(np.ones(1, kind), rec.pbit.astype(kind))
    masks = [
        np.where(rec.matching, bits, 0),  # reach: matching records
        np.where(rec.rank == 1, bits, 0),  # repeat: the second record of a programme
        np.where(~rec.matching, bits, 0),  # leak: the records that match nobody
    ]
    or_within_runs(rec.person, masks)
    last = np.ones(len(rec), dtype=bool)  # the last record of a (person, day)
    if len(rec) > 1:
        last[:-1] = (rec.person[1:] != rec.person[:-1]) | (rec.day[1:] != rec.day[:-1])
    at = np.flatnonzero(last)
    ev_person = rec.person[at].astype("int64")
    ev_day = (rec.day[at].astype("int64") - day0).astype("int32")
    # a state as three digits (codes of the distinct reach, repeat and leak masks, 0 = none)
    digits, values = [], []
    for m in masks:
        codes, uniq = pd.factorize(np.concatenate([np.zeros(1, kind), m[at]]))
        digits.append(codes[1:].astype("int64"))
        values.append(np.asarray(uniq, dtype="int64"))
    nr, npp, nl = (len(v) for v in values)
    packed = (digits[0] * npp + digits[1]) * nl + digits[2]
    n = len(p)
    keys = _row_keys(city, ev_person, packed, (nr, npp, nl))
    rows, cells = _profile_cells(city, keys, ev_person, ev_day, values, (nr, npp, nl))
    ev_state, uniq_states = pd.factorize(np.concatenate([np.zeros(1, "int64"), packed]))
    uniq_states = np.asarray(uniq_states, dtype="int64")
    states = np.stack(
        [
            values[0][uniq_states // (npp * nl)],
            values[1][(uniq_states // nl) % npp],
            values[2][uniq_states % nl],
        ]
    ).astype(kind)
    rec_cells = _record_cells(city, day0)
    return Days(
        day0=day0,
        people=n,
        ev_person=ev_person.astype("int32"),
        ev_day=narrow(ev_day, "int16"),
        ev_more=np.r_[ev_person[1:] == ev_person[:-1], False],
        ev_state=narrow(ev_state[1:], "int16"),
        states=states,
        rows=rows,
        cell_day=cells[0],
        cell_row=cells[1],
        cell_n=cells[2],
        rec_day=rec_cells[0],
        rec_group=rec_cells[1],
        rec_sums=rec_cells[2],
    )


def _row_keys(city: City, ev_person, packed, sizes: tuple[int, int, int]):
    """Integer keys of a person's profile rows: before any record (one per person) and
    after each event (the home row, and the leakage row away from home), -1 for none.

    A registered person's home row carries their masks (the leak only when their leakage
    counts at home); their leakage elsewhere is a row of its own (district, no street, leak
    only); an ID number registered nowhere has one row under its leakage district (repeat
    and leak). Keys of the same row are equal, whoever's they are."""
    p = city.people
    m = p.n_registered
    home_code, _ = city._static("home", city._home_groups)
    n = len(p)
    registered = np.arange(n) < m
    nr, npp, nl = sizes
    p_l, span = npp * nl, nr * npp * nl  # span: more than every packed state
    codes = np.full(n, -1, dtype="int64")
    codes[:m] = home_code
    leak_att = p.leak_att.astype("int64")

    def home(person, state):  # registered: (home code, masks); even keys
        at_home = leak_att[person] == p.home[person]
        state = np.where(at_home, state, state - state % nl)
        return (codes[person] * span + state) * 2

    def away(person, state):  # (district, repeat and leak): odd keys
        return (leak_att[person] * span + state) * 2 + 1

    everyone = np.arange(n)
    before = np.where(
        registered,
        home(everyone, np.zeros(n, "int64")),
        np.where(leak_att >= 0, away(everyone, 0), -1),
    )
    reg = registered[ev_person]
    after = np.where(reg, home(ev_person, packed), -1)
    unreg = ~reg & (leak_att[ev_person] >= 0)
    after[unreg] = away(ev_person[unreg], packed[unreg] % p_l)
    leaks_away = (
        reg
        & (packed % nl != 0)
        & (leak_att[ev_person] >= 0)
        & (leak_att[ev_person] != p.home[ev_person])
    )
    elsewhere = np.full(len(packed), -1, dtype="int64")
    elsewhere[leaks_away] = away(ev_person[leaks_away], packed[leaks_away] % nl)
    return before, after, elsewhere, span


def _profile_cells(city: City, keys, ev_person, ev_day, values, sizes):
    """The rows any day has, and the change of each row's count per day."""
    before, after, elsewhere, span = keys
    nr, npp, nl = sizes
    # row numbers of the keys (-1: none), each distinct key factorized once
    parts = [before, after, elsewhere]
    valid = [k >= 0 for k in parts]
    codes, uniq = pd.factorize(np.concatenate([k[v] for k, v in zip(parts, valid, strict=True)]))
    uniq = np.asarray(uniq, dtype="int64")
    rb, ra, re = (np.full(len(k), -1, dtype="int32") for k in parts)
    at = 0
    for target, v in zip((rb, ra, re), valid, strict=True):
        target[v] = codes[at : at + int(v.sum())]
        at += int(v.sum())
    rows = _rows_of(city, uniq, span, values, (npp, nl))
    first = np.ones(len(ev_person), dtype=bool)
    if len(ev_person) > 1:
        first[1:] = ev_person[1:] != ev_person[:-1]
    prev_a = np.where(first, rb[ev_person], np.roll(ra, 1))
    prev_e = np.where(first, -1, np.roll(re, 1)).astype("int32")
    moved_a, moved_e = ra != prev_a, re != prev_e
    day = np.concatenate([ev_day[moved_a]] * 2 + [ev_day[moved_e]] * 2)
    row = np.concatenate([ra[moved_a], prev_a[moved_a], re[moved_e], prev_e[moved_e]])
    sign = np.concatenate(
        [
            np.full(int(m.sum()), s, "int8")
            for m, s in ((moved_a, 1), (moved_a, -1), (moved_e, 1), (moved_e, -1))
        ]
    )
    keep = row >= 0
    day, row, sign = narrow(day[keep], "int16"), row[keep], sign[keep]
    order = np.argsort(day, kind="stable")  # a radix sort on small integers
    day, row, sign = day[order], row[order], sign[order]
    base = np.bincount(rb[rb >= 0], minlength=len(uniq))
    cell_day, cell_row, cell_n = (
        [np.full(int(np.count_nonzero(base)), BEFORE, "int32")],
        [np.flatnonzero(base).astype("int32")],
        [base[base != 0].astype("int64")],
    )
    bounds = np.flatnonzero(runs(day))  # no records, no changes: no bounds
    for lo, hi in zip(bounds, [*bounds[1:], len(day)][: len(bounds)], strict=True):
        got = np.bincount(row[lo:hi], weights=sign[lo:hi], minlength=len(uniq))
        changed = np.flatnonzero(got)
        cell_day.append(np.full(len(changed), day[lo], "int32"))
        cell_row.append(changed.astype("int32"))
        cell_n.append(np.rint(got[changed]).astype("int64"))
    return rows, [np.concatenate(c) for c in (cell_day, cell_row, cell_n)]


def _rows_of(city: City, uniq: np.ndarray, span, values, sizes) -> dict[str, np.ndarray]:
    """The profile columns (undecoded codes) of each row key."""
    npp, nl = sizes
    _, table = city._static("home", city._home_groups)
    elsewhere = (uniq & 1) == 1
    body, state = (uniq >> 1) // span, (uniq >> 1) % span
    reach = values[0][state // (npp * nl)]
    repeat = values[1][(state // nl) % npp]
    leak = values[2][state % nl]
    # a row away from home reads the slot past the table (there even when no one is
    # registered), then takes its own values
    home = np.where(elsewhere, len(table["cat_mask"]), body)

    def column(name: str) -> np.ndarray:
        return np.append(np.asarray(table[name], dtype="int64"), 0)[home]

    return {
        "district_code": np.where(elsewhere, body, column("district_code")),
        "street_code": np.where(elsewhere, -1, column("street_code")),
        "eligible": (~elsewhere).astype("int64"),
        "cat_mask": np.where(elsewhere, 0, column("cat_mask")),
        "reach_mask": np.where(elsewhere, 0, reach),
        "repeat_mask": repeat,
        "leak_mask": leak,
    }


def _record_cells(city: City, day0: int):
    """Per (day, record group) with records: the records, repeat records and amount."""
    rec = city.records
    codes, table = city._static("record_groups", city._record_groups)
    groups = len(table)
    if not len(rec):
        return np.zeros(0, "int32"), np.zeros(0, "int32"), np.zeros((0, 3), "int64")
    days = rec.day.astype("int64") - day0
    ndays = int(days.max()) + 1
    cell = days * groups + codes.astype("int64")
    size = ndays * groups
    counts = np.bincount(cell, minlength=size)
    used = np.flatnonzero(counts)  # ascending: day-major
    sums = [counts[used]]
    for weights in (rec.rank >= 1, rec.amount_fen):
        sums.append(np.rint(np.bincount(cell, weights=weights, minlength=size)[used]))
    return (
        (used // groups).astype("int32"),
        (used % groups).astype("int32"),
        np.stack(sums, axis=1).astype("int64"),
    )
