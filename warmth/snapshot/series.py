"""Time series on a City snapshot: people first reached per day, and records per day.

"First reached on day d inside a slice" = the day of a beneficiary's earliest matching
record of a programme of the slice that serves one of their categories that count (the
definition of `reached`, taken day by day), so the cumulative sum up to d equals `reached`
as of d. Records per day count every record of the slice (matching or not) by the day it
is dated, attributed as in the coverage tables.

Each function takes the City, where to look (district and street codes, None: any) and the
slice, and returns a frame with integer days since 1970-01-01 (`day`) so that callers
convert only the few rows they keep.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from warmth import metrics
from warmth.metrics import Slice
from warmth.snapshot.city import City, narrow

SERIES_COLUMNS = ["key", "district", "day", "newly_reached", "records", "amount_fen"]


def _positions(codes: tuple[str, ...], wanted) -> np.ndarray | None:
    if wanted is None:
        return None
    index = {c: i for i, c in enumerate(codes)}
    return np.array([index[c] for c in wanted if c in index], dtype="int64")


def _firsts(city: City):
    """The first matching record of each (person, programme), in (person, day) order: who,
    which programme bit, its department, the day, and the person's category code (into the
    table of distinct category masks). Where the person lives is read from the people when
    a request asks (home_of)."""
    rec, people = city.records, city.people
    at = np.flatnonzero(rec.matching & (rec.rank == 0))
    person = rec.person[at]
    cat_codes, cat_values = pd.factorize(people.cat_mask[person])
    return {  # narrow arrays: 3 million first records at full scale
        "person": person,
        "pbit": rec.pbit[at],
        "dept": narrow(city_depts(city)[rec.pbit[at]]),
        "day": narrow(rec.day[at]),
        "cat": narrow(cat_codes),
        "cat_values": np.asarray(cat_values, dtype="int64"),
    }


def city_depts(city: City) -> np.ndarray:
    """Department position (into the sorted department codes) per programme bit."""
    depts = sorted(city.catalogue.departments["code"])
    out = np.full(64, -1, dtype="int64")
    for bit, d in city.catalogue.bit_dept.items():
        out[int(bit)] = depts.index(d)
    return out


def _where(city: City, district_arr, street_arr, districts, streets) -> np.ndarray | None:
    """Rows inside the districts and streets (None: every row is); the arrays of district
    and street codes may be given as functions that make them, called only when needed."""
    ok = None
    d = _positions(city.codes.districts, districts)
    if d is not None and len(d) < len(city.codes.districts):
        ok = _among(
            district_arr() if callable(district_arr) else district_arr, d, city.codes.districts
        )
    s = _positions(city.codes.streets, streets)
    if s is not None:
        inside = _among(street_arr() if callable(street_arr) else street_arr, s, city.codes.streets)
        ok = inside if ok is None else ok & inside
    return ok


def _among(values: np.ndarray, wanted: np.ndarray, codes: tuple[str, ...]) -> np.ndarray:
    """Per value (a code position, -1 for none): whether it is one of `wanted` (one gather
    from a table the size of the code list, cheaper than np.isin on millions)."""
    table = np.zeros(len(codes) + 1, dtype=bool)
    table[wanted] = True
    return table[values]  # -1 reads the last slot, which is False


def _reached_firsts(city: City, sl: Slice, districts, streets):
    """Positions (into _firsts) of the first records that reach inside the slice."""
    f = city._static("firsts", lambda: _firsts(city))
    kc = metrics.ALL if sl.categories is None else sl.categories
    # per (category code, programme bit): a first record of it reaches inside the slice
    bits = np.left_shift(np.int64(1), np.arange(64, dtype="int64"))
    reaches = np.array(
        [
            (bits & (sl.programmes & city.catalogue.allowed(int(v) & kc))) != 0
            if sl.categories is None or int(v) & sl.categories
            else np.zeros(64, bool)
            for v in f["cat_values"]
        ],
        dtype=bool,
    ).reshape(-1, 64)
    ok = reaches.ravel()[f["cat"].astype("int32") * 64 + f["pbit"]]
    people = city.people
    inside = _where(
        city,
        lambda: people.home[f["person"]],
        lambda: people.street[f["person"]],
        districts,
        streets,
    )
    if inside is not None:
        ok &= inside
    return f, np.flatnonzero(ok)


def _record_bits(city: City):
    """Each record's programme bit, and whether it is attributed to a district at all."""
    rec = city.records
    return np.left_shift(np.int32(1), rec.pbit.astype("int32")), rec.att >= 0


