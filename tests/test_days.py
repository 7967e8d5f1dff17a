"""Any as-of day from what each day changes (warmth.snapshot.days), and a list's page from
the smallest of its keys (warmth.snapshot.people.Members): the same answers as counting the
records up to that day afresh, as the person-by-person oracle, and as the whole list.

On a seeded random world of tests/oracle.py, every day from before the first
record to after the last, on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from tests.oracle import DISTRICTS, WINDOW, compare, seeded_world
from warmth import queries, worklists
from warmth.request import resolve
from warmth.scope import Filters, Scope, city_scope, district_scope
from warmth.snapshot import days as days_module
from warmth.snapshot import store
from warmth.snapshot.city import EPOCH, City, Records
from warmth.snapshot.people import Members

KINDS = ("omission", "repeat", "overlap", "leakage")


@pytest.fixture
def world_db(engine):
    """Another seeded random world than test_summaries' (a second draw of the same kind)."""
    world = seeded_world(engine, 20050123)
    with engine.connect() as conn:
        yield conn, world


def sorted_frame(frame: pd.DataFrame) -> pd.DataFrame:
    cols = list(frame.columns)
    return frame.sort_values(cols, na_position="last").reset_index(drop=True)


def cut_to(city: City, day: date) -> City:
    """The same snapshot with only the records dated up to `day`: its whole-campaign frames
    are that day's, computed from the records themselves."""
    window = city.records.day <= (day - EPOCH).days
    records = Records(**{k: v[window] for k, v in vars(city.records).items()})
    return City(city.campaign_id, city.codes, city.catalogue, city.people, records, city.versions)


def every_day(city: City):
    first = EPOCH + timedelta(days=int(city.records.day.min()))
    last = EPOCH + timedelta(days=int(city.records.day.max()))
    return [first + timedelta(days=i) for i in range(-2, (last - first).days + 3)]


def test_every_day_equals_the_records_up_to_it_counted_afresh(world_db):
    """Profile, record groups and each person's masks on every day: the cells and events of
    warmth.snapshot.days give exactly what filtering the records and counting again gives."""
    conn, _ = world_db
    req = resolve(conn, city_scope(conn), Filters())
    city = store.city(conn, req.campaign_id)
    days = every_day(city)
    assert len(days) > 30
    for day in days:
        afresh = cut_to(city, day)
        for got, want in (
            (city.profile(day), afresh.profile(None)),
            (city.records_frame(day), afresh.records_frame(None)),
        ):
            pd.testing.assert_frame_equal(sorted_frame(got), sorted_frame(want))
        for got, want in zip(city.masks(day), afresh.masks(None), strict=True):
            assert got.dtype == want.dtype
            assert np.array_equal(got, want), day


def test_a_day_never_asked_before_equals_the_oracle(world_db):
    """A fresh snapshot, then days no request has asked for, with filters and scopes: the
    figures of counting person by person."""
    conn, world = world_db
    store._memory.clear()
    city = city_scope(conn)
    city = Scope(frozenset(DISTRICTS), city.departments, role="city")
    one = district_scope(conn, DISTRICTS[1])
    filters = (
        Filters(),
        Filters(categories=("DBU", "TKSY")),
        Filters(forms=("cash",)),
        Filters(departments=("MZ",)),
        Filters(districts=(DISTRICTS[0],), programmes=("MZ01", "LB01")),
    )
    start = WINDOW[0] - timedelta(days=2)
    for i, day in enumerate(start + timedelta(days=k) for k in range(0, 75, 4)):
        f = dataclasses.replace(filters[i % len(filters)], as_of=day)
        for by in ("district", "street", "category", "programme"):
            compare(conn, world, by, f, city)
        compare(conn, world, "district", f, one)


