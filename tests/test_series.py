"""The timelines day by day (warmth.snapshot.series through queries.timeline), on seeded
random data, against a count written straight from the definitions, person by person and
record by record: for every day and department (or district), the people first reached
that day inside it, the records and the amount."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from tests.oracle import DISTRICTS, World, random_filters, universe_of, world_on
from warmth import queries
from warmth.request import resolve
from warmth.scope import Filters, Scope, city_scope, district_scope
from warmth.snapshot import kept, series, store


def expected_days(world: World, f: Filters, by: str) -> dict[tuple, tuple]:
    """(day, department or district) -> (records, amount in yuan, newly reached), the
    cells with any of them."""
    universe = universe_of(world, f)
    chosen = set(f.categories) if f.categories else None
    serves = {code: v[2] for code, v in world.progs.items()}
    dd = set(f.districts) & set(DISTRICTS) if f.districts else set(DISTRICTS)
    records, fen, firsts = Counter(), Counter(), {}
    for r in world.records:
        prog, p = r["programme"], world.people.get(r["id"])
        if (f.as_of is not None and r["day"] > f.as_of) or prog not in universe:
            continue
        dept = world.progs[prog][0]
        matching = bool(p and serves[prog] & p[2])
        home = p[0] if p else None
        att = home if matching else (r["district"] or home or r["submitter"])
        att_street = p[1] if p and att == home else None
        counts = chosen is None or bool(matching and serves[prog] & p[2] & chosen)
        if matching and counts and home in dd and (not f.streets or p[1] in f.streets):
            # reached inside the department (by district: inside the slice at all)
            who = (r["id"], dept) if by == "department" else (r["id"], home)
            firsts[who] = min(firsts.get(who, r["day"]), r["day"])
        if f.forms and r["form"] not in f.forms:  # forms touch records only
            continue
        if att in dd and (not f.streets or att_street in f.streets) and counts:
            cell = (r["day"], dept if by == "department" else att)
            records[cell] += 1
            fen[cell] += r["fen"]
    newly = Counter((day, key) for (_, key), day in firsts.items())
    cells = set(records) | set(newly)
    return {c: (records[c], fen[c] / 100, newly[c]) for c in cells}


def got_days(conn, scope: Scope, f: Filters, by: str) -> dict[tuple, tuple]:
    t = queries.timeline(conn, scope, f, by=by)
    return {
        (row.day, row.key): (row.records, row.amount_yuan, row.newly_reached)
        for row in t.itertuples(index=False)
    }


@pytest.fixture
def world_db(engine):
    yield from world_on(engine, 20041218)


def test_the_timelines_equal_the_count_day_by_day(world_db):
    conn, world = world_db
    city = city_scope(conn)
    city = Scope(frozenset(DISTRICTS), city.departments, role="city")
    rng = np.random.default_rng(12)
    cases = [Filters(), Filters(categories=("DBU", "LTX")), Filters(departments=("MZ", "YB"))]
    cases += [random_filters(rng, world) for _ in range(25)]
    for f in cases:
        for by in ("department", "district"):
            want, got = expected_days(world, f, by), got_days(conn, city, f, by)
            assert sorted(got) == sorted(want), (by, f)
            for cell, figures in want.items():
                assert got[cell] == pytest.approx(figures), (by, f, cell)


def test_a_department_viewer_sees_its_own_department_day_by_day(world_db):
    conn, world = world_db
    for dept in ("MZ", "YB", "LB"):
        scope = Scope(frozenset(DISTRICTS), frozenset({dept}), role="department")
        for f in (Filters(), Filters(categories=("DBU", "CJR", "YLJZ"))):
            want = expected_days(
                world, Filters(**{**f.__dict__, "departments": (dept,)}), "department"
            )
            assert got_days(conn, scope, f, "department") == pytest.approx(want), (dept, f)


def test_a_district_viewer_sees_its_own_district_day_by_day(world_db):
    conn, world = world_db
    rng = np.random.default_rng(5)
    for d in DISTRICTS:
        scope = district_scope(conn, d)
        for f in [Filters(), *(random_filters(rng, world) for _ in range(6))]:
            f = Filters(**{**f.__dict__, "districts": ()})
            want_f = Filters(**{**f.__dict__, "districts": (d,)})
            for by in ("department", "district"):
                want = expected_days(world, want_f, by)
                assert got_days(conn, scope, f, by) == pytest.approx(want), (d, by, f)


def test_streets_of_several_districts_day_by_day(world_db):
    """Streets of two districts at once (a street filter's people are looked at through
    their districts' rows): every street counts, and a district filter still narrows."""
    conn, world = world_db
    city = Scope(frozenset(DISTRICTS), city_scope(conn).departments, role="city")
    two = (world.streets[DISTRICTS[0]][0], world.streets[DISTRICTS[1]][1])
    cases = [
        Filters(streets=two),
        Filters(streets=two, districts=(DISTRICTS[1],)),
        Filters(streets=two, districts=(DISTRICTS[2],)),
        Filters(streets=(*two, world.streets[DISTRICTS[2]][0]), departments=("MZ", "YB")),
        Filters(streets=two, categories=("DBU", "LTX")),
    ]
    for f in cases:
        for by in ("department", "district"):
            want = expected_days(world, f, by)
            assert want or f.districts == (DISTRICTS[2],), (by, f)  # the cases count someone
            assert got_days(conn, city, f, by) == pytest.approx(want), (by, f)


def test_a_new_process_reads_the_timelines_first_records_from_the_snapshot_folder(
    world_db, monkeypatch
):
    """What the timelines derive from a snapshot alone (its first records, the groups
    that share a department, the lone records' cells) is written beside the snapshot once;
    a process that starts afresh reads it (no making) and counts the same, day by day."""
    conn, world = world_db
    city = Scope(frozenset(DISTRICTS), city_scope(conn).departments, role="city")
    cases = [Filters(), Filters(departments=("MZ", "YB")), Filters(districts=(DISTRICTS[1],))]
    before = [got_days(conn, city, f, "department") for f in cases]
    req = resolve(conn, city, Filters())
    folder = store.city(conn, req.campaign_id).folder / kept.FOLDER
    names = {p.name for p in folder.iterdir()}
    assert {f"series-{n}-{series.KEPT_LAYOUT}" for n in ("firsts", "shared_groups")} <= names
    assert f"series-alone_cells-{series.KEPT_LAYOUT}" in names
    store.forget()  # as a new process: nothing in memory, the files on disk

    def refused(*_):
        raise AssertionError("made again instead of read from the snapshot folder")

    for name in ("_firsts", "_shared_groups", "_alone_cells"):
        monkeypatch.setattr(series, name, refused)
    assert [got_days(conn, city, f, "department") for f in cases] == before
    for f, got in zip(cases, before, strict=True):
        assert got == pytest.approx(expected_days(world, f, "department")), f
    store.forget()