def _counted_records(city: City, sl: Slice, districts, streets) -> np.ndarray:
    """Positions of the records of the slice (metrics.records_in, on the arrays)."""
    rec = city.records
    bits, counted = city._static("record_bits", lambda: _record_bits(city))
    ok = (  # a copy: narrowed in place below, and `counted` is kept
        counted.copy()
        if sl.programmes == city.catalogue.all_programmes
        else counted & ((bits & sl.programmes) != 0)
    )
    if sl.categories is not None:
        serves = city.catalogue.serves_array()[rec.pbit.astype("int64")]
        ok &= rec.matching & ((serves & city.people.cat_mask[rec.person] & sl.categories) != 0)
    if sl.forms is not None:
        wanted = np.array([i for i, f in enumerate(city.codes.forms) if f in sl.forms], "int64")
        ok &= _among(rec.form, wanted, city.codes.forms)
    inside = _where(city, rec.att, rec.att_street, districts, streets)
    if inside is not None:
        ok &= inside
    return np.flatnonzero(ok)


def _first_reached(city: City, sl: Slice, districts, streets):
    """Positions (into _firsts) of each person's first reaching record in the slice, kept
    per snapshot and slice (pacing and the timelines ask for the same ones)."""
    key = ("first_reached", sl.programmes, sl.categories, districts, streets)

    def make():
        f, at = _reached_firsts(city, sl, districts, streets)
        return at[_starts(f["person"][at])].astype("int32")

    return city._kept(key, make, big=True)


def _keys(city: City):
    """Static per-record and per-first-record integer keys: (district, day) and
    (department, day) cells of a grid of days from the campaign's first record's day."""
    rec = city.records
    f = city._static("firsts", lambda: _firsts(city))
    day0 = int(rec.day.min()) if len(rec) else 0
    ndays = int(rec.day.max()) - day0 + 1 if len(rec) else 1
    dept = city_depts(city)[rec.pbit].astype("int32")
    days = rec.day.astype("int32") - day0
    first_days = f["day"].astype("int32") - day0
    return {  # the narrowest cells: a few thousand of them
        "day0": day0,
        "ndays": ndays,
        "rec_district": narrow(np.where(rec.att >= 0, rec.att.astype("int32") * ndays + days, 0)),
        "rec_dept": narrow(dept * ndays + days),
        "rec_dept_code": narrow(dept),
        "first_district": narrow(
            city.people.home[f["person"]].astype("int32") * ndays + first_days
        ),
        "first_dept": narrow(f["dept"].astype("int32") * ndays + first_days),
    }