@pytest.mark.parametrize("kind", KINDS)
def test_a_first_page_is_the_head_of_the_whole_list(world_db, kind):
    """Pages picked from the smallest keys are the rows of the whole list (the report's),
    in its order: streets, then beneficiaries by id, then the others by ID number."""
    conn, _ = world_db
    city = city_scope(conn)
    city = Scope(frozenset(DISTRICTS), city.departments, role="city")
    for f in (
        Filters(),
        Filters(as_of=date(2005, 1, 10)),
        Filters(as_of=date(2005, 1, 25), categories=("DBU", "LTX")),
        Filters(districts=(DISTRICTS[2],)),
        Filters(as_of=date(2005, 2, 1), departments=("MZ", "LB")),
    ):
        whole = pd.concat(list(worklists.iter_frames(conn, city, f, kind)), ignore_index=True)
        n = len(whole)
        for offset, limit in ((0, 3), (0, max(n // 5, 1)), (n // 3, 7), (max(n - 4, 0), 10)):
            page = worklists.page(conn, kind, city, f, limit=limit, offset=offset)
            assert page.total == n, (kind, f)
            want = whole.iloc[offset : offset + limit].reset_index(drop=True)
            pd.testing.assert_frame_equal(page.rows.reset_index(drop=True), want, check_dtype=False)


@pytest.mark.parametrize(
    ("share", "placed"),
    [(0.3, False), (0.3, True), (0.02, True), (0.2, True)],  # walked, and sorted by place
)
def test_members_part_is_the_list_in_order(share, placed):
    """Members.part, however deep and however long, is the list: those at home in `order`,
    then the others in `order`; whether a part is walked or (few people, Members.place
    given) sorted by place."""
    rng = np.random.default_rng(5)
    n = 300_000  # several of _walk's blocks
    order = rng.permutation(n).astype("int32")
    chosen = rng.random(n) < share
    at_home = rng.random(n) < 0.8
    district_of = rng.integers(-1, 5, size=n).astype("int8")
    place = np.empty(n, dtype="int32")
    place[order] = np.arange(n)
    members = Members(chosen, at_home, order, district_of, place=place if placed else None)
    home_part = order[(chosen & at_home)[order]]
    whole = np.concatenate([home_part, order[(chosen & ~at_home)[order]]])
    assert len(members) == len(whole) and members.here == len(home_part)
    h = len(home_part)
    for start, stop in ((0, 1), (0, 1000), (17, 400), (h - 5, h + 5), (h, h + 3), (0, n)):
        got, districts = members.part(start, stop)
        assert np.array_equal(got, whole[start:stop]), (start, stop)
        assert np.array_equal(districts, district_of[got])
    assert np.array_equal(members.rows, whole)


def test_a_snapshot_with_no_records_has_day_changes_of_nobody_reached(world_db):
    """A campaign whose every record is held (or not yet imported): no changes on any day,
    each day the whole campaign's profiles."""
    conn, _ = world_db
    city = cut_to(store.city(conn, resolve(conn, city_scope(conn), Filters()).campaign_id),
                  date(1990, 1, 1))  # fmt: skip
    assert len(city.records) == 0
    changes = days_module.build(city)
    for day in (-1, 0, 20_000):
        reach, repeat, leak = changes.masks(day)
        assert not reach.any() and not repeat.any() and not leak.any()
        assert len(reach) == len(city.people)


def test_queries_on_a_day_reuse_the_day_changes(world_db):
    """A snapshot builds its day changes once; each new day is then a lookup, kept."""
    conn, _ = world_db
    scope = city_scope(conn)
    queries.coverage(conn, scope, Filters(as_of=date(2005, 1, 3)), "district")
    req = resolve(conn, scope, Filters())
    city = store.city(conn, req.campaign_id)
    changes = city.day_changes()
    queries.coverage(conn, scope, Filters(as_of=date(2005, 1, 4)), "district")
    assert city.day_changes() is changes


def test_a_new_process_reads_the_day_changes_kept_beside_the_snapshot(world_db, monkeypatch):
    """The day changes are written into the snapshot's folder once; a process that starts
    afresh reads them (no build) and gives the oracle's figures on any day. A folder that
    cannot be read is built and written again."""
    conn, world = world_db
    scope = city_scope(conn)
    scope = Scope(frozenset(DISTRICTS), scope.departments, role="city")
    req = resolve(conn, scope, Filters())
    city = store.city(conn, req.campaign_id)
    built = city.day_changes()
    assert city.folder is not None and (city.folder / days_module.FOLDER).is_dir()
    store.forget()  # a new process: nothing in memory

    def refuse(_city):
        raise AssertionError("the day changes were built again")

    with monkeypatch.context() as patched:
        patched.setattr(days_module, "build", refuse)
        again = store.city(conn, req.campaign_id)
        assert again is not city
        read = again.day_changes()
        for f in dataclasses.fields(days_module.Days):
            mine, theirs = getattr(read, f.name), getattr(built, f.name)
            if f.name == "rows":
                assert mine.keys() == theirs.keys()
                assert all(np.array_equal(mine[k], theirs[k]) for k in mine)
            else:
                assert np.array_equal(mine, theirs), f.name
        for day in (WINDOW[0] - timedelta(days=1), date(2005, 1, 9), WINDOW[1]):
            compare(conn, world, "district", Filters(as_of=day), scope)
    (again.folder / days_module.FOLDER / "ev_state.npy").unlink()
    store.forget()
    third = store.city(conn, req.campaign_id)
    assert np.array_equal(third.day_changes().ev_state, built.ev_state)
    assert (third.folder / days_module.FOLDER / "ev_state.npy").is_file()  # written again
    compare(conn, world, "city", Filters(as_of=date(2005, 1, 20)), scope)
