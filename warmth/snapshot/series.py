"""Time series on a City snapshot: people first reached per day, and records per day.

"First reached on day d inside a slice" = the day of a beneficiary's earliest matching
record of a programme of the slice that serves one of their categories that count (the
definition of `reached`, taken day by day), so the cumulative sum up to d equals `reached`
as of d. Records per day count every record of the slice (matching or not) by the day it
is dated, attributed as in the coverage tables: summed from the per-day cells of the
record groups (warmth.snapshot.days), never from the records one by one. A district's people
are one run of the snapshot's rows, so inside some districts only their first records are
looked at.

Each function takes the City, where to look (district and street codes, None: any) and the
slice, and returns a frame with integer days since 1970-01-01 (`day`) so that callers
convert only the few rows they keep.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from warmth import metrics
from warmth.metrics import Slice
from warmth.snapshot import kept
from warmth.snapshot.city import City, narrow, runs

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


KEPT_LAYOUT = 1  # part of the kept folders' names: raise it when what they hold changes


def _kept_static(city: City, name: str, make) -> dict[str, np.ndarray]:
    """A dict of arrays that depends on the snapshot alone, made once per process and kept
    in the snapshot's folder (warmth.snapshot.kept.static)."""
    return kept.static(city, f"series-{name}-{KEPT_LAYOUT}", make)


def make_kept(city: City) -> None:
    """Make the arrays the timelines keep beside the snapshot (its writer does, ahead of
    its first reader: warmth.snapshot.ahead)."""
    _shared(city, _kept_static(city, "firsts", lambda: _firsts(city)))
    _kept_static(city, "alone_cells", lambda: _alone_cells(city))


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


def _spans(city: City, districts, keys: np.ndarray) -> np.ndarray | None:
    """Positions into `keys` (rows of City.people, ascending) of the people registered in
    the districts, ascending; None for every district (or no usable order)."""
    d = _positions(city.codes.districts, districts)
    if d is None or len(d) == len(city.codes.districts):
        return None
    bounds = city.district_rows()
    if bounds is None:
        return None
    d = np.unique(d)
    # in the keys' own type: numpy would otherwise copy millions of keys to compare
    lo = np.searchsorted(keys, bounds[0][d].astype(keys.dtype), "left")
    hi = np.searchsorted(keys, bounds[1][d].astype(keys.dtype), "left")
    parts = [np.arange(a, b, dtype="int64") for a, b in zip(lo, hi, strict=True)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype="int64")


def _reaches(city: City, cat_values: np.ndarray, sl: Slice) -> np.ndarray:
    """(category codes, 64): a first record of that programme bit, of a person of that
    category code, reaches inside the slice."""
    kc = metrics.ALL if sl.categories is None else sl.categories
    bits = np.left_shift(np.int64(1), np.arange(64, dtype="int64"))
    return np.array(
        [
            (bits & (sl.programmes & city.catalogue.allowed(int(v) & kc))) != 0
            if sl.categories is None or int(v) & sl.categories
            else np.zeros(64, bool)
            for v in cat_values
        ],
        dtype=bool,
    ).reshape(-1, 64)


def _with_streets(city: City, districts, streets):
    """The districts (None: any) narrowed to those where people of the streets (None:
    any) are registered: a street filter's people are then one or two runs of rows."""
    if streets is None:
        return districts
    pairs = city._static("street_districts", lambda: _street_districts(city))
    s = set(_positions(city.codes.streets, streets).tolist())
    homes = {city.codes.districts[d] for st, d in pairs if st in s}
    return tuple(sorted(homes if districts is None else homes & set(districts)))


