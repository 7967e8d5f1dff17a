"""The city snapshot: one campaign's people and records as arrays (joined from the shards
by warmth.snapshot.build), and the per-day views the figures are computed from.

People are rows 0..n-1: the registered beneficiaries shard by shard (district order), then
the ID numbers registered nowhere. Records are sorted by (person, day, record id), so a
person's records are one run and "the first record" of anything is the first in the run.

Attribution follows DEFINITIONS.md (see also the figures' docstrings in warmth.metrics):
- a registered beneficiary's eligibility, reach, repeats and overlap: their district and
  street;
- a record: the beneficiary's district and street when it matches; otherwise the delivering
  district (the record's, else the beneficiary's, else the submitter when that is a district)
  and, when that is not the beneficiary's own district, no street;
- leakage: each leaking ID number once, under the delivering district of its earliest
  non-matching record (ties by record id);
- an ID number registered nowhere: its leakage district, no street.

`profile(as_of)` and `records(as_of)` give the two frames that warmth.metrics counts on
(one row per distinct profile with its count `n`; one row per record group with sums),
for the whole campaign or only records dated up to `as_of`. A day's come from what each day
changes (warmth.snapshot.days, made once per snapshot on the first dated request); each is
kept per snapshot and day (a few hundred kilobytes), so any filter on any day is a small
computation on small frames.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from warmth import metrics
from warmth.snapshot import kept
from warmth.snapshot.shards import EPOCH, Codes

PROFILE_COLUMNS = [
    "district_code",
    "street_code",
    "eligible",
    "cat_mask",
    "reach_mask",
    "repeat_mask",
    "leak_mask",
    "n",
]
RECORD_GROUP = ["district_code", "street_code", "programme_code", "cat_mask", "matching", "form"]
RECORD_SUMS = ["records", "repeat_records", "amount_fen"]
KEPT_DAYS = 32  # per-day frames kept per snapshot (a date picker's worth)
BIG_KEPT = 4  # per-request arrays of a person's size kept (the last few requests')
KEPT_LAYOUT = 1  # part of the names of the arrays kept in its folder: raise it when they change


def day_number(day: date) -> int:
    return (day - EPOCH).days


def narrow(values: np.ndarray, least: str = "int8") -> np.ndarray:
    """Integers in the smallest signed type (from `least` up) that holds them: for arrays kept
    as long as the snapshot. Arithmetic that could leave that range widens first."""
    for kind in ("int8", "int16", "int32"):
        info = np.iinfo(kind)
        if info.bits < np.iinfo(least).bits:
            continue
        if not len(values) or (info.min <= values.min() and values.max() <= info.max):
            return values.astype(kind, copy=False)
    return values.astype("int64", copy=False)


def mask_type(cat: metrics.Catalogue) -> str:
    """The integer type that holds a mask of programme bits (int32 for up to 31 bits)."""
    return "int32" if cat.all_programmes < 2**31 else "int64"


def runs(keys: np.ndarray) -> np.ndarray:
    """True where a run of equal keys starts (keys sorted)."""
    out = np.ones(len(keys), dtype=bool)
    if len(keys) > 1:
        out[1:] = keys[1:] != keys[:-1]
    return out


def or_within_runs(keys: np.ndarray, arrays: list[np.ndarray]) -> None:
    """Each array made its running OR within each run of equal keys (keys sorted), in
    place: a doubling scan, log2 of the longest run passes."""
    k = 1
    while k < len(keys):
        same = keys[k:] == keys[:-k]
        if not same.any():
            return
        for a in arrays:
            a[k:] |= np.where(same, a[:-k], 0)
        k *= 2


@dataclass
class People:
    registered: np.ndarray  # bool
    home: np.ndarray  # int8: registered district (-1: registered nowhere)
    street: np.ndarray  # int16 (-1: none)
    cat_mask: np.ndarray  # category bits (the narrowest integer type that holds them)
    ben_id: np.ndarray  # int32 or int64: beneficiaries.id (-1: registered nowhere)
    leak_att: np.ndarray  # int8: district of the earliest non-matching record (-1: none)
    id_numbers: np.ndarray  # object: ID numbers of the people registered nowhere, in order

    def __len__(self) -> int:
        return len(self.registered)

    @property
    def n_registered(self) -> int:
        """The registered are rows 0 .. n_registered - 1 (see the module docstring)."""
        return int(np.count_nonzero(self.registered))


@dataclass
class Records:
    person: np.ndarray  # int32
    rec_id: np.ndarray  # int32 or int64
    pbit: np.ndarray  # int8
    day: np.ndarray  # int32
    amount_fen: np.ndarray  # int32 or int64
    form: np.ndarray  # int8
    batch_id: np.ndarray  # int32
    deliver: np.ndarray  # int8: the record's delivering district (-1: none)
    submitter: np.ndarray  # int8: the submitting district (-1: a department)
    matching: np.ndarray  # bool
    att: np.ndarray  # int8: attribution district (-1: counted nowhere)
    att_street: np.ndarray  # int16
    rank: np.ndarray  # int8: position among the person's records of the same programme
    #                   (0 first, 1 second, 2 third or later)

    def __len__(self) -> int:
        return len(self.person)


@dataclass
class City:
    """One campaign's snapshot (see the module docstring)."""

    campaign_id: int
    codes: Codes
    catalogue: metrics.Catalogue
    people: People
    records: Records
    versions: dict[str, int]  # district -> data version its shard was read at
    version: int = 0  # the data version of the whole snapshot
    # the data version its registered people were read at: aid batches applied since keep
    # it (the cross-year match, warmth.snapshot.matches, depends on the registers alone)
    register_version: int = 0
    # the folder of files it was read from (warmth.snapshot.store), where what it derives
    # once (its day changes, warmth.snapshot.days; its whole-campaign frames,
    # warmth.snapshot.kept) is kept for the next process too; None: made in memory only
    folder: Path | None = field(default=None, repr=False)
    _frames: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _arrays: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _statics: dict = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def nbytes(self) -> int:
        arrays = [*vars(self.people).values(), *vars(self.records).values()]
        return sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))

    # --- the frames the figures count on ------------------------------------------------

    def _kept(self, key: tuple, make, *, big: bool = False):
        """A derived value, computed once and kept: small frames (per day, level) in one
        LRU, large per-request arrays (big=True) in a short one."""
        store, most = (self._arrays, BIG_KEPT) if big else (self._frames, 4 * KEPT_DAYS)
        with self._lock:
            if key in store:
                store.move_to_end(key)
                return store[key]
        got = make()
        with self._lock:
            store[key] = got
            while len(store) > most:
                store.popitem(last=False)
        return got

    def _static(self, name: str, make):
        """A value that depends on the snapshot alone (never dropped while it lives)."""
        with self._lock:
            if name in self._statics:
                return self._statics[name]
        got = make()
        with self._lock:
            return self._statics.setdefault(name, got)

    def district_rows(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Per district (code position), the first and past-the-last rows of the people
        registered there (the registered are in district order, see the module docstring);
        None if they are not, and callers then test every row."""

        def make():
            home = self.people.home[: self.people.n_registered]
            if len(home) > 1 and bool(np.any(home[1:] < home[:-1])):
                return None
            codes = np.arange(len(self.codes.districts))
            return np.searchsorted(home, codes, "left"), np.searchsorted(home, codes, "right")

        return self._static("district_rows", make)

    def registered_in(self, districts) -> np.ndarray:
        """Per person: registered in one of the districts (codes)."""
        index = {c: i for i, c in enumerate(self.codes.districts)}
        wanted = sorted({index[c] for c in districts if c in index})
        bounds = self.district_rows()
        if bounds is None:
            table = np.zeros(len(self.codes.districts) + 1, dtype=bool)
            table[wanted] = True
            return self.people.registered & table[self.people.home]  # -1 reads False
        out = np.zeros(len(self.people), dtype=bool)
        for d in wanted:
            out[bounds[0][d] : bounds[1][d]] = True
        return out

    def in_window(self, as_of: date | None) -> np.ndarray | None:
        """Records dated up to as_of (None: all records count)."""
        if as_of is None:
            return None
        return self.records.day <= day_number(as_of)

    def masks(self, as_of: date | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per person: the programme bits of matching records (reach), of second records of a
        programme (repeat) and of non-matching records (leak), counting records up to as_of."""
        if as_of is None:
            return self._static("masks", self._masks)
        changes = self.day_changes()
        return changes.masks(changes.day(day_number(as_of)))  # 35 MB a day: not kept

    def day_changes(self):
        """What each day changes (warmth.snapshot.days): read from beside the snapshot's
        files, else made on the first dated request (and written there)."""
        from warmth.snapshot import days  # days builds on this module's City

        return self._static("day_changes", lambda: days.kept(self))

    def _masks(self):
        """The whole campaign's masks (a day's come from day_changes)."""
        rec, n, kind = self.records, len(self.people), mask_type(self.catalogue)
        starts, repeats, leaks = self._person_runs()  # 12 MB not kept
        reach = np.zeros(n, dtype=kind)
        if len(starts):
            bits = np.left_shift(np.ones(1, kind), rec.pbit, dtype=kind)
            bits[~rec.matching] = 0
            reach[rec.person[starts]] = np.bitwise_or.reduceat(bits, starts)
        out = [reach]
        for chosen in (repeats, leaks):  # few records: OR them in one by one
            mask = np.zeros(n, dtype=kind)
            np.bitwise_or.at(
                mask, rec.person[chosen], np.left_shift(np.ones(1, kind), rec.pbit[chosen])
            )
            out.append(mask)
        return tuple(out)

    def _person_runs(self):
        """Where each person's run of records starts; the second records of a programme
        and the non-matching records (positions)."""
        rec = self.records
        return (
            np.flatnonzero(runs(rec.person)).astype("int32"),
            np.flatnonzero(rec.rank == 1).astype("int32"),
            np.flatnonzero(~rec.matching).astype("int32"),
        )

    def profile(self, as_of: date | None) -> pd.DataFrame:
        """Distinct profiles (PROFILE_COLUMNS) with their count n, counting records up to
        as_of: the registered at home, a registered person's leakage elsewhere as a row of
        its own (no street), and the ID numbers registered nowhere under their leakage
        district."""
        return self._kept(("profile", as_of), lambda: self._profile(as_of))

    def _home_groups(self):
        """Per registered person, a code for (district, street, categories), and the table
        of those codes (the part of a profile that no day changes)."""
        p, m = self.people, self.people.n_registered
        packed = (
            (p.home[:m].astype("int64") + 1)
            | ((p.street[:m].astype("int64") + 1) << 8)
            | (p.cat_mask[:m].astype("int64") << 24)
        )
        codes, uniq = pd.factorize(packed)
        table = {
            "district_code": (uniq & 0xFF) - 1,
            "street_code": ((uniq >> 8) & 0xFFFF) - 1,
            "cat_mask": uniq >> 24,
        }
        return narrow(codes), table

    def _profile(self, as_of):
        if as_of is not None:
            return self._dated_profile(as_of)
        return _decoded(kept.frame(self.folder, "profile", self._whole_profile), self.codes)

    def _whole_profile(self) -> pd.DataFrame:
        """The whole campaign's profile, district and street as integer codes."""
        p, m = self.people, self.people.n_registered
        reach, repeat, leak = self.masks(None)
        codes, table = self._static("home", self._home_groups)
        # most registered people leak nothing: grouped by (home code, reach, repeat) with
        # integer codes; the few that leak, and the unregistered, by pandas
        plain = leak[:m] == 0
        fast = _profile_rows(table, codes[plain], reach[:m][plain], repeat[:m][plain])
        leaky = np.flatnonzero(~plain)
        away = leaky[p.leak_att[leaky] != p.home[leaky]]
        unreg = np.arange(m, len(p))
        n_away, n_un = len(away), len(unreg)

        def col(home_part, away_part, unreg_part):
            return np.concatenate([home_part, away_part, unreg_part]).astype("int64")

        none = np.full(n_away + n_un, -1, "int64")
        zeros = np.zeros(n_away + n_un, "int64")
        at_home = p.leak_att[leaky] == p.home[leaky]
        rare = {
            "district_code": col(p.home[leaky], p.leak_att[away], p.leak_att[unreg]),
            "street_code": col(p.street[leaky], none[:n_away], none[:n_un]),
            "eligible": col(np.ones(len(leaky), "int64"), zeros[:n_away], zeros[:n_un]),
            "cat_mask": col(p.cat_mask[leaky], zeros[:n_away], zeros[:n_un]),
            "reach_mask": col(reach[leaky], zeros[:n_away], zeros[:n_un]),
            "repeat_mask": col(repeat[leaky], zeros[:n_away], repeat[unreg]),
            "leak_mask": col(np.where(at_home, leak[leaky], 0), leak[away], leak[unreg]),
        }
        counted = rare["district_code"] >= 0
        rare = pd.DataFrame({k: v[counted] for k, v in rare.items()})
        rare = rare.value_counts(sort=False).rename("n").reset_index()
        frame = pd.concat([fast, rare], ignore_index=True)
        # a leaky person can share a profile with a plain one: sum them into one row
        frame = frame.groupby(PROFILE_COLUMNS[:-1], sort=False)["n"].sum().reset_index()
        return frame.loc[frame["n"] > 0].reset_index(drop=True)

    def _dated_profile(self, as_of: date) -> pd.DataFrame:
        """The profile counting records up to as_of, from what each day changes."""
        changes = self.day_changes()
        n = changes.profile_counts(changes.day(day_number(as_of)))
        kept = np.flatnonzero(n > 0)
        frame = pd.DataFrame({c: v[kept] for c, v in changes.rows.items()}).assign(n=n[kept])
        return _decoded(frame, self.codes)

    def records_frame(self, as_of: date | None) -> pd.DataFrame:
        """Records grouped by RECORD_GROUP with their RECORD_SUMS, up to as_of."""
        return self._kept(("records", as_of), lambda: self._records(as_of))

    def _record_groups(self):
        """Per record, a code for its RECORD_GROUP values (none of which a day changes), and
        the table of them: kept in the snapshot's folder (warmth.snapshot.kept.static)."""
        got = kept.static(self, f"record-groups-{KEPT_LAYOUT}", self._record_group_arrays)
        table = pd.DataFrame({c: np.asarray(got[c]) for c in RECORD_GROUP})
        return got["codes"], table

    def _record_group_arrays(self) -> dict[str, np.ndarray]:
        rec = self.records
        packed = (
            (rec.att.astype("int64") + 1)
            | ((rec.att_street.astype("int64") + 1) << 8)
            | (rec.pbit.astype("int64") << 24)
            | (rec.form.astype("int64") << 30)
            | (rec.matching.astype("int64") << 34)
            | (self.people.cat_mask[rec.person].astype("int64") << 35)
        )
        codes, uniq = pd.factorize(packed)
        table = pd.DataFrame(
            {  # in RECORD_GROUP's order
                "district_code": (uniq & 0xFF) - 1,
                "street_code": ((uniq >> 8) & 0xFFFF) - 1,
                "programme_code": (uniq >> 24) & 0x3F,
                "cat_mask": uniq >> 35,
                "matching": ((uniq >> 34) & 1).astype(bool),
                "form": (uniq >> 30) & 0xF,
            }
        )
        return {"codes": narrow(codes), **{c: table[c].to_numpy() for c in table.columns}}

    def _records(self, as_of):
        if as_of is not None:  # from what each day changes
            codes, table = self._static("record_groups", self._record_groups)
            changes = self.day_changes()
            sums = changes.record_sums(changes.day(day_number(as_of)), len(table))
            out = table.assign(records=sums[:, 0], repeat_records=sums[:, 1], amount_fen=sums[:, 2])
            out = out.loc[(out["records"] > 0) & (out["district_code"] >= 0)]
        else:
            out = kept.frame(self.folder, "records", self._whole_records)
        return self._named(out)

    def _named(self, out: pd.DataFrame) -> pd.DataFrame:
        """Record groups of integer codes with their programmes, forms, districts and
        streets named."""
        out = out.reset_index(drop=True)
        names = dict(
            zip(self.catalogue.programmes.bit, self.catalogue.programmes.code, strict=True)
        )
        out["programme_code"] = out["programme_code"].map(names)
        out["form"] = np.array(self.codes.forms, dtype=object)[out["form"].to_numpy()]
        return _decoded(out, self.codes)

    def _whole_records(self) -> pd.DataFrame:
        """The whole campaign's record groups, every column an integer code."""
        rec = self.records
        codes, table = self._static("record_groups", self._record_groups)
        size = len(table)
        out = table.assign(
            records=np.bincount(codes, minlength=size),
            repeat_records=np.bincount(codes[rec.rank >= 1], minlength=size),
            amount_fen=np.bincount(codes, weights=rec.amount_fen, minlength=size).round(),
        )
        return out.loc[(out["records"] > 0) & (out["district_code"] >= 0)]

    def level(self, kind: str, as_of: date | None, level: str) -> pd.DataFrame:
        """profile or records at a coarser level: "street" as is, "district" with the
        street summed away, "city" with the district too."""
        return self._kept((kind, as_of, level), lambda: self._level(kind, as_of, level))

    def _level(self, kind, as_of, level):
        frame = self.profile(as_of) if kind == "profile" else self.records_frame(as_of)
        if level == "street":
            return frame
        drop = ["street_code"] if level == "district" else ["street_code", "district_code"]
        sums = ["n"] if kind == "profile" else RECORD_SUMS
        keys = [c for c in frame.columns if c not in sums and c not in drop]
        out = frame.groupby(keys, sort=False, dropna=False)[sums].sum().reset_index()
        for c in drop:
            out[c] = None
        return out[list(frame.columns)]


def _profile_rows(table, home_codes, reach, repeat, keys: bool = False):
    """Profile rows (leak_mask 0) of people given by their home code and masks (repeat None:
    all 0), with their count n; with keys, also each person's row number."""
    reach = reach.astype("int64")
    dyn_values = reach if repeat is None else reach | (repeat.astype("int64") << 32)
    dyn_codes, dyn = pd.factorize(dyn_values)
    width = max(len(dyn), 1)
    key, uniq = pd.factorize(home_codes.astype("int64") * width + dyn_codes)
    home_code, dyn_code = uniq // width, uniq % width
    rows = pd.DataFrame(
        {
            "district_code": table["district_code"][home_code],
            "street_code": table["street_code"][home_code],
            "eligible": np.ones(len(uniq), "int64"),
            "cat_mask": table["cat_mask"][home_code],
            "reach_mask": dyn[dyn_code] & 0xFFFFFFFF,
            "repeat_mask": dyn[dyn_code] >> 32,
            "leak_mask": np.zeros(len(uniq), "int64"),
            "n": np.bincount(key, minlength=len(uniq)),
        }
    )
    return (rows, key) if keys else rows


def _decoded(frame: pd.DataFrame, codes: Codes) -> pd.DataFrame:
    """District and street codes decoded to their names (None for -1), types settled."""
    frame["district_code"] = _decode(frame["district_code"].to_numpy(), codes.districts)
    frame["street_code"] = _decode(frame["street_code"].to_numpy(), codes.streets)
    if "eligible" in frame:
        frame["eligible"] = frame["eligible"].astype(bool)
    for c in ("cat_mask", "reach_mask", "repeat_mask", "leak_mask", "n", *RECORD_SUMS):
        if c in frame:
            frame[c] = frame[c].astype("int64")
    return frame


def _decode(codes: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    table = np.array([*names, None], dtype=object)
    codes = codes.astype("int64")
    return table[np.where(codes >= 0, codes, len(names))]
