"""The register of the demo city: reference data and one row per person, as numpy arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from warmth import reference
from warmth.demo.parameters import (
    BIRTH,
    CHONGMING,
    CORE,
    GIVEN,
    HOUSEHOLD_SIZE,
    INNER_SUBURBS,
    ISLAND_TOWNSHIPS,
    OUTER_SUBURBS,
    PROFILES,
    ROADS,
    SURNAMES,
    VILLAGES,
    ZONE_LEAN,
)
from warmth.ids import WEIGHTS

# Reference data, read from the same CSV files the database was initialised from


@dataclass
class _Reference:
    districts: list[str]
    population: np.ndarray
    zone: np.ndarray  # 0 core, 1 inner suburb, 2 outer suburb, 3 崇明
    tiles: np.ndarray  # (n, 2) row, col
    street_codes: list[np.ndarray]  # per district: street codes
    street_kinds: list[np.ndarray]
    street_island: list[np.ndarray]  # per district: street on an island (温暖送三岛)
    categories: list[str]
    programmes: list[str]
    prog_form: list[str]
    prog_amount: np.ndarray  # fen
    prog_mask: np.ndarray  # bit mask of categories served


def _reference() -> _Reference:
    drows = reference.read_csv("districts.csv")
    districts = [r["code"] for r in drows]
    zone = np.array(
        [
            0
            if c in CORE
            else 1
            if c in INNER_SUBURBS
            else 2
            if c in OUTER_SUBURBS
            else 3
            if c == CHONGMING
            else 2
            for c in districts
        ],
        dtype=np.int8,
    )
    srows = reference.read_csv("streets.csv")
    codes, kinds, island = [], [], []
    for d in districts:
        mine = [r for r in srows if r["district_code"] == d]
        codes.append(np.array([r["code"] for r in mine]))
        kinds.append(np.array([r["kind"] for r in mine]))
        island.append(
            np.array([d == CHONGMING or r["name_zh"] in ISLAND_TOWNSHIPS for r in mine], dtype=bool)
        )
    cats = [r["code"] for r in reference.read_csv("categories.csv")]
    prows = reference.read_csv("programmes.csv")
    masks = [sum(1 << cats.index(c) for c in r["categories"].split(";")) for r in prows]
    return _Reference(
        districts=districts,
        population=np.array([int(r["est_hukou_population_2004"]) for r in drows], dtype=float),
        zone=zone,
        tiles=np.array([(int(r["tile_row"]), int(r["tile_col"])) for r in drows]),
        street_codes=codes,
        street_kinds=kinds,
        street_island=island,
        categories=cats,
        programmes=[r["code"] for r in prows],
        prog_form=[r["form"] for r in prows],
        prog_amount=np.array(
            [round(float(r["standard_amount_yuan"] or 0) * 100) for r in prows], dtype=np.int64
        ),
        prog_mask=np.array(masks, dtype=np.int64),
    )


# Generation: plain numpy arrays, one row per person or per record


@dataclass
class _People:
    profile: np.ndarray  # index into PROFILES
    district: np.ndarray  # index into ref.districts
    street: np.ndarray  # index into that district's streets
    key: np.ndarray  # first 17 digits of the ID number as an integer
    check: np.ndarray  # index into CHECK_CHARS
    surname: np.ndarray
    given1: np.ndarray  # index into _GIVEN_CHARS
    given2: np.ndarray  # -1: a one-character given name
    household: np.ndarray  # 0: not a household category
    rural: np.ndarray  # address as village/group rather than road/lane
    road: np.ndarray
    lane: np.ndarray
    house: np.ndarray
    room: np.ndarray


_GIVEN_CHARS = "".join(first + second for first, second in GIVEN.values())
_GIVEN_POOLS: dict[str, tuple[int, int, int, int]] = {}  # first start, length, second start, length
_offset = 0
for _pool, (_first, _second) in GIVEN.items():
    _GIVEN_POOLS[_pool] = (_offset, len(_first), _offset + len(_first), len(_second))
    _offset += len(_first) + len(_second)
_GIVEN_CODES = np.array([ord(c) for c in _GIVEN_CHARS])
_SURNAME_WEIGHTS = 1 / np.arange(1, len(SURNAMES) + 1) ** 0.9
_SURNAME_WEIGHTS /= _SURNAME_WEIGHTS.sum()


def check_indices(keys: np.ndarray) -> np.ndarray:
    """GB 11643 check character (as an index into CHECK_CHARS) of 17-digit integer keys."""
    rest = keys.astype(np.int64)
    total = np.zeros(len(rest), dtype=np.int64)
    for weight in WEIGHTS[::-1]:
        total += (rest % 10) * weight
        rest = rest // 10
    return (total % 11).astype(np.int8)


def _member(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """keys found in sorted_keys (np.isin is much slower on millions of int64)."""
    at = np.minimum(np.searchsorted(sorted_keys, keys), max(len(sorted_keys) - 1, 0))
    return sorted_keys[at] == keys if len(sorted_keys) else np.zeros(len(keys), dtype=bool)


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split total into integer parts proportional to weights (largest remainder)."""
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    exact = total * weights / weights.sum()
    parts = np.floor(exact).astype(np.int64)
    short = total - parts.sum()
    if short:
        parts[np.argsort(-(exact - parts), kind="stable")[:short]] += 1
    return parts