def _grid(cells: np.ndarray, ndays: int, day0: int, name: str, weights=None) -> pd.DataFrame:
    """Counts (or sums of weights) per (key, day) cell, the non-empty cells only."""
    counts = np.bincount(cells, minlength=ndays)
    used = np.flatnonzero(counts)
    frame = pd.DataFrame({"group": used // ndays, "day": used % ndays + day0})
    frame[name] = counts[used]
    for k, w in (weights or {}).items():
        frame[k] = np.rint(np.bincount(cells, weights=w, minlength=ndays)[used]).astype("int64")
    return frame


def reach_days(
    city: City,
    slices: list[tuple[str, Slice]],
    districts,
    streets,
    *,
    records: bool = True,
) -> pd.DataFrame:
    """Per slice key, district and day: people first reached (under their district) and,
    unless records=False, the records and amount of the slice (under the record's
    attribution district)."""
    rec = city.records
    k = city._static("keys", lambda: _keys(city))
    out = []
    for key, sl in slices:
        first = _first_reached(city, sl, districts, streets)
        both = _grid(k["first_district"][first], k["ndays"], k["day0"], "newly_reached")
        if records:
            r = _counted_records(city, sl, districts, streets)
            counted = _grid(
                k["rec_district"][r],
                k["ndays"],
                k["day0"],
                "records",
                {"amount_fen": rec.amount_fen[r]},
            )
            both = both.merge(counted, on=["group", "day"], how="outer")
        out.append(both.rename(columns={"group": "district"}).assign(key=key))
    return _finish(out)


def reach_days_by_department(
    city: City, sl: Slice, departments: list[str], districts, streets
) -> pd.DataFrame:
    """Per department and day (district -1: summed over districts), for one slice: people
    first reached inside the department's programmes (a person is first reached inside a
    department on the day of their earliest reaching record of its programmes), and the
    department's records and amount."""
    rec = city.records
    k = city._static("keys", lambda: _keys(city))
    codes = sorted(city.catalogue.departments["code"])
    wanted = np.array([codes.index(d) for d in departments], dtype="int64")
    f, at = _reached_firsts(city, sl, districts, streets)
    if len(wanted) < len(codes):
        at = at[_among(f["dept"][at], wanted, tuple(codes))]
    first = _department_firsts(city, f, at)
    reached = _grid(k["first_dept"][first], k["ndays"], k["day0"], "newly_reached")
    r = _counted_records(city, sl, districts, streets)
    if len(wanted) < len(codes):
        r = r[_among(k["rec_dept_code"][r], wanted, tuple(codes))]
    counted = _grid(
        k["rec_dept"][r], k["ndays"], k["day0"], "records", {"amount_fen": rec.amount_fen[r]}
    )
    both = reached.merge(counted, on=["group", "day"], how="outer")
    both["key"] = np.array(codes, dtype=object)[both["group"].to_numpy(dtype="int64")]
    return _finish([both.drop(columns="group").assign(district=-1)])


def _by_department(f) -> np.ndarray:
    """The first records (positions into _firsts) in (person, department, day) order: the
    records are in (person, day) order, so a stable sort on a key that is nearly sorted
    already (a few records per person out of place)."""
    key = f["person"].astype("int64") * 64 + f["dept"].astype("int64")
    return np.argsort(key, kind="stable").astype("int32")


def _department_firsts(city: City, f, at: np.ndarray) -> np.ndarray:
    """Of the reaching first records `at` (ascending), each person's earliest in each
    department: walk them in (person, department, day) order, keep the first of each run."""
    order = city._static("firsts_by_department", lambda: _by_department(f))
    reaching = np.zeros(len(f["person"]), dtype=bool)
    reaching[at] = True
    sel = order[reaching[order]]
    person, dept = f["person"][sel], f["dept"][sel]
    start = np.ones(len(sel), dtype=bool)
    if len(sel) > 1:
        start[1:] = (person[1:] != person[:-1]) | (dept[1:] != dept[:-1])
    return sel[start]


def _starts(values: np.ndarray) -> np.ndarray:
    out = np.ones(len(values), dtype=bool)
    if len(values) > 1:
        out[1:] = values[1:] != values[:-1]
    return out


def _finish(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="int64") for c in SERIES_COLUMNS})
    got = pd.concat(parts, ignore_index=True)
    for c in ("newly_reached", "records", "amount_fen"):
        if c not in got:
            got[c] = 0
        got[c] = got[c].fillna(0).astype("int64")
    return got[SERIES_COLUMNS]
