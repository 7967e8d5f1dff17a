"""An aid import or undo marks changed only the shards that hold the batch's records
(touched.batch_shards); the snapshot that re-reads those and loads the others from their
files, and the one a running process patches with the batch, both equal a snapshot built
from nothing, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import numpy as np

from tests import fixtures_small as fx
from tests.fixtures_small import assert_same_frames
from tests.intake.support import AID_HEADER, csv_bytes, person
from warmth import intake, versions
from warmth.intake import touched
from warmth.scope import city_scope
from warmth.snapshot import store
from warmth.snapshot.city import People, Records

P7, P8 = person(7, fx.B), person(8, fx.A)  # registered in B and in A (valid ID numbers)
U2, OUTSIDER = person(9, fx.B), person(10, "310105")  # registered nowhere


def upload(engine, rows: list[list[object]], submitter: str):
    raw = intake.read_upload(csv_bytes(AID_HEADER, rows), "batch.csv")
    with engine.connect() as conn:
        v = intake.validate(conn, None, "aid", raw, scope=city_scope(conn), submitter=submitter)
    assert v.counts["errors"] == 0, v.error_lines()
    result = intake.import_batch(
        engine, v, user="t", file_name=raw.file_name, file_sha256=raw.sha256
    )
    assert result.status == "imported", result.message
    return result.batch_id


def who(city) -> np.ndarray:
    """Each person's identity, whatever row the snapshot gave them: a beneficiary id, or
    the ID number's hash for one registered nowhere."""
    p = city.people
    n_reg = int(p.registered.sum())
    out = np.array([f"b{b}" for b in p.ben_id], dtype=object)
    out[n_reg:] = ["u" + str(i) for i in p.id_numbers]
    return out


def same_city(a, b) -> None:
    """The same people and records, whichever rows the snapshots gave the people."""
    wa, wb = who(a), who(b)
    ra, rb = np.argsort(a.records.rec_id), np.argsort(b.records.rec_id)
    for name in Records.__dataclass_fields__:
        x, y = getattr(a.records, name)[ra], getattr(b.records, name)[rb]
        if name == "person":
            x, y = wa[x], wb[y]
        np.testing.assert_array_equal(x, y, err_msg=name)
    # an ID number registered nowhere whose records were all undone keeps a row, unused
    used_a = a.people.registered | np.isin(np.arange(len(wa)), a.records.person)
    used_b = b.people.registered | np.isin(np.arange(len(wb)), b.records.person)
    pa = np.flatnonzero(used_a)[np.argsort(wa[used_a])]
    pb = np.flatnonzero(used_b)[np.argsort(wb[used_b])]
    np.testing.assert_array_equal(wa[pa], wb[pb])
    for name in People.__dataclass_fields__:
        if name != "id_numbers":
            x, y = getattr(a.people, name), getattr(b.people, name)
            np.testing.assert_array_equal(x[pa], y[pb], err_msg=name)
    assert_same_frames(a, b)


def small(engine) -> int:
    """The small campaign, with P7 and P8 registered and records for P7 and U2."""
    with engine.begin() as conn:
        cid = fx.build_small(conn)
        fx.add_person(conn, cid, P7, fx.B, fx.B1, ["PKXS"])
        fx.add_person(conn, cid, P8, fx.A, fx.A1, ["DBU"])
        fx.add_record(conn, cid, P7, "MZ02", 300, date(2005, 1, 9), district=fx.A)
        fx.add_record(conn, cid, U2, "MZ01", 300, date(2005, 1, 8), district=fx.B, submitter=fx.B)
        versions.bump(conn)
    return cid


def rebuilt(engine, cid, folder, monkeypatch):
    """The snapshot built from nothing, in an empty snapshot folder."""
    store.forget()
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(folder))
    with engine.connect() as conn:
        return store.city(conn, cid)


def test_an_aid_batch_marks_its_shards_and_every_way_to_the_snapshot_agrees(
    engine, tmp_path, monkeypatch
):
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    cid = small(engine)
    with engine.connect() as conn:
        held = store.city(conn, cid)  # a running process holds this one, files written
    rows = [
        # P7 (registered in B), an earlier record that does not match, delivered by 310105
        ["N1", P7, "MZ02", "300", "2004-12-19", "310105"],
        # U2 (registered nowhere, a record in B already) now delivered in 310105 too
        ["N2", U2, "MZ01", "300", "2004-12-21", "310105"],
        # an ID number registered nowhere, delivered in A
        ["N3", OUTSIDER, "LB01", "100", "2005-01-02", fx.A],
        # P8 (registered in A), delivered in A
        ["N4", P8, "MZ01", "300", "2005-01-06", fx.A],
    ]
    batch = upload(engine, rows, fx.A)
    with engine.connect() as conn:
        assert touched.batch_shards(conn, batch) == {fx.B, fx.A, "310105"}
        assert held.version < versions.current(conn)
        patched = store.city(conn, cid)  # the held snapshot with the batch applied
    assert patched.version == versions.current(engine.connect())
    store.forget()  # a new process: the untouched shards from their files
    with engine.connect() as conn:
        from_files = store.city(conn, cid)
    fresh = rebuilt(engine, cid, tmp_path / "fresh", monkeypatch)
    same_city(patched, fresh)
    same_city(from_files, fresh)

    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    store.forget()
    with engine.connect() as conn:
        before_undo = store.city(conn, cid)
    assert intake.undo_batch(engine, batch, user="t") == len(rows)
    with engine.connect() as conn:
        undone = store.city(conn, cid)
    assert undone.version > before_undo.version
    store.forget()
    with engine.connect() as conn:
        undone_files = store.city(conn, cid)
    fresh = rebuilt(engine, cid, tmp_path / "fresh-undone", monkeypatch)
    same_city(undone_files, fresh)
    same_city(undone, fresh)


def test_the_shards_of_a_batch_for_one_districts_people_are_that_district(engine):
    small(engine)
    batch = upload(engine, [["M1", P8, "MZ01", "300", "2004-12-19", "310105"]], fx.A)
    with engine.connect() as conn:
        assert touched.batch_shards(conn, batch) == {fx.A}
