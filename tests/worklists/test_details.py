"""What the repeat, leakage and omission lists show beside each member (read from the
snapshot, warmth.worklists.records), on seeded random data with random filters, against a
count written straight from the records, ID number by ID number."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from tests.oracle import DISTRICTS, World, random_filters, universe_of, world_on
from warmth import worklists
from warmth.scope import Filters, Scope


def counted(world: World, f: Filters, *, leak: bool) -> dict[str, list]:
    """ID number -> its records (programme, day, fen) that a list's details count: in the
    date window and forms, of the slice's programmes; repeats with a category filter only
    those serving the person's chosen categories; leakage only the records that match
    nobody, of programmes serving a chosen category."""
    universe = universe_of(world, f)
    chosen = set(f.categories) if f.categories else None
    serves = {code: v[2] for code, v in world.progs.items()}
    out = defaultdict(list)
    for r in sorted(world.records, key=lambda r: (r["day"], r["rec_id"])):
        prog, p = r["programme"], world.people.get(r["id"])
        if (f.as_of is not None and r["day"] > f.as_of) or prog not in universe:
            continue
        if f.forms and r["form"] not in f.forms:
            continue
        matching = bool(p and serves[prog] & p[2])
        if leak:
            if matching or (chosen is not None and not serves[prog] & chosen):
                continue
        elif chosen is not None and not (p and serves[prog] & p[2] & chosen):
            continue
        out[r["id"]].append((prog, r["day"], r["fen"]))
    return out


def repeat_detail(world: World, f: Filters, who: str) -> tuple:
    twice = defaultdict(list)
    for prog, day, fen in counted(world, f, leak=False).get(who, []):
        twice[prog].append((day, fen))
    paid = {p: v for p, v in sorted(twice.items()) if len(v) >= 2}
    days = [d for v in paid.values() for d, _ in v]
    return (
        ";".join(paid),
        sum(len(v) for v in paid.values()),
        sum(fen for v in paid.values() for _, fen in v) / 100,
        min(days, default=None),
        max(days, default=None),
    )


def leak_detail(world: World, f: Filters, who: str) -> tuple:
    recs = counted(world, f, leak=True).get(who, [])
    registered = bool(recs) and who in world.people
    return (
        "category_mismatch" if registered else "not_registered",
        ";".join(sorted({p for p, _, _ in recs})),
        len(recs),
        sum(fen for _, _, fen in recs) / 100,
    )


@pytest.fixture
def world_db(engine):
    yield from world_on(engine, 20050201)


def test_each_members_details_equal_the_count_from_the_records(world_db):
    conn, world = world_db
    depts = frozenset(v[0] for v in world.progs.values())
    city = Scope(frozenset(DISTRICTS), depts, role="city", user="t", may_unmask=True)
    rng = np.random.default_rng(3)
    cases = [Filters(), Filters(categories=("DBU", "CJR")), Filters(forms=("cash",))]
    cases += [random_filters(rng, world) for _ in range(20)]
    seen = defaultdict(int)
    for f in cases:
        rows = worklists.repeats(conn, city, f, limit=10_000, unmask=True).rows
        for r in rows.itertuples(index=False):
            got = (r.programme_code, r.records, r.amount_yuan, r.first_date, r.last_date)
            assert got == repeat_detail(world, f, r.id_number), (f, r.id_number)
            seen["repeat"] += 1
        rows = worklists.leakage(conn, city, f, limit=10_000, unmask=True).rows
        for r in rows.itertuples(index=False):
            got = (r.reason, r.programmes, r.records, r.amount_yuan)
            assert got == leak_detail(world, f, r.id_number), (f, r.id_number)
            assert (r.name is not None) == (got[0] == "category_mismatch"), (f, r.id_number)
            seen["leakage"] += 1
        rows = worklists.omission(conn, city, f, limit=10_000, unmask=True).rows
        for r in rows.itertuples(index=False):
            assert r.categories == ";".join(sorted(world.people[r.id_number][2])), r.id_number
            seen["omission"] += 1
    assert min(seen.values()) > 50, seen  # the lists were not empty
