"""Whoever writes a snapshot's folder makes there what its readers derive from it
(warmth.snapshot.ahead): after `warmth refresh`, and after an import whose patched snapshot
is written behind the answer, the first reader of the new data version (the next process:
a briefing, a server's first list and timeline) makes no day changes, no timeline arrays,
no list codes, no whole-campaign frame and reads no district, and its answers equal those
of a snapshot built from nothing. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from tests import fixtures_small as fx
from tests.fixtures_small import assert_same_frames
from tests.test_batch_shards import upload
from tests.test_patch import ROWS, campaign
from warmth import bootstrap, queries
from warmth.scope import Filters, city_scope
from warmth.snapshot import city as snapshot_city
from warmth.snapshot import days, profiles, series, store
from warmth.worklists import pages

AS_OF = date(2005, 1, 7)
# what a first reader would otherwise make: module, name
MAKERS = [
    (snapshot_city.City, "_whole_profile"),
    (snapshot_city.City, "_whole_records"),
    (snapshot_city.City, "_masks"),
    (snapshot_city.City, "_record_group_arrays"),
    (days, "build"),
    (series, "_firsts"),
    (series, "_alone_cells"),
    (series, "_shared_groups"),
    (profiles, "_whole_states"),
    (store, "read_shard"),
    (store, "read_all"),
]


def answers(engine, cid: int) -> dict[str, pd.DataFrame]:
    """What a new process's first views ask of the campaign: its frames, the timeline by
    department (undated: its records per day come from the day changes) and the first
    page of the omission and repeat lists (the per-person codes)."""
    with engine.connect() as conn:
        city = store.city(conn, cid)
        scope = city_scope(conn)
        got = {
            "timeline": queries.timeline(conn, scope, Filters(), by="department"),
            "dated timeline": queries.timeline(conn, scope, Filters(as_of=AS_OF)),
        }
        for kind in ("omission", "repeat"):
            got[kind] = pages.page(conn, kind, scope, Filters(), limit=50, offset=0).rows
        assert profiles.of_day(city, None).person.shape == (len(city.people),)
    return got


def first_reader(engine, cid: int, monkeypatch) -> tuple[object, dict]:
    """The next process's snapshot and answers, every maker refusing to be called."""
    store.forget()

    def refused(*args, **kwargs):
        raise AssertionError("made by the first reader of the version")

    with monkeypatch.context() as m:
        for owner, name in MAKERS:
            m.setattr(owner, name, refused)
        got = answers(engine, cid)
        with engine.connect() as conn:
            first = store.city(conn, cid)
            for as_of in (None, AS_OF):
                assert len(first.profile(as_of)) and len(first.records_frame(as_of))
    return first, got


def same_as_from_nothing(engine, cid, first, got, tmp_path, monkeypatch) -> None:
    store.forget()
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "fresh"))
    want = answers(engine, cid)
    with engine.connect() as conn:
        fresh = store.city(conn, cid)
    for as_of in (None, AS_OF):
        assert_same_frames(first, fresh, as_of)
    for name, frame in want.items():
        assert len(frame), name  # the small campaign has something in each
        pd.testing.assert_frame_equal(got[name], frame, obj=name)
    store.forget()


@pytest.mark.parametrize("full", [False, True])
def test_the_first_reader_after_a_refresh_makes_nothing(engine, tmp_path, monkeypatch, full: bool):
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    cid = campaign(engine)
    assert bootstrap.rebuild_snapshots(engine, full=full) == 1
    first, got = first_reader(engine, cid, monkeypatch)
    same_as_from_nothing(engine, cid, first, got, tmp_path, monkeypatch)


@pytest.mark.parametrize("held_days", ["on file", "none"])
def test_the_first_reader_after_an_import_makes_nothing(
    engine, tmp_path, monkeypatch, held_days: str
):
    """The importing process holds the version before it as read from its files (the day
    changes its writer kept there, not in memory), or one that never made day changes:
    its writer carries them, or makes them, behind the answer."""
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    cid = campaign(engine)
    if held_days == "on file":
        bootstrap.rebuild_snapshots(engine, full=False)
        store.forget()
    with engine.connect() as conn:
        held = store.city(conn, cid)
        assert "day_changes" not in held._statics
        assert (held.folder / days.FOLDER).is_dir() == (held_days == "on file")
    upload(engine, ROWS, fx.A)
    with engine.connect() as conn:
        store.city(conn, cid)  # the batch applied, its files written behind the answer
    store.settle()
    first, got = first_reader(engine, cid, monkeypatch)
    same_as_from_nothing(engine, cid, first, got, tmp_path, monkeypatch)