def _street_districts(city: City) -> list[tuple[int, int]]:
    """(street, district) positions that registered people have."""
    p, m = city.people, city.people.n_registered
    packed = pd.unique(p.street[:m].astype("int64") * 256 + p.home[:m].astype("int64"))
    return [(int(v) // 256, int(v) % 256) for v in packed if v >= 0]


def _reached_firsts(city: City, sl: Slice, districts, streets):
    """Positions (into _firsts) of the first records that reach inside the slice,
    ascending. Inside some districts only their people's first records are looked at (a
    person's records, and so their first ones, are one run in district order)."""
    f = _kept_static(city, "firsts", lambda: _firsts(city))
    reaches = _reaches(city, f["cat_values"], sl)
    span = _spans(city, _with_streets(city, districts, streets), f["person"])
    if span is None:
        cat, pbit, person, where = f["cat"], f["pbit"], f["person"], districts
    else:  # the districts hold already: only the streets are left to test
        cat, pbit, person, where = f["cat"][span], f["pbit"][span], f["person"][span], None
    ok = reaches.ravel()[cat.astype("int32") * 64 + pbit]
    people = city.people
    inside = _where(
        city, lambda: people.home[person], lambda: people.street[person], where, streets
    )
    if inside is not None:
        ok &= inside
    return f, (np.flatnonzero(ok) if span is None else span[ok])


def _groups(city: City) -> dict[str, np.ndarray]:
    """The record groups' columns (City._record_groups: attribution district and street,
    programme bit, the person's categories, matching, form) as integer arrays."""
    _, table = city._static("record_groups", city._record_groups)
    return city._static(
        "record_group_arrays",
        lambda: {c: table[c].to_numpy().astype("int64") for c in table.columns},
    )


def _slice_groups(city: City, sl: Slice, districts, streets) -> np.ndarray:
    """Per record group: its records are records of the slice (metrics.records_in)."""
    g, cat = _groups(city), city.catalogue
    ok = (g["district_code"] >= 0) & ((np.left_shift(1, g["programme_code"]) & sl.programmes) != 0)
    if sl.categories is not None:
        serves = cat.serves_array()[g["programme_code"]]
        ok &= (g["matching"] == 1) & ((serves & g["cat_mask"] & sl.categories) != 0)
    if sl.forms is not None:
        wanted = np.array([i for i, f in enumerate(city.codes.forms) if f in sl.forms], "int64")
        ok &= _among(g["form"], wanted, city.codes.forms)
    inside = _where(city, g["district_code"], g["street_code"], districts, streets)
    if inside is not None:
        ok &= inside
    return ok


def _record_grid(city: City, ok: np.ndarray, key: np.ndarray) -> pd.DataFrame:
    """Records and amount per (key, day), summed from the day cells of the record groups
    that are `ok` (warmth.snapshot.days: per day and group, its records and amount), so
    no pass over the records; key: per record group, the row it counts in."""
    changes = city.day_changes()
    keep = ok[changes.rec_group]
    group = changes.rec_group[keep]
    k = city._static("keys", lambda: _keys(city))
    ndays, day0 = k["ndays"], k["day0"]
    day = changes.rec_day[keep].astype("int64") + (changes.day0 - day0)
    cells = key[group] * ndays + day
    sums = changes.rec_sums[keep]
    counts = np.bincount(cells, weights=sums[:, 0], minlength=ndays)
    used = np.flatnonzero(counts)
    amount = np.bincount(cells, weights=sums[:, 2], minlength=ndays)
    return pd.DataFrame(
        {
            "group": used // ndays,
            "day": used % ndays + day0,
            "records": np.rint(counts[used]).astype("int64"),
            "amount_fen": np.rint(amount[used]).astype("int64"),
        }
    )


def _first_reached(city: City, sl: Slice, districts, streets):
    """Positions (into _firsts) of each person's first reaching record in the slice, kept
    per snapshot and slice (pacing and the timelines ask for the same ones)."""
    key = ("first_reached", sl.programmes, sl.categories, districts, streets)

    def make():
        f, at = _reached_firsts(city, sl, districts, streets)
        return at[_starts(f["person"][at])].astype("int32")

    return city._kept(key, make, big=True)


def _keys(city: City):
    """Static per-first-record integer keys: (district, day) and (department, day) cells
    of a grid of days from the campaign's first record's day."""
    rec = city.records
    f = _kept_static(city, "firsts", lambda: _firsts(city))
    day0 = int(rec.day.min()) if len(rec) else 0
    ndays = int(rec.day.max()) - day0 + 1 if len(rec) else 1
    first_days = f["day"].astype("int32") - day0
    return {  # the narrowest cells: a few thousand of them
        "day0": day0,
        "ndays": ndays,
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
    k = city._static("keys", lambda: _keys(city))
    out = []
    for key, sl in slices:
        first = _first_reached(city, sl, districts, streets)
        both = _grid(k["first_district"][first], k["ndays"], k["day0"], "newly_reached")
        if records:
            ok = _slice_groups(city, sl, districts, streets)
            counted = _record_grid(city, ok, _groups(city)["district_code"])
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
    k = city._static("keys", lambda: _keys(city))
    codes = sorted(city.catalogue.departments["code"])
    wanted = np.array([codes.index(d) for d in departments], dtype="int64")
    some = wanted if len(wanted) < len(codes) else None
    if streets is None:
        reached = _department_reached(city, sl, some, districts)
    else:  # few people: their first records one by one
        f, at = _reached_firsts(city, sl, districts, streets)
        if some is not None:
            at = at[_among(f["dept"][at], some, tuple(codes))]
        first = _department_firsts(city, f, at)
        reached = _grid(k["first_dept"][first], k["ndays"], k["day0"], "newly_reached")
    ok = _slice_groups(city, sl, districts, streets)
    dept = city_depts(city)[_groups(city)["programme_code"]]
    if len(wanted) < len(codes):
        ok &= _among(dept, wanted, tuple(codes))
    counted = _record_grid(city, ok, dept)
    both = reached.merge(counted, on=["group", "day"], how="outer")
    both["key"] = np.array(codes, dtype=object)[both["group"].to_numpy(dtype="int64")]
    return _finish([both.drop(columns="group").assign(district=-1)])


def _alone_cells(city: City) -> dict[str, np.ndarray]:
    """The first records alone in their (person, department) (all but a few), counted per
    cell of (home district, category code, programme bit, day after day0): whether such a
    record reaches inside a slice and a set of districts depends on its cell alone."""
    f = _kept_static(city, "firsts", lambda: _firsts(city))
    k = city._static("keys", lambda: _keys(city))
    _, _, flag = _shared(city, f)
    alone = np.flatnonzero(~flag)
    ncat, ndays = max(len(f["cat_values"]), 1), k["ndays"]
    home = city.people.home[f["person"][alone]].astype("int64") + 1  # matching: registered
    key = (home * ncat + f["cat"][alone]) * 64 + f["pbit"][alone]
    key = key * ndays + (f["day"][alone].astype("int64") - k["day0"])
    codes, cells = pd.factorize(key)
    cells = np.asarray(cells, dtype="int64")
    day, rest = cells % ndays, cells // ndays
    return {
        "home": narrow(rest // (64 * ncat) - 1),
        "cat": narrow(rest // 64 % ncat),
        "pbit": narrow(rest % 64),
        "day": narrow(day),
        "n": np.bincount(codes, minlength=len(cells)),
    }


def _department_reached(city: City, sl: Slice, wanted, districts) -> pd.DataFrame:
    """People first reached per department (position into the sorted codes) and day, in
    the slice and the districts (None: any), for the departments `wanted` (None: all):
    the lone first records summed by their cells (_alone_cells), and of the first records
    that share a (person, department), each group's earliest that reaches."""
    f = _kept_static(city, "firsts", lambda: _firsts(city))
    k = city._static("keys", lambda: _keys(city))
    members, group, _ = _shared(city, f)
    cells = _kept_static(city, "alone_cells", lambda: _alone_cells(city))
    reaches = _reaches(city, f["cat_values"], sl)
    depts, codes = city_depts(city), tuple(sorted(city.catalogue.departments["code"]))
    ok = reaches[cells["cat"].astype("int64"), cells["pbit"].astype("int64")]
    inside = _where(city, cells["home"], None, districts, None)
    dept = depts[cells["pbit"]]
    if inside is not None:
        ok &= inside
    if wanted is not None:
        ok &= _among(dept, wanted, codes)
    ndays = k["ndays"]
    size = len(codes) * ndays
    counts = np.bincount(dept[ok] * ndays + cells["day"][ok], cells["n"][ok], minlength=size)
    m_ok = reaches[f["cat"][members].astype("int64"), f["pbit"][members].astype("int64")]
    home = city.people.home[f["person"][members]]
    inside = _where(city, home, None, districts, None)
    if inside is not None:
        m_ok &= inside
    if wanted is not None:
        m_ok &= _among(f["dept"][members], wanted, codes)
    reaching = np.flatnonzero(m_ok)  # members are in (person, department, day) order
    earliest = members[reaching[runs(group[reaching])]]
    counts += np.bincount(k["first_dept"][earliest], minlength=size)
    used = np.flatnonzero(counts)
    return pd.DataFrame(
        {
            "group": used // ndays,
            "day": used % ndays + k["day0"],
            "newly_reached": np.rint(counts[used]).astype("int64"),
        }
    )


def _shared(city: City, f) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """_shared_groups, kept beside the snapshot."""
    made = lambda: dict(zip(SHARED, _shared_groups(f), strict=True))  # noqa: E731
    got = _kept_static(city, "shared_groups", made)
    return got["members"], got["group"], got["flag"]


SHARED = ("members", "group", "flag")


def _shared_groups(f):
    """The first records that share their (person, department) with another (a person
    reached by two programmes of one department; few), in (person, department, day)
    order, with a group number each, and per first record whether it is one of them."""
    key = f["person"].astype("int64") * 64 + f["dept"].astype("int64")
    order = np.argsort(key, kind="stable")  # nearly sorted already: (person, day) order
    k = key[order]
    shared = np.zeros(len(k), dtype=bool)
    if len(k) > 1:
        same = k[1:] == k[:-1]
        shared[1:] |= same
        shared[:-1] |= same
    members, mk = order[shared], k[shared]
    group = np.cumsum(runs(mk)) - 1
    flag = np.zeros(len(k), dtype=bool)
    flag[members] = True
    return members, group, flag


def _department_firsts(city: City, f, at: np.ndarray) -> np.ndarray:
    """Of the reaching first records `at` (ascending), each person's earliest in each
    department: every one alone in its (person, department), and of those that share it,
    the earliest that reaches."""
    members, group, flag = _shared(city, f)
    alone = at[~flag[at]]
    if not len(at) or not len(members):
        return alone
    where = np.minimum(np.searchsorted(at, members), len(at) - 1)
    reaching = np.flatnonzero(at[where] == members)  # in (person, department, day) order
    earliest = reaching[runs(group[reaching])]
    return np.concatenate([alone, members[earliest]])


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
