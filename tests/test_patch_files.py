"""A snapshot patched with an aid batch writes the shard file of every district the batch
touched, cut from the city's arrays (warmth.snapshot.split): each file holds the arrays a
read from the base tables writes (`refresh --full`), so `warmth refresh` after an import,
and after its undo made by another process, reads no district and joins a city equal to
one built from nothing. A new process after a write it did not see applies the batches to
the newest city on file instead of reading the districts. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from tests import fixtures_small as fx
from tests.fixtures_small import assert_same_frames
from tests.intake.support import person
from tests.test_batch_shards import rebuilt, same_city, upload
from tests.test_patch import ROWS, campaign, worked_out
from tests.test_refresh import reads  # noqa: F401 (a fixture)
from warmth import bootstrap, config, intake, versions
from warmth.snapshot import city as snapshot_city
from warmth.snapshot import days, patch_days, store

AS_OF = date(2005, 1, 7)


def shard_files(folder, cid: int) -> dict[str, dict[str, np.ndarray]]:
    """Every shard file of the campaign in the folder, by file name, as its arrays."""
    out = {}
    for path in sorted(folder.glob(f"c{cid}-*-v*.npz")):
        with np.load(path, allow_pickle=False) as z:
            out[path.name] = {k: z[k] for k in z.files}
    return out


def same_files(got: dict, want: dict) -> None:
    assert sorted(got) == sorted(want)  # the same districts at the same versions
    for name, arrays in want.items():
        assert sorted(got[name]) == sorted(arrays), name
        for k, v in arrays.items():
            assert got[name][k].dtype == v.dtype, (name, k)
            np.testing.assert_array_equal(got[name][k], v, err_msg=f"{name} {k}")


def folder_of(engine):
    with engine.connect() as conn:
        url = engine.url.render_as_string(False)
        return config.snapshot_dir(url) / versions.identity(conn)


def from_nothing(engine, cid, tmp_path, monkeypatch, name: str):
    """The city built from nothing in an empty folder, and the shard files it wrote."""
    fresh = rebuilt(engine, cid, tmp_path / name, monkeypatch)
    files = shard_files(folder_of(engine), cid)
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    store.forget()
    return fresh, files


def held_then_stopped(engine, tmp_path, monkeypatch) -> int:
    """The campaign's snapshot made and written by a process that then stopped."""
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    cid = campaign(engine)
    with engine.connect() as conn:
        store.city(conn, cid)
    store.forget()
    return cid


def test_an_import_and_its_undo_write_the_shards_a_full_read_writes(
    engine,
    tmp_path,
    monkeypatch,
    reads,  # noqa: F811
):
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    cid = campaign(engine)
    with engine.connect() as conn:
        worked_out(store.city(conn, cid))  # a running server, showing the figures
    batch = upload(engine, ROWS, fx.A)
    with engine.connect() as conn:
        patched = store.city(conn, cid)  # the server applies the batch it imported
    store.settle()
    fresh, want = from_nothing(engine, cid, tmp_path, monkeypatch, "fresh")
    same_city(patched, fresh)
    same_files(shard_files(folder_of(engine), cid), want)
    reads.clear()
    assert bootstrap.rebuild_snapshots(engine, full=False) == 1
    assert reads == []  # every shard file was current: no district read
    store.forget()

    # undone by another process (the command line): nobody held the snapshot
    assert intake.undo_batch(engine, batch, user="t") == len(ROWS)
    store.forget()
    reads.clear()
    assert bootstrap.rebuild_snapshots(engine, full=False) == 1
    assert reads == []  # the undo applied to the newest city on file
    with engine.connect() as conn:
        undone = store.city(conn, cid)
    store.forget()
    on_file = shard_files(folder_of(engine), cid)
    fresh, want = from_nothing(engine, cid, tmp_path, monkeypatch, "fresh-undone")
    same_city(undone, fresh)
    same_files(on_file, want)


def test_a_new_process_applies_the_batches_to_the_city_on_file(
    engine,
    tmp_path,
    monkeypatch,
    reads,  # noqa: F811
):
    cid = held_then_stopped(engine, tmp_path, monkeypatch)
    upload(engine, ROWS, fx.A)  # imported by a process that held no snapshot
    store._offered.clear()
    reads.clear()
    with engine.connect() as conn:
        got = store.city(conn, cid)  # the next server to start
    assert reads == []
    store.forget()
    same_city(got, rebuilt(engine, cid, tmp_path / "fresh", monkeypatch))


def test_a_write_other_than_an_aid_batch_is_read_from_the_tables(
    engine,
    tmp_path,
    monkeypatch,
    reads,  # noqa: F811
):
    cid = held_then_stopped(engine, tmp_path, monkeypatch)
    with engine.begin() as conn:  # a register change in A: not a batch to apply
        fx.add_person(conn, cid, person(12, fx.A), fx.A, fx.A1, ["DBU"])
        versions.bump(conn, [fx.A])
    reads.clear()
    with engine.connect() as conn:
        got = store.city(conn, cid)
    assert reads == [fx.A]
    store.forget()
    same_city(got, rebuilt(engine, cid, tmp_path / "fresh", monkeypatch))


