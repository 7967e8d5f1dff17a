"""The snapshot: its profile rows for the hand-made campaign, re-reading only the touched
districts, and consistency: on seeded random data, every figure and list total the queries
give equals a brute-force count written straight from DEFINITIONS.md, person by person, for
every `by`, many filters and random filter combinations and scopes."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from tests import fixtures_small as fx
from tests.fixtures_small import assert_same_frames
from tests.oracle import (
    COLUMNS,
    DISTRICTS,
    WINDOW,
    compare,
    oracle,
    random_filters,
    seeded_world,
)
from warmth import bootstrap, queries, versions, worklists
from warmth.database import make_engine
from warmth.intake import touched
from warmth.scope import Filters, Scope, city_scope, district_scope
from warmth.snapshot import shards, store


def profile_of(engine, cid) -> pd.DataFrame:
    with engine.connect() as conn:
        return store.city(conn, cid).profile(None)


def test_profile_rows_of_the_small_campaign(engine):
    with engine.begin() as conn:
        cid = fx.build_small(conn)
        versions.bump(conn)
    p = profile_of(engine, cid)
    p = p.sort_values(["district_code", "street_code", "eligible"], na_position="last")
    # registered people: one own row each (P1 and P2 share a street but not a profile)
    own = p.loc[p["eligible"]]
    assert own["n"].sum() == 6
    # P5 (registered in B) leaked with a record delivered by A: a leak-only row in A
    a_away = p.loc[(p["district_code"] == fx.A) & ~p["eligible"]]
    assert len(a_away) == 1 and a_away["street_code"].isna().all()
    assert (a_away[["cat_mask", "reach_mask", "n"]].to_numpy() == [[0, 0, 1]]).all()
    # U1, unregistered, delivered by B: a row in B without street
    b_away = p.loc[(p["district_code"] == fx.B) & ~p["eligible"]]
    assert len(b_away) == 1 and b_away["leak_mask"].iloc[0] != 0
    # P5's own row in B carries no leakage (it is counted once, in A)
    p5 = own.loc[own["street_code"] == fx.B1]
    assert (p5["leak_mask"] == 0).all()


def test_rereading_touched_districts_equals_a_full_rebuild(engine, tmp_path, monkeypatch):
    """After a change, the snapshot re-reads only the districts marked changed (the others
    come from their files), and equals one built from nothing."""
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    with engine.begin() as conn:
        cid = fx.build_small(conn)
        versions.bump(conn)
    with engine.connect() as conn:
        store.city(conn, cid)
    read = []
    real = shards.read_shard
    monkeypatch.setattr(store, "read_shard", lambda *a: read.append(a[2]) or real(*a))
    with engine.begin() as conn:
        # P6 (B) gets an earlier record that does not match, delivered by a third district,
        # and a new unregistered ID is served in A
        fx.add_record(conn, cid, fx.IDS["P6"], "MZ02", 300, date(2004, 12, 19), district="310105")
        fx.add_record(conn, cid, "310101199901010099", "LB01", 100, date(2005, 1, 2), district=fx.A)
        marked = touched.districts_of(
            conn,
            sa.select(sa.literal(fx.hashed(fx.IDS["P6"]))).union(
                sa.select(sa.literal(fx.hashed("310101199901010099")))
            ),
            cid,
        )
        assert marked == {fx.B, "310105", fx.A}
        versions.bump(conn, marked)
    with engine.connect() as conn:
        partial = store.city(conn, cid)
    assert sorted(read) == sorted(marked)
    store.forget()
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "fresh"))
    with engine.connect() as conn:
        full = store.city(conn, cid)
    assert_same_frames(partial, full)
    by_d = queries.coverage(engine.connect(), city_scope(engine.connect()), Filters(), "district")
    assert by_d.set_index("key").loc["310105", "leakage_beneficiaries"] == 1


def test_a_new_process_maps_the_city_from_its_files(engine, tmp_path, monkeypatch):
    """The built city is written as one .npy file per array; a process without it in memory
    maps those files read-only (no district read) and answers exactly as the built one."""
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    with engine.begin() as conn:
        cid = fx.build_small(conn)
        versions.bump(conn)
    with engine.connect() as conn:
        built = store.city(conn, cid)
        expected = [built.profile(None), built.records_frame(None)]
    store.forget()

    def no_reading(*args):
        raise AssertionError("a district was read again")

    monkeypatch.setattr(store, "read_shard", no_reading)
    monkeypatch.setattr(store, "read_all", no_reading)
    with engine.connect() as conn:
        loaded = store.city(conn, cid)
    assert isinstance(loaded.records.person, np.memmap)
    assert isinstance(loaded.people.cat_mask, np.memmap)
    assert not loaded.records.day.flags.writeable
    for a, b in zip(expected, [loaded.profile(None), loaded.records_frame(None)], strict=True):
        pd.testing.assert_frame_equal(a, b)
    folders = [f.name for f in (tmp_path / "kept").rglob(f"c{cid}-v*") if f.is_dir()]
    assert folders == [f"c{cid}-v{loaded.version}"]


MID = date(2005, 1, 20)
FILTER_SETS = [
    Filters(),
    Filters(categories=("DBU", "LTX")),
    Filters(departments=("MZ", "YB")),
    Filters(programmes=("MZ01", "YB02", "JY01", "SH01")),
    Filters(categories=("TKJT",), departments=("SH", "HS")),
    Filters(districts=("310104",)),
    Filters(as_of=MID),  # the per-day summary
    Filters(as_of=MID, categories=("YLJZ", "PKXS")),  # exact path
    Filters(forms=("cash",)),  # records only: profiles
    Filters(as_of=MID, forms=("cash", "medical")),  # exact path
    Filters(as_of=MID, departments=("MZ",)),  # a single department: per-day summary
    Filters(categories=("LTX",)),  # a single category: totals by city and district
]


@pytest.fixture
def world_db(engine):
    world = seeded_world(engine, 20050209)
    with engine.connect() as conn:
        yield conn, world


def test_every_figure_equals_the_brute_force_count(world_db):
    conn, world = world_db
    scope = city_scope(conn)
    scope = type(scope)(frozenset(DISTRICTS), scope.departments, role="city")
    for f in FILTER_SETS:
        for by in queries.BYS:
            compare(conn, world, by, f, scope)
    compare(conn, world, "district", Filters(), district_scope(conn, "310105"))


def test_random_filters_and_scopes_equal_the_brute_force_count(world_db):
    """Any filters, any scope (city, one district, one department), every table: the same
    figures as counting person by person."""
    conn, world = world_db
    city = city_scope(conn)
    city = Scope(frozenset(DISTRICTS), city.departments, role="city")
    rng = np.random.default_rng(8)
    for _ in range(30):
        f = random_filters(rng, world)
        which = rng.integers(0, 3)
        if which == 0:
            compare(conn, world, str(rng.choice(queries.BYS)), f, city)
            compare(conn, world, "city", f, city)
            want = dict(zip(COLUMNS, oracle(world, "city", f, set(DISTRICTS))["city"], strict=True))
            for fn, figure in (
                (worklists.omission, "omitted"),
                (worklists.repeats, "repeat_beneficiaries"),
                (worklists.overlaps, "overlap_beneficiaries"),
                (worklists.leakage, "leakage_beneficiaries"),
            ):
                assert fn(conn, city, f, limit=5).total == want[figure], (fn.__name__, f)
        elif which == 1:
            one = district_scope(conn, str(rng.choice(DISTRICTS)))
            compare(conn, world, str(rng.choice(queries.BYS)), f, one)
        else:
            dept = str(rng.choice(sorted(city.departments)))
            scope = Scope(frozenset(DISTRICTS), frozenset({dept}), role="department")
            allowed = {dept} & set(f.departments) if f.departments else {dept}
            if not allowed:  # the filter names only other departments: nothing counts
                got = queries.coverage(conn, scope, f, "department")
                assert got.empty
                continue
            as_scope = Filters(**{**f.__dict__, "departments": tuple(allowed)})
            for by in ("city", "department", "programme"):
                got = queries.coverage(conn, scope, f, by)
                want = oracle(world, by, as_scope, set(DISTRICTS))
                assert sorted(got["key"]) == sorted(want), (by, f)
                for row in got.itertuples(index=False):
                    mine = tuple(getattr(row, c) for c in COLUMNS)
                    assert mine == pytest.approx(want[row.key]), (by, f, dept, row.key)


def test_pacing_and_timeline_agree_with_the_oracle(world_db):
    conn, world = world_db
    scope = city_scope(conn)
    for f in (Filters(), Filters(departments=("MZ",)), Filters(categories=("LTX", "DBU"))):
        p = queries.pacing(conn, scope, f).set_index("day")
        for day in (date(2004, 12, 31), MID, WINDOW[1]):
            want = oracle(world, "city", Filters(**{**f.__dict__, "as_of": day}), set(DISTRICTS))[
                "city"
            ]
            assert (p.loc[day, "eligible"], p.loc[day, "reached"]) == want[:2], (f, day)
        t = queries.timeline(conn, scope, f, by="department")
        final = oracle(world, "department", f, set(DISTRICTS))
        got = t.groupby("key")[["records", "newly_reached"]].sum()
        for dept, fig in final.items():
            rec = int(got.loc[dept, "records"]) if dept in got.index else 0
            new = int(got.loc[dept, "newly_reached"]) if dept in got.index else 0
            assert (rec, new) == (fig[3], fig[1]), (f, dept)


def test_a_database_made_again_never_reads_the_old_ones_snapshot(tmp_path):
    """Snapshot files beside a SQLite file that was deleted and made again at the same
    version belong to the old database: the new one builds its own."""
    path = tmp_path / "again.db"

    def fresh() -> sa.Engine:
        eng = make_engine(f"sqlite:///{path}")
        bootstrap.init_database(eng)
        return eng

    eng = fresh()
    with eng.begin() as conn:
        cid = fx.build_small(conn)
        versions.bump(conn)
    with eng.connect() as conn:
        old = store.city(conn, cid)
    assert len(old.records) > 0
    eng.dispose()
    for p in tmp_path.glob("again.db*"):
        if p.is_file():
            p.unlink()
    store.forget()
    eng = fresh()
    with eng.begin() as conn:
        while versions.current(conn) < old.version:
            versions.bump(conn)
    with eng.connect() as conn:
        assert versions.current(conn) == old.version
        assert len(store.city(conn, cid).records) == 0
    eng.dispose()
