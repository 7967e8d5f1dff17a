"""The snapshot: its profile rows for the hand-made campaign, re-reading only the touched
districts, and consistency: on seeded random data, every figure and list total the queries
give equals a brute-force count written straight from DEFINITIONS.md, person by person, for
every `by`, many filters and random filter combinations and scopes."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from tests import fixtures_small as fx
from warmth import bootstrap, queries, schema, versions, worklists
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
    for name in ("profile", "records_frame"):
        a, b = getattr(partial, name)(None), getattr(full, name)(None)
        cols = list(a.columns)
        a = a.sort_values(cols, na_position="last").reset_index(drop=True)
        b = b.sort_values(cols, na_position="last").reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, obj=name)
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


# --- the brute-force oracle --------------------------------------------------------------

WINDOW = (date(2004, 12, 18), date(2005, 2, 23))
DISTRICTS = ["310101", "310104", "310105"]


@dataclass
class World:
    people: dict  # id -> (district, street, set of categories)
    records: list  # dicts: rec_id, id, programme, fen, form, day, district, submitter
    progs: dict  # code -> (department, need, set of categories, form)
    streets: dict  # district -> list of streets


def random_world(conn, seed: int) -> World:
    rng = np.random.default_rng(seed)
    progs = {
        code: (dept, need, set(cats.split(";")), form)
        for code, dept, need, cats, form in queries.reference(conn, "programmes")[
            ["code", "department_code", "need", "categories", "form"]
        ].itertuples(index=False)
    }
    streets_all = queries.reference(conn, "streets")
    streets = {
        d: list(streets_all.loc[streets_all["district_code"] == d, "code"][:2]) for d in DISTRICTS
    }
    cats = ["DBU", "CJR", "YLJZ", "LTX", "PKXS", "TKZG", "TKJT", "KNQN", "DBR"]
    people = {}
    for i in range(90):
        d = DISTRICTS[rng.integers(3)]
        k = 1 + int(rng.random() < 0.35)
        people[f"P{i:05d}"] = (
            d,
            streets[d][rng.integers(2)],
            set(rng.choice(cats, size=k, replace=False)),
        )
    unregistered = [f"U{i:05d}" for i in range(12)]
    codes = sorted(progs)
    records = []
    ids = list(people)
    for _ in range(260):
        if rng.random() < 0.12:
            who = unregistered[rng.integers(len(unregistered))]
            prog = codes[rng.integers(len(codes))]
        else:
            who = ids[rng.integers(len(ids))]
            mine = [c for c in codes if progs[c][2] & people[who][2]]
            prog = (
                mine[rng.integers(len(mine))]
                if mine and rng.random() < 0.8
                else codes[rng.integers(len(codes))]
            )
        day = WINDOW[0] + timedelta(days=int(rng.integers(0, 68)))
        district = DISTRICTS[rng.integers(3)] if rng.random() < 0.3 else None
        form = (
            progs[prog][3]
            if rng.random() < 0.8
            else ["cash", "in_kind", "medical"][rng.integers(3)]
        )
        records.append(
            {
                "id": who,
                "programme": prog,
                "fen": int(rng.integers(0, 50)) * 1000,
                "form": form,
                "day": day,
                "district": district,
                "submitter": DISTRICTS[rng.integers(3)],
            }
        )
        if rng.random() < 0.1:  # the same programme again for the same person
            records.append(dict(records[-1], day=day + timedelta(days=int(rng.integers(0, 5)))))
    return World(people, records, progs, streets)


def load_world(conn, world: World, code: str = "2005", shift: int = 0) -> int:
    """The world as campaign `code`, its days moved by `shift` days (records numbered on
    from those already there)."""
    cid = fx.campaign_id(conn, code)
    first = conn.execute(sa.select(sa.func.count()).select_from(schema.aid_records)).scalar()
    for pid, (d, s, cs) in world.people.items():
        fx.add_person(conn, cid, pid, d, s, sorted(cs))
    for n, r in enumerate(world.records):
        conn.execute(
            schema.aid_records.insert().values(
                campaign_id=cid,
                submitter=r["submitter"],
                record_no=f"W{first + n:06d}",
                **fx.protected(conn, r["id"]),
                programme_code=r["programme"],
                amount_fen=r["fen"],
                form=r["form"],
                date=min(r["day"], WINDOW[1]) + timedelta(days=shift),
                district_code=r["district"],
            )
        )
        r["rec_id"] = first + n + 1
        r["day"] = min(r["day"], WINDOW[1]) + timedelta(days=shift)
    return cid


def universe_of(world: World, f: Filters) -> set[str]:
    """The programmes that count: of the chosen departments, then the chosen programmes."""
    depts = {v[0] for v in world.progs.values()}
    if f.departments:
        depts &= set(f.departments)
    return {
        p
        for p, v in world.progs.items()
        if v[0] in depts and (not f.programmes or p in f.programmes)
    }


def oracle(world: World, by: str, f: Filters, scope_districts: set[str]) -> dict[str, tuple]:
    """Every figure of every row, counted person by person from the definitions."""
    dd = scope_districts & set(f.districts) if f.districts else set(scope_districts)
    everyone = {v[0] for v in world.progs.values()}
    depts = everyone & set(f.departments) if f.departments else everyone
    universe = universe_of(world, f)
    chosen = set(f.categories) if f.categories else None
    serves = {p: v[2] for p, v in world.progs.items()}
    recs = [r for r in world.records if f.as_of is None or r["day"] <= f.as_of]
    recs.sort(key=lambda r: (r["day"], r["rec_id"]))
    people = world.people
    for r in recs:
        p = people.get(r["id"])
        r["matching"] = bool(p and serves[r["programme"]] & p[2])
        home = p[0] if p else None
        deliver = r["district"] or home or r["submitter"]
        r["att"] = home if r["matching"] else deliver
        r["att_street"] = p[1] if p and r["att"] == home else None
    seen = defaultdict(int)
    for r in recs:
        seen[(r["id"], r["programme"])] += 1
        r["nth"] = seen[(r["id"], r["programme"])]
    leak_att = {}
    for r in recs:
        if not r["matching"] and r["id"] not in leak_att:
            leak_att[r["id"]] = r["att"]
    by_id = defaultdict(list)
    for r in recs:
        by_id[r["id"]].append(r)
    ids = set(people) | set(by_id)

    def geo_ok(d, s, key):
        if d not in dd or (f.streets and s not in f.streets):
            return False
        if by == "district":
            return d == key
        if by == "street":
            return s == key
        return True

    def figures(key, s_set, k_set):
        kf = (
            k_set & chosen
            if k_set is not None and chosen is not None
            else (k_set if k_set is not None else chosen)
        )

        def counts(cats_of_p):
            return kf is None or bool(cats_of_p & kf)

        served = set().union(*(serves[p] for p in s_set)) if s_set else set()
        elig = reached = rep = over = leak = 0
        for i in ids:
            p = people.get(i)
            rs = by_id.get(i, [])
            if p:
                d, s, cs = p
                if geo_ok(d, s, key) and cs & served and counts(cs & served):
                    elig += 1
                    if any(
                        r["matching"]
                        and r["programme"] in s_set
                        and counts(serves[r["programme"]] & cs)
                        for r in rs
                    ):
                        reached += 1
                home_geo = geo_ok(d, s, key)
                if home_geo:
                    m_set = {
                        r["programme"]
                        for r in rs
                        if r["matching"] and counts(serves[r["programme"]] & cs)
                    }
                    o_set = {
                        a
                        for a in m_set
                        for b in m_set
                        if world.progs[a][1] == world.progs[b][1]
                        and world.progs[a][0] != world.progs[b][0]
                    }
                    if o_set & s_set:
                        over += 1
            else:
                home_geo = i in leak_att and geo_ok(leak_att[i], None, key)
            twice = {r["programme"] for r in rs if r["nth"] == 2 and r["programme"] in s_set}
            if kf is not None:
                twice = {q for q in twice if p and serves[q] & p[2] & kf}
            if twice and home_geo:
                rep += 1
            bad = {
                r["programme"]
                for r in rs
                if not r["matching"]
                and r["programme"] in s_set
                and (kf is None or serves[r["programme"]] & kf)
            }
            if bad:
                street = p[1] if p and leak_att[i] == p[0] else None
                if geo_ok(leak_att[i], street, key):
                    leak += 1
        nrec = nrep = fen = 0
        for r in recs:
            if f.forms and r["form"] not in f.forms:  # forms touch records only
                continue
            if (
                r["programme"] not in s_set
                or r["att"] is None
                or not geo_ok(r["att"], r["att_street"], key)
            ):
                continue
            if kf is not None:
                p = people.get(r["id"])
                if not (r["matching"] and serves[r["programme"]] & p[2] & kf):
                    continue
            nrec += 1
            nrep += r["nth"] >= 2
            fen += r["fen"]
        return (elig, reached, elig - reached, nrec, fen / 100, rep, nrep, over, leak)

    out = {}
    if by in ("city", "district", "street"):
        keys = {
            "city": ["city"],
            "district": sorted(dd),
            "street": sorted(
                s for d in dd for s in world.streets[d] if not f.streets or s in f.streets
            ),
        }[by]
        for key in keys:
            out[key] = figures(key, universe, None)
    elif by == "category":
        cats = sorted({c for v in world.progs.values() for c in v[2]})
        for c in cats:
            if chosen is None or c in chosen:
                out[c] = figures(c, {p for p in universe if c in serves[p]}, {c})
    elif by == "programme":
        for p in sorted(universe):
            out[p] = figures(p, {p}, None)
    else:
        for d in sorted(depts):
            out[d] = figures(d, {p for p in universe if world.progs[p][0] == d}, None)
    return out


# Every count and sum of a coverage row (coverage itself is their ratio).
COLUMNS = [c for c in queries.COVERAGE_COLUMNS[3:] if c != "coverage"]
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
    with engine.begin() as conn:
        world = random_world(conn, seed=20050209)
        load_world(conn, world)
        versions.bump(conn)
    with engine.connect() as conn:
        yield conn, world


def compare(conn, world, by, f, scope):
    got = queries.coverage(conn, scope, f, by)
    want = oracle(world, by, f, set(scope.districts) & set(DISTRICTS))
    if by == "street":  # streets outside the random world's two per district: all zero
        got = got.loc[got["key"].isin(want.keys()) | (got["eligible"] + got["records"] > 0)]
    assert sorted(got["key"]) == sorted(want), (by, f)
    for row in got.itertuples(index=False):
        mine = tuple(getattr(row, c) for c in COLUMNS)
        assert mine == pytest.approx(want[row.key]), (by, f, row.key)
        e, r = want[row.key][0], want[row.key][1]
        assert (math.isnan(row.coverage) and e == 0) or row.coverage == pytest.approx(r / e)


def test_every_figure_equals_the_brute_force_count(world_db):
    conn, world = world_db
    scope = city_scope(conn)
    scope = type(scope)(frozenset(DISTRICTS), scope.departments, role="city")
    for f in FILTER_SETS:
        for by in queries.BYS:
            compare(conn, world, by, f, scope)
    compare(conn, world, "district", Filters(), district_scope(conn, "310105"))


def random_filters(rng: np.random.Generator, world: World) -> Filters:
    """Any combination the sidebar and the URL allow, each filter present or not."""
    chosen: dict = {}

    def some(values, most):
        values = sorted(values)
        k = int(rng.integers(1, min(most, len(values)) + 1))
        return tuple(str(v) for v in rng.choice(values, size=k, replace=False))

    if rng.random() < 0.5:
        chosen["as_of"] = WINDOW[0] + timedelta(days=int(rng.integers(-3, 70)))
    if rng.random() < 0.25:
        chosen["districts"] = some(DISTRICTS, 2)
    if rng.random() < 0.2:
        chosen["streets"] = some(world.streets[str(rng.choice(DISTRICTS))], 2)
    if rng.random() < 0.3:
        chosen["departments"] = some({v[0] for v in world.progs.values()}, 3)
    if rng.random() < 0.25:
        chosen["programmes"] = some(world.progs, 4)
    if rng.random() < 0.35:
        chosen["categories"] = some({c for v in world.progs.values() for c in v[2]}, 3)
    if rng.random() < 0.3:
        chosen["forms"] = some({v[3] for v in world.progs.values()}, 2)
    return Filters(**chosen)


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
