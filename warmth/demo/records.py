"""The aid records of the demo city, with the imperfections it plants: leakage, repeats,
records delivered by a neighbouring district, districts behind pace, duplicate registrations."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from warmth.demo.parameters import (
    CATEGORY_REACH,
    ISLAND_PROGRAMME,
    LEAKAGE_PROGRAMMES,
    PROFILES,
    PROGRAMME_REACH,
    TYPO_SHARE,
    ZERO_VISIT_SHARE,
)
from warmth.demo.people import (
    _birth_dates,
    _keys,
    _member,
    _People,
    _Reference,
    _sequence,
    check_indices,
)


@dataclass
class _Records:
    key: np.ndarray
    check: np.ndarray
    programme: np.ndarray
    day: np.ndarray
    deliverer: np.ndarray  # district index of the delivering district
    amount: np.ndarray


@dataclass
class _DistrictPlan:
    reach: np.ndarray  # share of eligible people reached at all
    behind: np.ndarray  # bool: records concentrated late
    repeat: np.ndarray  # share of records paid twice
    leak_unregistered: np.ndarray  # records for ID numbers not on the register, per record
    leak_category: np.ndarray  # records naming a programme for none of the person's categories
    elsewhere: np.ndarray  # share of records delivered by a neighbouring district
    new_year_push: np.ndarray


def _plan(rng: np.random.Generator, n_districts: int) -> _DistrictPlan:
    behind = np.zeros(n_districts, dtype=bool)
    behind[rng.choice(n_districts, int(rng.integers(2, 4)), replace=False)] = True
    return _DistrictPlan(
        reach=rng.uniform(0.85, 0.95, n_districts),
        behind=behind,
        repeat=rng.uniform(0.003, 0.018, n_districts),
        leak_unregistered=rng.uniform(0.002, 0.006, n_districts),
        leak_category=rng.uniform(0.0005, 0.0015, n_districts),
        elsewhere=rng.uniform(0.002, 0.01, n_districts),
        new_year_push=rng.uniform(0.7, 1.3, n_districts),
    )


def day_weights(
    n_days: int, new_year: int, spring_festival: int, lantern: int, *, behind: bool, push=1.0
) -> np.ndarray:
    """Share of a district's deliveries on each day of the window (day 0 = window start).

    Deliveries ramp towards New Year and towards the week before the Spring Festival, drop
    over the festival holiday and pick up for the Lantern Festival. A district behind pace
    does little before the last three weeks before the festival."""
    t = np.arange(n_days, dtype=float)
    if behind:
        w = (
            0.5
            + 0.7 * (t >= spring_festival - 15)
            + 4.0 * np.exp(-(((t - (spring_festival - 5)) / 4.0) ** 2))
        )
    else:
        w = (
            0.3
            + push * 2.6 * np.exp(-(((t - (new_year - 2)) / 4.5) ** 2))
            + 0.9 * ((t >= new_year) & (t < spring_festival - 10))
            + 2.4 * np.exp(-(((t - (spring_festival - 4)) / 3.0) ** 2))
        )
    w = w + 0.5 * np.exp(-(((t - lantern) / 1.5) ** 2))
    holiday = (t >= spring_festival) & (t < spring_festival + 7)
    w[holiday] *= 0.4
    return w / w.sum()


def _neighbours(ref: _Reference) -> list[np.ndarray]:
    """For each district, the districts next to it on the tile map (or the nearest)."""
    out = []
    for i in range(len(ref.districts)):
        dist = np.abs(ref.tiles - ref.tiles[i]).max(axis=1).astype(float)
        dist[i] = np.inf
        near = np.flatnonzero(dist <= 1)
        out.append(near if len(near) else np.array([int(np.argmin(dist))]))
    return out


def _records(
    rng: np.random.Generator,
    ref: _Reference,
    people: _People,
    plan: _DistrictPlan,
    weights: np.ndarray,  # (districts, days)
) -> tuple[_Records, int]:
    n_people = len(people.key)
    cat_bit = {c: 1 << i for i, c in enumerate(ref.categories)}
    island = np.zeros(n_people, dtype=bool)
    for d in range(len(ref.districts)):
        here = people.district == d
        island[here] = ref.street_island[d][people.street[here]]

    # Who is reached at all: the district's rate, a little lower for harder-to-find groups.
    adjust = np.array([CATEGORY_REACH.get(cats[0], 0.98) for cats, _, _ in PROFILES])
    reached = rng.random(n_people) < np.minimum(
        plan.reach[people.district] * adjust[people.profile], 0.995
    )

    ben_parts, prog_parts = [], []
    cs01 = ref.programmes.index(ISLAND_PROGRAMME)
    for p, (cats, _, _) in enumerate(PROFILES):
        idx = np.flatnonzero((people.profile == p) & reached)
        if not len(idx):
            continue
        mask = sum(cat_bit[c] for c in cats)
        cands = np.flatnonzero(ref.prog_mask & mask)
        probs = np.array(
            [
                max(
                    PROGRAMME_REACH.get((ref.programmes[j], c), 0.5)
                    for c in cats
                    if ref.prog_mask[j] & cat_bit[c]
                )
                for j in cands
            ]
        )
        chance = np.broadcast_to(probs, (len(idx), len(cands))).copy()
        chance[:, cands == cs01] *= island[idx, None]
        hit = rng.random(chance.shape) < chance
        none = ~hit.any(axis=1)
        hit[np.flatnonzero(none), chance[none].argmax(axis=1)] = True
        rows, cols = np.nonzero(hit)
        ben_parts.append(idx[rows])
        prog_parts.append(cands[cols].astype(np.int8))
    ben = np.concatenate(ben_parts)
    prog = np.concatenate(prog_parts)

    # Leakage by category: a registered person given a programme for none of their categories.
    prof_mask = np.array([sum(cat_bit[c] for c in cats) for cats, _, _ in PROFILES], dtype=np.int64)
    leak_codes = np.array([ref.programmes.index(c) for c in LEAKAGE_PROGRAMMES])
    per_district = np.bincount(people.district[ben], minlength=len(ref.districts))
    wrong_ben, wrong_prog = [], []
    for d in range(len(ref.districts)):
        n = rng.binomial(per_district[d], plan.leak_category[d])
        pool = np.flatnonzero(people.district == d)
        if not n or not len(pool):
            continue
        who = rng.choice(pool, n)
        what = rng.choice(leak_codes, n)
        wrong = (ref.prog_mask[what] & prof_mask[people.profile[who]]) == 0
        wrong_ben.append(who[wrong])
        wrong_prog.append(what[wrong].astype(np.int8))
    if wrong_ben:
        ben = np.concatenate([ben, *wrong_ben])
        prog = np.concatenate([prog, *wrong_prog])

    district = people.district[ben]
    day = np.empty(len(ben), dtype=np.int16)
    for d in range(len(ref.districts)):
        here = np.flatnonzero(district == d)
        day[here] = rng.choice(weights.shape[1], len(here), p=weights[d])

    # Repeats: the same programme paid again a few days later, under a new record number.
    again = np.flatnonzero(rng.random(len(ben)) < plan.repeat[district])
    later = np.minimum(day[again] + rng.integers(0, 15, len(again)), weights.shape[1] - 1)
    ben = np.concatenate([ben, ben[again]])
    prog = np.concatenate([prog, prog[again]])
    day = np.concatenate([day, later.astype(np.int16)])
    district = people.district[ben]

    # A few records are delivered by a neighbouring district (never 温暖送三岛).
    deliverer = district.copy()
    neighbours = _neighbours(ref)
    moved = np.flatnonzero((rng.random(len(ben)) < plan.elsewhere[district]) & (prog != cs01))
    for d in range(len(ref.districts)):
        mine = moved[district[moved] == d]
        deliverer[mine] = rng.choice(neighbours[d], len(mine))

    key = people.key[ben]
    check = people.check[ben]

    # Leakage by register: valid ID numbers that are on no register of the campaign.
    leak = [
        rng.binomial(int(np.sum(district == d)), plan.leak_unregistered[d])
        for d in range(len(ref.districts))
    ]
    n_leak = int(sum(leak))
    leak_district = np.repeat(np.arange(len(ref.districts)), leak).astype(np.int8)
    birth, female = _birth_dates(rng, "ANY", n_leak)
    area = np.array([int(c) for c in ref.districts], dtype=np.int64)[leak_district]
    leak_key = _keys(area, birth, _sequence(rng, female))
    register = np.sort(people.key)
    registered = _member(register, leak_key)
    while registered.any():  # next sequence number of the same sex
        clash = leak_key[registered]
        leak_key[registered] = clash - clash % 1000 + (clash % 1000 + 2) % 1000
        registered = _member(register, leak_key)
    usual = np.bincount(prog, minlength=len(ref.programmes)).astype(float)
    usual[cs01] = 0
    leak_prog = rng.choice(len(ref.programmes), n_leak, p=usual / usual.sum()).astype(np.int8)
    leak_day = np.empty(n_leak, dtype=np.int16)
    for d in range(len(ref.districts)):
        here = np.flatnonzero(leak_district == d)
        leak_day[here] = rng.choice(weights.shape[1], len(here), p=weights[d])

    prog = np.concatenate([prog, leak_prog])
    amount = ref.prog_amount[prog].copy()
    visits = np.flatnonzero(np.array(ref.prog_form)[prog] == "visit")
    amount[visits[rng.random(len(visits)) < ZERO_VISIT_SHARE]] = 0
    records = _Records(
        key=np.concatenate([key, leak_key]),
        check=np.concatenate([check, check_indices(leak_key)]),
        programme=prog,
        day=np.concatenate([day, leak_day]),
        deliverer=np.concatenate([deliverer, leak_district]),
        amount=amount,
    )
    # Record numbers run per delivering district in date order.
    order = np.lexsort((rng.random(len(prog)), records.day, records.deliverer))
    for field in _Records.__dataclass_fields__:
        setattr(records, field, getattr(records, field)[order])
    typo = rng.random(len(prog)) < TYPO_SHARE  # an extra zero typed: the scorecard's outliers
    records.amount[typo] *= 10
    return records, n_leak


def _duplicates(rng: np.random.Generator, ref: _Reference, people: _People) -> np.ndarray:
    """People registered again in another district: (person index, district, street)."""
    n = max(3, round(len(people.key) * 0.0005)) if len(people.key) else 0
    who = rng.choice(len(people.key), min(n, len(people.key)), replace=False)
    neighbours = _neighbours(ref)
    where = np.array([rng.choice(neighbours[d]) for d in people.district[who]], dtype=np.int64)
    street = np.array([rng.integers(0, len(ref.street_codes[d])) for d in where], dtype=np.int64)
    return np.stack([who, where, street], axis=1) if n else np.zeros((0, 3), dtype=np.int64)
