"""A held snapshot that applies an aid batch (an import, then its undo) carries what it had
worked out (masks, profile and record frames, home groups) to the patched snapshot for the
touched people only (warmth.snapshot.patch); the carried values equal those computed from
nothing, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from tests import fixtures_small as fx
from tests.fixtures_small import assert_same_frames
from tests.intake.support import person
from tests.test_batch_shards import OUTSIDER, P7, P8, U2, rebuilt, same_city, small, upload
from warmth import intake, versions
from warmth.snapshot import store
from warmth.snapshot.city import City

P9 = person(11, fx.A)
ROWS = [
    ["N1", P7, "MZ02", "300", "2004-12-19", "310105"],  # leakage away from home
    ["N2", U2, "MZ01", "300", "2004-12-21", "310105"],  # registered nowhere, held already
    ["N3", OUTSIDER, "LB01", "100", "2005-01-02", fx.A],  # registered nowhere, new
    ["N4", P8, "MZ01", "300", "2004-12-19", fx.A],  # before P8's record: its rank moves
    ["N5", P9, "LB01", "100", "2005-01-07", fx.A],  # P9's first record
    ["N6", U2, "MZ01", "300", "2005-01-09", fx.B],  # U2 again: a repeat
    ["N7", P8, "MZ01", "300", "2005-01-08", fx.A],  # after P8's held record: a repeat
]


def campaign(engine) -> int:
    """The small campaign of tests.test_batch_shards, P8 with a record and P9 without."""
    cid = small(engine)
    with engine.begin() as conn:
        fx.add_person(conn, cid, P9, fx.A, fx.A1, ["TKSY"])
        fx.add_record(conn, cid, P8, "MZ01", 300, date(2005, 1, 6), district=fx.A)
        versions.bump(conn)
    return cid


def worked_out(city):
    """Have the snapshot work out what the first figure needs (as a server's page does)."""
    city.profile(None)
    city.records_frame(None)
    city.level("profile", None, "district")
    return city


def carried(city, masks: bool = True) -> None:
    """The patched snapshot holds the carried values, and they are the ones its own code
    computes from nothing on the same arrays (masks=False: the held snapshot read its
    frames from its folder, so it made no masks to carry)."""
    assert ("profile", None) in city._frames and ("records", None) in city._frames
    assert {("whole", "profile"), ("whole", "records")} <= set(city._statics)
    # made from the same arrays, in memory only (the patched one's folder holds the carried)
    bare = City(city.campaign_id, city.codes, city.catalogue, city.people, city.records, {})
    if masks:
        assert {"masks", "home"} <= set(city._statics)
        for kept, fresh in zip(city._statics["masks"], bare._masks(), strict=True):
            np.testing.assert_array_equal(kept, fresh)
        np.testing.assert_array_equal(city._statics["home"][0], bare._home_groups()[0])
    pairs = [
        (city._frames[("profile", None)], bare._profile(None), "profile"),
        (city._frames[("records", None)], bare._records(None), "records"),
        (city._statics[("whole", "profile")], bare._whole_profile(), "whole profile"),
        (city._statics[("whole", "records")], bare._whole_records(), "whole records"),
    ]
    for kept, fresh, kind in pairs:
        cols = list(fresh.columns)
        kept, fresh = (
            f.sort_values(cols, na_position="last").reset_index(drop=True) for f in (kept, fresh)
        )
        # a kept whole frame's amounts are integers, the made one's whole floats
        pd.testing.assert_frame_equal(
            kept, fresh, check_dtype=not kind.startswith("whole"), obj=kind
        )


@pytest.mark.parametrize("offered", [True, False], ids=["this-process", "another-process"])
def test_an_import_and_its_undo_carry_the_held_figures_exactly(
    engine, tmp_path, monkeypatch, offered
):
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    cid = campaign(engine)
    with engine.connect() as conn:
        worked_out(store.city(conn, cid))  # a running server, showing the figures
    batch = upload(engine, ROWS, fx.A)
    with monkeypatch.context() as m, engine.connect() as conn:
        if offered:  # the importing process applies the records it wrote: none read back
            m.setattr(store, "fetch", lambda *a: pytest.fail("the batch was read back"))
        else:  # imported by another process: this one reads the batch
            store._offered.clear()
        patched = store.city(conn, cid)
    carried(patched)
    r = patched.records  # in the order a build gives: (person, day, record id)
    np.testing.assert_array_equal(np.lexsort((r.rec_id, r.day, r.person)), np.arange(len(r.day)))
    fresh = rebuilt(engine, cid, tmp_path / "fresh", monkeypatch)
    same_city(patched, fresh)
    assert_same_frames(patched, fresh)

    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    store.forget()
    with engine.connect() as conn:
        worked_out(store.city(conn, cid))
    assert intake.undo_batch(engine, batch, user="t") == len(ROWS)
    with engine.connect() as conn:
        undone = store.city(conn, cid)
    carried(undone, masks=False)  # the held read its frames from the import's folder
    same_city(undone, rebuilt(engine, cid, tmp_path / "fresh-undone", monkeypatch))


def test_a_snapshot_that_worked_nothing_out_carries_nothing(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    # what the file writer derives behind the answer (warmth.snapshot.ahead) runs on the
    # patched snapshot in a thread: kept out, so only what the patch carried is looked at
    monkeypatch.setattr(store.ahead, "make", lambda city: None)
    cid = campaign(engine)
    with engine.connect() as conn:
        store.city(conn, cid)  # held, no figure asked yet
    upload(engine, ROWS, fx.A)
    with engine.connect() as conn:
        patched = store.city(conn, cid)
    store.settle()
    assert not patched._frames and "masks" not in patched._statics
    same_city(patched, rebuilt(engine, cid, tmp_path / "fresh", monkeypatch))
