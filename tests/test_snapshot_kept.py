"""The whole campaign's frames kept beside the snapshot (warmth.snapshot.kept): the next
process reads them instead of computing them, they equal the computed ones, and a frame
of another data version is never read."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.fixtures_small import assert_same_frames
from warmth import campaigns
from warmth.database import make_engine
from warmth.snapshot import city as snapshot_city
from warmth.snapshot import kept, store


def _city(url: str):
    with make_engine(url).connect() as conn:
        return store.city(conn, campaigns.campaign(conn, None)["id"])


def test_a_new_process_reads_the_whole_campaign_s_frames_from_the_snapshot_folder(
    own_db, monkeypatch
):
    store.forget()
    first = _city(own_db)
    assert first.folder is not None and first.folder.is_dir()
    assert first.profile(None)["n"].sum() > 0 and len(first.records_frame(None))
    assert {p.name for p in (first.folder / kept.FOLDER).iterdir()} >= {
        "profile",
        "records",
    }
    store.forget()  # as a new process: nothing in memory, the files on disk

    def refused(self):
        raise AssertionError("computed again instead of read from the snapshot folder")

    monkeypatch.setattr(snapshot_city.City, "_whole_profile", refused)
    monkeypatch.setattr(snapshot_city.City, "_whole_records", refused)
    again = _city(own_db)
    assert again is not first
    monkeypatch.undo()
    assert_same_frames(again, first)
    # and they equal the frames made from the arrays afresh, in memory only
    fresh = snapshot_city.City(
        first.campaign_id, first.codes, first.catalogue, first.people, first.records, {}
    )
    assert fresh.folder is None
    assert_same_frames(again, fresh)
    store.forget()


def test_a_kept_frame_belongs_to_its_folder_and_holds_numbers_only(tmp_path):
    made = pd.DataFrame({"a": [1, 2], "b": [True, False], "c": [0.5, 1.5]})
    calls = []

    def make():
        calls.append(1)
        return made

    pd.testing.assert_frame_equal(kept.frame(tmp_path / "v1", "x", make), made)
    assert not (tmp_path / "v1").exists()  # no city folder: nothing written
    (tmp_path / "v1").mkdir()
    kept.frame(tmp_path / "v1", "x", make)
    pd.testing.assert_frame_equal(kept.frame(tmp_path / "v1", "x", make), made)
    assert len(calls) == 2  # the third came from the file
    (tmp_path / "v2").mkdir()  # a newer data version's folder: made again
    kept.frame(tmp_path / "v2", "x", make)
    assert len(calls) == 3
    assert kept.frame(None, "x", make) is made
    with pytest.raises(TypeError, match="numbers only"):
        kept.frame(tmp_path / "v2", "names", lambda: pd.DataFrame({"n": ["黄浦区"]}))


def test_a_refresh_keeps_the_new_version_s_frames_for_its_first_reader(own_db, monkeypatch):
    from warmth import bootstrap

    bootstrap.rebuild_snapshots(make_engine(own_db), full=False)
    store.forget()  # the first reader of that version, in a new process

    def refused(self):
        raise AssertionError("the refresh left the frames to the first reader")

    monkeypatch.setattr(snapshot_city.City, "_whole_profile", refused)
    monkeypatch.setattr(snapshot_city.City, "_whole_records", refused)
    again = _city(own_db)
    assert again.profile(None)["n"].sum() > 0 and len(again.records_frame(None))
