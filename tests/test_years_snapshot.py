"""The two-campaign answers from the snapshots (the cross-year match as an array, the
year-over-year table, the left-out list, the scorecard's departments) against the
definitions on a seeded random two-campaign city: any filters, city, district and
department scopes, on SQLite and PostgreSQL. The definitions are counted here person by
person (tests.oracle for the coverage figures) and the match is read from
the registers in SQL."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from tests import fixtures_small as fx
from tests.oracle import (
    COLUMNS,
    DISTRICTS,
    load_world,
    oracle,
    random_filters,
    random_world,
    universe_of,
)
from warmth import campaigns, quality, queries, schema, versions, years
from warmth.request import resolve
from warmth.scope import Filters, Scope, city_scope, district_scope
from warmth.snapshot import store

SHIFT = -384  # days from the 2005 Spring Festival back to 2004's


@pytest.fixture
def two_years(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    store.forget()
    with engine.begin() as conn:
        new = random_world(conn, seed=20050209)
        old = random_world(conn, seed=20040122)
        rng = np.random.default_rng(4)
        for pid in sorted(old.people):  # some of last year's register is gone this year ...
            if rng.random() < 0.2:
                new.people.pop(pid)
        for pid in sorted(old.people):  # ... and some of this year's is new
            if rng.random() < 0.15:
                old.people.pop(pid)
        load_world(conn, new, "2005")
        load_world(conn, old, "2004", shift=SHIFT)
        versions.bump(conn)
    with engine.connect() as conn:
        yield conn, new, old
    store.forget()


def _hashes(conn, code: str) -> dict[int, str]:
    b = schema.beneficiaries
    cid = fx.campaign_id(conn, code)
    query = sa.select(b.c.id, b.c.id_number).where(b.c.campaign_id == cid)
    return {int(i): h for i, h in conn.execute(query).all()}


def test_the_match_is_the_id_number_and_persists(two_years, tmp_path):
    conn, new, old = two_years
    now, then = (store.city(conn, fx.campaign_id(conn, c)) for c in ("2005", "2004"))
    got = years.matched_rows(conn, now, then)
    ids_now, ids_then = _hashes(conn, "2005"), _hashes(conn, "2004")
    by_hash = {h: i for i, h in ids_then.items()}
    for row in range(len(now.people)):
        ben = int(now.people.ben_id[row])
        want = by_hash.get(ids_now.get(ben)) if now.people.registered[row] else None
        if want is None:
            assert got[row] == -1
        else:
            assert int(then.people.ben_id[got[row]]) == want
    assert int((got >= 0).sum()) == len(set(new.people) & set(old.people))
    files = list((tmp_path / "kept").rglob("m*-r*.npy"))
    assert len(files) == 1
    store.forget()  # a new process: the match is read from its file, never joined again
    again = store.city(conn, now.campaign_id), store.city(conn, then.campaign_id)
    real = years.matches._joined
    years.matches._joined = lambda *a: pytest.fail("joined again")
    try:
        assert np.array_equal(years.matched_rows(conn, *again), got)
    finally:
        years.matches._joined = real


def test_an_aid_batch_keeps_the_match_and_the_left_out_list_follows_it(two_years, tmp_path):
    """An aid batch imported changes the data version but not the registers: the held
    match is kept (no second join), and someone left out who is now reached leaves the
    list."""
    conn, _, _ = two_years
    scope = Scope(frozenset(DISTRICTS), city_scope(conn).departments, role="city")
    req = resolve(conn, scope, Filters())
    before = years.left_out(conn, store.city(conn, req.campaign_id), req)
    assert len(before)
    now = store.city(conn, req.campaign_id)
    row = int(before.rows[0])
    ben = int(now.people.ben_id[row])
    b, bc = schema.beneficiaries, schema.beneficiary_categories
    number = conn.execute(sa.select(b.c.id_number).where(b.c.id == ben)).scalar_one()
    category = (
        conn.execute(sa.select(bc.c.category_code).where(bc.c.beneficiary_id == ben))
        .scalars()
        .first()
    )
    pc = schema.programme_categories
    programme = (
        conn.execute(sa.select(pc.c.programme_code).where(pc.c.category_code == category))
        .scalars()
        .first()
    )
    cid = req.campaign_id
    with conn.begin_nested():
        batch = conn.execute(
            schema.import_batches.insert()
            .values(
                campaign_id=cid,
                kind="aid",
                file_name="more.csv",
                file_sha256="1" * 64,
                district_code=DISTRICTS[0],
                submitted_by="test",
                submitted_at=datetime(2005, 1, 1, tzinfo=UTC),
                status="imported",
            )
            .returning(schema.import_batches.c.id)
        ).scalar_one()
        p = schema.programmes
        form = conn.execute(sa.select(p.c.form).where(p.c.code == programme)).scalar_one()
        conn.execute(
            schema.aid_records.insert().values(
                campaign_id=cid,
                submitter=DISTRICTS[0],
                record_no="X0000001",
                id_number=number,
                id_cipher=None,
                programme_code=programme,
                amount_fen=100,
                form=form,
                date=req.campaign["window_start"],
                district_code=None,
                batch_id=batch,
            )
        )
        home = now.codes.districts[int(now.people.home[row])]
        versions.bump(conn, {home, DISTRICTS[0]}, ("aid_added", batch, cid))
    real = years.matches._joined
    years.matches._joined = lambda *a: pytest.fail("joined again")
    try:
        after = years.left_out(conn, store.city(conn, cid), resolve(conn, scope, Filters()))
    finally:
        years.matches._joined = real
    assert store.city(conn, cid).version == now.version + 1
    assert len(after) == len(before) - 1 and row not in set(after.rows.tolist())
    store.settle()  # the patched city's files are written behind the answer: not scanned half-made
    assert len(list((tmp_path / "kept").rglob("m*-r*.npy"))) == 1


def _definition_sets(world, f: Filters, districts: set[str], as_of):
    """(eligible, reached by as_of) person ids of the request, from the definitions."""
    universe = universe_of(world, f)
    served = set().union(*(world.progs[p][2] for p in universe)) if universe else set()
    chosen = set(f.categories) if f.categories else None
    eligible, reached = set(), set()
    for pid, (d, s, cats) in world.people.items():
        counts = cats & served if chosen is None else cats & served & chosen
        if d not in districts or (f.streets and s not in f.streets) or not counts:
            continue
        eligible.add(pid)
        ok = cats if chosen is None else cats & chosen
        for r in world.records:
            if (
                r["id"] == pid
                and r["programme"] in universe
                and world.progs[r["programme"]][2] & ok
            ) and (as_of is None or r["day"] <= as_of):
                reached.add(pid)
                break
    return eligible, reached


def _check_compare(conn, new, old, scope, f, by, districts, as_scope):
    got = years.compare(conn, scope, f, by).set_index("key")
    this, before = years.pair(conn, f)
    want_now = oracle(new, by, as_scope, districts)
    prev = replace(as_scope, as_of=years.aligned_day(f.as_of, this, before))
    want_then = oracle(old, by, prev, districts)
    zero = (0,) * len(COLUMNS)
    for key, row in got.iterrows():
        for suffix, want in (("", want_now), ("_prev", want_then)):
            figures = dict(zip(COLUMNS, want.get(key, zero), strict=True))
            for c in ("eligible", "reached", "omitted"):
                assert row[f"{c}{suffix}"] == figures[c], (by, f, key, c, suffix)
            assert row[f"amount_yuan{suffix}"] == pytest.approx(figures["amount_yuan"])
            e = figures["eligible"]
            cov = row[f"coverage{suffix}"]
            assert (math.isnan(cov) and e == 0) or cov == pytest.approx(figures["reached"] / e)
    assert set(want_now) | set(want_then) >= {k for k in got.index if got.at[k, "eligible"]}


def _check_left_out(conn, new, old, scope, f, districts, as_scope):
    req = resolve(conn, scope, f)
    city = store.city(conn, req.campaign_id)
    members = years.left_out(conn, city, req)
    ids = _hashes(conn, "2005")
    got = sorted(ids[int(city.people.ben_id[r])] for r in members.rows)
    eligible, reached = _definition_sets(new, as_scope, districts, f.as_of)
    wide = Filters(
        departments=as_scope.departments, programmes=f.programmes, categories=f.categories
    )
    _, reached_then = _definition_sets(old, wide, set(DISTRICTS), None)
    want = sorted(fx.hashed(p) for p in (eligible - reached) & reached_then)
    assert got == want, f
    assert years.left_out_count(conn, scope, f) == len(want)


def _check_scorecard(conn, new, old, scope, f, districts, depts):
    card = quality.scorecard(conn, scope, f).set_index("key")
    assert sorted(card.index) == sorted(districts)
    oracle(new, "city", Filters(), set(DISTRICTS))  # sets each record's attribution
    oracle(old, "city", Filters(), set(DISTRICTS))

    def sent(world, d, dept, as_of):
        return any(
            r["att"] == d
            and world.progs[r["programme"]][0] == dept
            and (as_of is None or r["day"] <= as_of)
            for r in world.records
        )

    for d in districts:
        due = set()
        for dept in depts:
            served = set().union(*(v[2] for v in new.progs.values() if v[0] == dept))
            here = any(p[0] == d and p[2] & served for p in new.people.values())
            if here and sent(old, d, dept, f.as_of):
                due.add(dept)
        done = {dept for dept in due if sent(new, d, dept, f.as_of)}
        assert card.at[d, "departments_expected"] == len(due), (d, f)
        assert card.at[d, "departments_reported"] == len(done), (d, f)


@pytest.mark.parametrize("seed", [1, 2])
def test_random_filters_and_scopes_equal_the_definitions(two_years, seed):
    conn, new, old = two_years
    city = city_scope(conn)
    city = Scope(frozenset(DISTRICTS), city.departments, role="city")
    rng = np.random.default_rng(seed)
    for _ in range(8):
        f = random_filters(rng, new)
        which = int(rng.integers(0, 3))
        if which == 0:
            scope, districts = city, set(DISTRICTS)
        elif which == 1:
            scope = district_scope(conn, str(rng.choice(DISTRICTS)))
            districts = set(scope.districts) & set(DISTRICTS)
        else:
            dept = str(rng.choice(sorted(city.departments)))
            scope = Scope(frozenset(DISTRICTS), frozenset({dept}), role="department")
            districts = set(DISTRICTS)
        if f.districts:
            districts &= set(f.districts)
        depts = (
            set(scope.departments) & set(f.departments) if f.departments else set(scope.departments)
        )
        if not depts or not districts:
            assert years.compare(conn, scope, f, "city").empty
            continue
        as_scope = replace(f, departments=tuple(sorted(depts)))
        by = str(rng.choice(years.BYS))
        _check_compare(conn, new, old, scope, f, by, districts, as_scope)
        _check_compare(conn, new, old, scope, f, "city", districts, as_scope)
        _check_left_out(conn, new, old, scope, f, districts, as_scope)
        card = replace(Filters(), districts=f.districts, departments=f.departments, as_of=f.as_of)
        _check_scorecard(conn, new, old, scope, card, districts, sorted(depts))


def test_the_aligned_day_moves_by_the_festival(two_years):
    conn, _, _ = two_years
    this, before = campaigns.campaign(conn, "2005"), campaigns.campaign(conn, "2004")
    day = this["spring_festival"] - timedelta(days=10)
    assert years.aligned_day(day, this, before) == before["spring_festival"] - timedelta(days=10)
    assert queries.BYS == years.BYS