def test_the_first_reader_after_an_import_makes_neither_frames_nor_day_changes(
    engine, tmp_path, monkeypatch
):
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    cid = campaign(engine)
    with engine.connect() as conn:  # a server that showed the figures, one as of a day
        held = worked_out(store.city(conn, cid))
        held.profile(AS_OF)
    upload(engine, ROWS, fx.A)
    with engine.connect() as conn:
        store.city(conn, cid)  # the batch applied, its files written behind the answer
    store.forget()  # the next process: the files only

    def refused(*args):
        raise AssertionError("made again by the first reader after the import")

    with monkeypatch.context() as m:
        for name in ("_whole_profile", "_whole_records", "_masks"):
            m.setattr(snapshot_city.City, name, refused)
        m.setattr(days, "build", refused)
        m.setattr(store, "read_shard", refused)
        with engine.connect() as conn:
            first = store.city(conn, cid)
            for as_of in (None, AS_OF):
                assert first.profile(as_of)["n"].sum() > 0 and len(first.records_frame(as_of))
    store.forget()
    fresh = rebuilt(engine, cid, tmp_path / "fresh", monkeypatch)
    for as_of in (None, AS_OF, date(2005, 1, 2)):
        assert_same_frames(first, fresh, as_of)
    store.forget()


def same_days(city) -> None:
    """The day changes carried to a patched snapshot give, every day, the masks and the
    dated frames that day changes built from nothing on the same arrays give."""
    carried = city._statics["day_changes"]
    bare = snapshot_city.City(
        city.campaign_id, city.codes, city.catalogue, city.people, city.records, {}
    )
    built = bare.day_changes()
    assert carried.day0 == built.day0 and carried.people == built.people
    first, last = int(city.records.day.min()), int(city.records.day.max())
    for day in range(first - 1, last + 2):
        for x, y in zip(
            carried.masks(day - carried.day0), built.masks(day - built.day0), strict=True
        ):
            np.testing.assert_array_equal(x, y, err_msg=f"masks on day {day}")
        as_of = date(1970, 1, 1) + timedelta(days=day)
        assert_same_frames(city, bare, as_of)


@pytest.mark.parametrize("offered", [True, False], ids=["this-process", "another-process"])
def test_day_changes_carried_across_an_import_and_its_undo_equal_built_ones(
    engine, tmp_path, monkeypatch, offered
):
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    cid = campaign(engine)
    with engine.connect() as conn:  # a server that answered dated requests
        held = worked_out(store.city(conn, cid))
        held.profile(AS_OF), held.records_frame(AS_OF)
    batch = upload(engine, ROWS, fx.A)
    if not offered:
        store._offered.clear()
    with engine.connect() as conn:
        patched = store.city(conn, cid)
    assert "day_changes" in patched._statics  # carried, not left to the first reader
    same_days(patched)
    assert intake.undo_batch(engine, batch, user="t") == len(ROWS)
    with engine.connect() as conn:
        undone = store.city(conn, cid)
    assert "day_changes" in undone._statics
    same_days(undone)
    store.forget()
    same_city(undone, rebuilt(engine, cid, tmp_path / "fresh", monkeypatch))
    store.forget()


def test_the_other_campaign_s_shards_stay_current_across_an_import(
    engine,
    tmp_path,
    monkeypatch,
    reads,  # noqa: F811
):
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    cid = campaign(engine)
    with engine.begin() as conn:  # last year's campaign, with people in A and B
        last = fx.campaign_id(conn, "2004")
        fx.add_person(conn, last, person(13, fx.A), fx.A, fx.A1, ["DBU"])
        fx.add_person(conn, last, person(14, fx.B), fx.B, fx.B1, ["DBU"])
        fx.add_record(conn, last, person(13, fx.A), "MZ01", 300, date(2004, 1, 6), district=fx.A)
        versions.bump(conn)
    with engine.connect() as conn:
        store.city(conn, last)
    with engine.begin() as conn:  # a write that touched no district (as `warmth init`): last
        versions.bump(conn, ())  # year's city files can no longer be brought forward
    with engine.connect() as conn:
        worked_out(store.city(conn, cid))
    upload(engine, ROWS, fx.A)  # this year's: A, B and 310105 move for both campaigns
    with engine.connect() as conn:
        store.city(conn, cid)
    store.forget()
    reads.clear()
    assert bootstrap.rebuild_snapshots(engine, full=False) == 2
    assert reads == []  # last year's shards of A and B were carried to their new versions
    with engine.connect() as conn:
        got = store.city(conn, last)
    store.forget()
    same_city(got, rebuilt(engine, last, tmp_path / "fresh", monkeypatch))
    store.forget()


@pytest.mark.parametrize("distinct", [3, 1000], ids=["packed", "too-wide-to-pack"])
def test_tables_merged_by_value_keep_every_row_once(distinct):
    rng = np.random.default_rng(5)
    tables = [[rng.integers(0, distinct, size) for _ in range(7)] for size in (500, 40, 300)]
    tables[1] = [np.concatenate([c[:20], c[:20]]) for c in tables[0]]  # rows seen before
    rows, codes = patch_days._merged(tables)
    seen = {tuple(r) for t in tables for r in zip(*t, strict=True)}
    assert len({tuple(r) for r in zip(*rows, strict=True)}) == len(rows[0]) == len(seen)
    for table, code in zip(tables, codes, strict=True):
        for column, merged in zip(table, rows, strict=True):
            np.testing.assert_array_equal(merged[code], column)
    assert codes[0][0] == 0  # the first table's first row comes first