def _birth_dates(rng: np.random.Generator, spec: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(yyyymmdd, female) for n people of a birth profile."""
    mean, sd, lo, hi_f, hi_m, female_share = BIRTH[spec]
    female = rng.random(n) < female_share
    hi = np.where(female, hi_f, hi_m)
    year = np.rint(rng.normal(mean, sd, n)).astype(np.int64)
    year = np.where(year > hi, hi - rng.integers(0, 6, n), year)
    year = np.clip(year, lo, hi)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    doy = np.floor(rng.random(n) * (365 + leap)).astype(np.int64)
    day = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]") + doy
    month_start = day.astype("datetime64[M]")
    yyyy = month_start.astype("datetime64[Y]").astype(np.int64) + 1970
    mm = month_start.astype(np.int64) % 12 + 1
    dd = (day - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    return yyyy * 10000 + mm * 100 + dd, female


def _keys(area: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> np.ndarray:
    return area * 10**11 + birth * 1000 + seq


def _sequence(rng: np.random.Generator, female: np.ndarray) -> np.ndarray:
    """Three-digit sequence: odd for men, even for women (GB 11643)."""
    return 2 * rng.integers(0, 500, len(female)) + (~female).astype(np.int64)


def _names(rng, n: int, birth: np.ndarray, female: np.ndarray):
    surname = rng.choice(len(SURNAMES), n, p=_SURNAME_WEIGHTS).astype(np.int16)
    old = birth < 19650000
    pools = np.empty((n, 4), dtype=np.int64)
    for pool, mask in (
        ("m_old", ~female & old),
        ("m_young", ~female & ~old),
        ("f_old", female & old),
        ("f_young", female & ~old),
    ):
        pools[mask] = _GIVEN_POOLS[pool]
    first = pools[:, 0] + np.floor(rng.random(n) * pools[:, 1]).astype(np.int64)
    second = pools[:, 2] + np.floor(rng.random(n) * pools[:, 3]).astype(np.int64)
    doubled = _GIVEN_CODES[first] == _GIVEN_CODES[second]  # 根根: take the next character
    second[doubled] = (
        pools[doubled, 2] + (second[doubled] - pools[doubled, 2] + 1) % pools[doubled, 3]
    )
    two_chars = rng.random(n) < np.where(old, 0.85, 0.6)
    given1 = np.where(two_chars, first, second)
    given2 = np.where(two_chars, second, -1)
    return surname, given1.astype(np.int16), given2.astype(np.int16)


def _street_weights(rng, ref: _Reference) -> list[np.ndarray]:
    """Uneven base weights of the streets of each district (big and small streets)."""
    return [rng.lognormal(0.0, 0.7, len(codes)) for codes in ref.street_codes]


def _kind_lean(kinds: np.ndarray, rural: bool) -> np.ndarray:
    # Rural 低保 lives in towns and townships, hardly in urban streets.
    table = {"街道": 0.05, "镇": 1.0, "乡": 1.0} if rural else {"街道": 1.5, "镇": 1.0, "乡": 0.6}
    return np.array([table.get(k, 0.5) for k in kinds])


def _people(rng: np.random.Generator, ref: _Reference, scale: float) -> _People:
    n_districts = len(ref.districts)
    base_streets = _street_weights(rng, ref)
    jitter = rng.lognormal(0.0, 0.12, (len(PROFILES), n_districts))
    area_codes = np.array([int(d) for d in ref.districts], dtype=np.int64)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in _People.__dataclass_fields__}
    for p, (cats, full_count, birth_spec) in enumerate(PROFILES):
        lean = np.array(ZONE_LEAN.get(cats[0], (1.0, 1.0, 1.0, 1.0)))[ref.zone]
        if "DBR" in cats:
            lean = np.array(ZONE_LEAN["DBR"])[ref.zone]
        counts = _allocate(round(full_count * scale), ref.population * lean * jitter[p])
        rural_profile = "DBR" in cats
        household_cats = [c for c in cats if c in ("DBU", "DBR", "YLYL", "CJR", "TKJT")]
        size_spec = (
            "YLYL"
            if "YLYL" in cats
            else "DBR"
            if "DBR" in cats
            else "CJR"
            if household_cats == ["CJR"]
            else "ANY"
        )
        for d in np.flatnonzero(counts):
            n = int(counts[d])
            kinds = ref.street_kinds[d]
            w = base_streets[d] * _kind_lean(kinds, rural_profile)
            street = rng.choice(len(w), n, p=w / w.sum()).astype(np.int16)
            birth, female = _birth_dates(rng, birth_spec, n)
            key = _keys(np.full(n, area_codes[d]), birth, _sequence(rng, female))
            surname, given1, given2 = _names(rng, n, birth, female)
            if household_cats:
                sizes = rng.choice(6, n, p=HOUSEHOLD_SIZE[size_spec]) + 1
            else:
                sizes = np.zeros(n, dtype=np.int64)
            in_town = ((kinds == "镇") | (kinds == "乡"))[street]
            rural = rural_profile | (in_town & (ref.zone[d] >= 2) & (rng.random(n) < 0.5))
            roads = len(ROADS[ref.districts[d]])
            parts["profile"].append(np.full(n, p, dtype=np.int16))
            parts["district"].append(np.full(n, d, dtype=np.int8))
            parts["street"].append(street)
            parts["key"].append(key)
            parts["check"].append(np.zeros(n, dtype=np.int8))
            parts["surname"].append(surname)
            parts["given1"].append(given1)
            parts["given2"].append(given2)
            parts["household"].append(sizes.astype(np.int8))
            parts["rural"].append(rural)
            parts["road"].append(
                np.where(rural, rng.integers(0, len(VILLAGES), n), rng.integers(0, roads, n))
            )
            parts["lane"].append(
                np.where(rural, rng.integers(1, 13, n), np.rint(rng.lognormal(5.0, 0.9, n)) + 1)
            )
            parts["house"].append(np.where(rural, rng.integers(1, 120, n), rng.integers(1, 60, n)))
            floor = rng.integers(1, 7, n)
            parts["room"].append(np.where(rural, 0, floor * 100 + rng.integers(1, 5, n)))
    people = _People(**{k: np.concatenate(v) for k, v in parts.items()})
    people.lane = np.minimum(people.lane, 2000).astype(np.int32)
    _make_unique(rng, people)
    people.check = check_indices(people.key)
    # Register order: by ID number, so by district (the area code) first: a district's rows
    # lie together in the table, and reading one district's people touches few pages.
    order = np.argsort(people.key)
    for field in _People.__dataclass_fields__:
        setattr(people, field, getattr(people, field)[order])
    return people


def _make_unique(rng: np.random.Generator, people: _People) -> None:
    """Draw new sequence numbers until every ID number is unique (same sex digit)."""
    keys = people.key
    order = np.argsort(keys)
    ordered = keys[order]
    clash = np.sort(order[1:][ordered[1:] == ordered[:-1]])
    kept = np.ones(len(keys), dtype=bool)
    kept[clash] = False
    taken = np.sort(keys[kept])
    for _ in range(100):
        if not len(clash):
            return
        male = (keys[clash] % 2).astype(bool)
        fresh = keys[clash] - keys[clash] % 1000 + _sequence(rng, ~male)
        by_value = np.argsort(fresh, kind="stable")
        twin = np.zeros(len(fresh), dtype=bool)
        twin[by_value[1:][fresh[by_value][1:] == fresh[by_value][:-1]]] = True
        ok = ~twin & ~_member(taken, fresh)
        keys[clash[ok]] = fresh[ok]
        taken = np.sort(np.concatenate([taken, fresh[ok]]))
        clash = clash[~ok]
    raise RuntimeError("could not make the demo ID numbers unique")
