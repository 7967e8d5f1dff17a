"""The figures follow imports and undos: the snapshot re-reads what each write changed."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from tests.intake.support import (
    AID_HEADER,
    REGISTER_HEADER,
    aid_rows,
    person,
    prepare,
    register_rows,
    upload,
)
from warmth import intake, queries, schema
from warmth.scope import Filters, city_scope
from warmth.snapshot import store


def totals(engine) -> tuple[int, int]:
    """(records, eligible) of the city as the dashboard shows them."""
    with engine.connect() as conn:
        row = queries.coverage(conn, city_scope(conn), Filters(), "city")
    if row.empty:
        return 0, 0
    return int(row["records"].iloc[0]), int(row["eligible"].iloc[0])


def test_figures_follow_imports_and_undo(engine):
    register = upload(engine, "register", REGISTER_HEADER, register_rows(3))
    assert totals(engine) == (0, 3)
    rows = aid_rows(2) + aid_rows(1, start=2, district="徐汇区", prefix="X")
    raw, v = prepare(engine, "aid", AID_HEADER, rows, submitter="310101")
    records = intake.import_batch(engine, v, user="u", file_name="a", file_sha256=raw.sha256)
    assert totals(engine) == (3, 3)
    intake.undo_batch(engine, records.batch_id, user="u")
    assert totals(engine) == (0, 3)
    intake.undo_batch(engine, register.batch_id, user="u")
    assert totals(engine) == (0, 0)


def frames_of(city) -> list[pd.DataFrame]:
    out = []
    for frame in (city.profile(None), city.records_frame(None)):
        cols = list(frame.columns)
        out.append(frame.sort_values(cols, na_position="last").reset_index(drop=True))
    return out


def test_an_aid_batch_is_applied_to_the_snapshot_held(engine, monkeypatch, tmp_path):
    """An aid import or its undo reaches a snapshot held in memory without re-reading any
    district, and gives what a build from nothing gives."""
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    upload(engine, "register", REGISTER_HEADER, register_rows(3))
    with engine.connect() as conn:
        c = schema.campaigns
        cid = conn.execute(sa.select(c.c.id).where(c.c.code == "2005")).scalar_one()
        store.city(conn, cid)

    def no_reading(*args):
        raise AssertionError("a district was read again")

    rows = aid_rows(2) + aid_rows(1, start=2, district="徐汇区", prefix="X")
    rows.append(["Y1", person(500, "310104"), "MZ01", "300", "2005-01-05", "长宁区"])
    raw, v = prepare(engine, "aid", AID_HEADER, rows, submitter="310101")
    records = intake.import_batch(engine, v, user="u", file_name="a", file_sha256=raw.sha256)
    for step in ("import", "undo"):
        if step == "undo":
            intake.undo_batch(engine, records.batch_id, user="u")
        with monkeypatch.context() as m:
            m.setattr(store, "read_shard", no_reading)
            m.setattr(store, "read_all", no_reading)
            with engine.connect() as conn:
                patched = store.city(conn, cid)
        store.forget()
        monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / f"fresh-{step}"))
        with engine.connect() as conn:
            fresh = store.city(conn, cid)
        for a, b in zip(frames_of(patched), frames_of(fresh), strict=True):
            pd.testing.assert_frame_equal(a, b, obj=step)
        assert len(patched.records) == (4 if step == "import" else 0)
