"""Loading uploads atomically and idempotently (F5-F7, F18, F21, F22, F24), on both backends."""

from __future__ import annotations

import json
import threading

import pytest
import sqlalchemy as sa

from tests.fixtures_small import hashed
from tests.intake.support import (
    AID_HEADER,
    REGISTER_HEADER,
    aid_rows,
    person,
    prepare,
    register_rows,
    upload,
)
from warmth import intake, schema
from warmth.intake import loading
from warmth.scope import city_scope, district_scope


@pytest.fixture
def refreshes(monkeypatch):
    """The districts each write marked changed, as (None, sorted districts); the figures
    after a write are tested in tests/intake/test_summaries.py."""
    calls = []
    real = loading.mark_changed

    def spy(conn, districts, change=None):
        calls.append((None, sorted(districts)))
        real(conn, districts, change)

    monkeypatch.setattr(loading, "mark_changed", spy)
    return calls


def count(engine, table: sa.Table, *where) -> int:
    with engine.connect() as conn:
        query = sa.select(sa.func.count()).select_from(table)
        return conn.execute(query.where(*where) if where else query).scalar_one()


def written(engine) -> dict[str, int]:
    tables = (
        schema.beneficiaries,
        schema.beneficiary_categories,
        schema.aid_records,
        schema.import_batches,
        schema.quarantine,
        schema.duplicate_registrations,
    )
    return {t.name: count(engine, t) for t in tables}


NOTHING = {
    "beneficiaries": 0,
    "beneficiary_categories": 0,
    "aid_records": 0,
    "import_batches": 0,
    "quarantine": 0,
    "duplicate_registrations": 0,
}


def test_register_import_then_same_file_again_is_a_no_op(engine):
    rows = register_rows(5)
    rows[0][4] = "DBU;LTX"
    first = upload(engine, "register", REGISTER_HEADER, rows, name="../../名册.csv")
    assert first.status == "imported"
    assert (first.rows_in, first.inserted, first.already_present, first.rejected) == (5, 5, 0, 0)
    assert count(engine, schema.beneficiary_categories) == 6
    again = upload(engine, "register", REGISTER_HEADER, rows, user="官员乙")
    assert again.status == "already_imported"
    assert again.ok
    assert again.message.startswith("already imported at ")
    assert "by 官员甲" in again.message
    assert again.batch_id == first.batch_id
    assert count(engine, schema.beneficiaries) == 5
    with engine.connect() as conn:
        batch = conn.execute(sa.select(schema.import_batches)).one()
    assert batch.file_name == "名册.csv"  # the path was never used, the name was sanitised
    assert (batch.rows_in, batch.inserted, batch.already_present, batch.rejected) == (5, 5, 0, 0)
    assert batch.status == "imported"
    assert batch.district_code == "310101"


def test_audit_rows_for_uploads(engine):
    upload(engine, "register", REGISTER_HEADER, register_rows(2))
    upload(engine, "register", REGISTER_HEADER, register_rows(2))
    with engine.connect() as conn:
        audits = conn.execute(sa.select(schema.audit_log).order_by(schema.audit_log.c.id)).all()
    uploads = [a for a in audits if a.action == "upload"]
    assert [json.loads(a.detail)["status"] for a in uploads] == ["imported", "already_imported"]
    assert uploads[0].row_count == 2
    assert uploads[0].user == "官员甲"
    assert uploads[0].role == "city"
    assert len(uploads[0].file_sha256) == 64


def test_rows_already_registered_count_once(engine):
    upload(engine, "register", REGISTER_HEADER, register_rows(3))
    result = upload(engine, "register", REGISTER_HEADER, register_rows(5))  # 3 old + 2 new
    assert (result.inserted, result.already_present) == (2, 3)
    assert count(engine, schema.beneficiaries) == 5


def test_cross_district_duplicate_recorded(engine):
    upload(engine, "register", REGISTER_HEADER, register_rows(3))
    xuhui = register_rows(3, "徐汇区", "天平路街道", start=2)  # person(2) is in 黄浦 already
    raw, v = prepare(engine, "register", REGISTER_HEADER, xuhui)
    assert v.counts["cross_district"] == 1
    result = intake.import_batch(
        engine, v, user="u", file_name=raw.file_name, file_sha256=raw.sha256
    )
    # the second registration is written (as a cross-district duplicate), not "present"
    assert (result.inserted, result.already_present, result.cross_district) == (3, 0, 1)
    assert "registered in another district" in result.message
    with engine.connect() as conn:
        dup = conn.execute(sa.select(schema.duplicate_registrations)).one()
        kept = conn.execute(
            sa.select(schema.beneficiaries.c.district_code).where(
                schema.beneficiaries.c.id_number == hashed(person(2))
            )
        ).scalar_one()
    assert (dup.id_number, dup.district_code, dup.street_code) == (
        hashed(person(2)),
        "310104",
        "310104003",
    )
    assert dup.categories == "DBU"
    assert kept == "310101"  # the first registration stays the beneficiary
    # the same duplicate in another file is not recorded twice
    again = register_rows(1, "徐汇区", "天平路街道", start=2) + register_rows(
        1, "徐汇区", "天平路街道", start=50
    )
    upload(engine, "register", REGISTER_HEADER, again)
    assert count(engine, schema.duplicate_registrations) == 1


def test_strict_mode_refuses_the_whole_file(engine):
    rows = aid_rows(10)
    rows[6][3] = "1,000"
    result = upload(engine, "aid", AID_HEADER, rows)
    assert result.status == "refused"
    assert not result.ok
    assert "1 of 10 rows have problems" in result.message
    assert written(engine) == NOTHING


def test_ten_thousand_rows_error_on_the_last(engine):
    rows = aid_rows(10_000)
    rows[-1][4] = "2005-03-01"
    raw, v = prepare(engine, "aid", AID_HEADER, rows)
    assert [e.row for e in v.errors] == [10_001]
    result = intake.import_batch(
        engine, v, user="u", file_name=raw.file_name, file_sha256=raw.sha256
    )
    assert result.status == "refused"
    assert written(engine) == NOTHING


def test_quarantine_mode_keeps_rejects_with_reasons(engine):
    rows = aid_rows(6)
    rows[1][3] = "-3"
    rows[4][1] = "110105194912310021"
    rows[5][0] = "R0"  # duplicate record number: rows 2 and 7 are both rejected
    raw, v = prepare(engine, "aid", AID_HEADER, rows)
    result = intake.import_batch(
        engine, v, mode="quarantine", user="u", file_name="a.csv", file_sha256=raw.sha256
    )
    assert result.status == "imported"
    assert (result.rows_in, result.inserted, result.already_present, result.rejected) == (
        6, 2, 0, 4,
    )  # fmt: skip
    assert result.rows_in == result.inserted + result.already_present + result.rejected
    with engine.connect() as conn:
        q = conn.execute(
            sa.select(schema.quarantine).order_by(schema.quarantine.c.row_number)
        ).all()
        batch = conn.execute(sa.select(schema.import_batches)).one()
    assert [r.row_number for r in q] == [2, 3, 6, 7]
    assert all(r.batch_id == result.batch_id for r in q)
    assert "must not be negative" in q[1].reason
    assert json.loads(q[1].raw)["amount_yuan"] == "-3"
    assert (batch.rows_in, batch.inserted, batch.rejected, batch.mode) == (6, 2, 4, "quarantine")
    assert json.loads(batch.report)["counts"]["errors"] == 4


def test_records_already_present_and_correction_mode(engine):
    first = upload(engine, "aid", AID_HEADER, aid_rows(4))
    assert first.inserted == 4
    changed = aid_rows(6)
    for row in changed[:2]:
        row[3] = "450.50"
    again = upload(engine, "aid", AID_HEADER, changed)
    assert (again.inserted, again.already_present, again.replaced) == (2, 4, 0)
    a = schema.aid_records
    assert count(engine, a, a.c.amount_fen == 45050) == 0
    changed[0][3] = "451"  # different bytes, so not the same file
    corrected = upload(engine, "aid", AID_HEADER, changed, mode="correct")
    assert corrected.status == "imported"
    assert (corrected.inserted, corrected.already_present, corrected.replaced) == (6, 0, 6)
    assert count(engine, a) == 6
    assert count(engine, a, a.c.amount_fen == 45050) == 1
    assert count(engine, a, a.c.amount_fen == 45100) == 1
    assert count(engine, a, a.c.batch_id == corrected.batch_id) == 6


def test_stored_values_are_exactly_as_entered(engine):
    header = REGISTER_HEADER + ["address"]
    rows = register_rows(3)
    rows[0][1] = '=HYPERLINK("http://evil.example","x")'
    for row, text in zip(rows, ["@SUM(A1:A9)", "+1", "\t=1"], strict=True):
        row.append(text)
    upload(engine, "register", header, rows)
    with engine.connect() as conn:
        got = conn.execute(
            sa.select(schema.beneficiaries.c.name, schema.beneficiaries.c.address).order_by(
                schema.beneficiaries.c.id
            )
        ).all()
    assert got[0] == ('=HYPERLINK("http://evil.example","x")', "@SUM(A1:A9)")
    assert [g.address for g in got[1:]] == ["+1", "\t=1"]


def test_undo_removes_a_batch_and_it_can_come_back(engine):
    upload(engine, "register", REGISTER_HEADER, register_rows(3))
    records = upload(engine, "aid", AID_HEADER, aid_rows(4))
    other = upload(engine, "aid", AID_HEADER, aid_rows(2, start=10, prefix="S"))
    removed = intake.undo_batch(engine, records.batch_id, user="u")
    assert removed == 4
    a = schema.aid_records
    assert count(engine, a) == 2
    assert count(engine, a, a.c.batch_id == other.batch_id) == 2
    assert intake.undo_batch(engine, records.batch_id, user="u") == 0
    with engine.connect() as conn:
        history = intake.batches(conn, city_scope(conn), "2005")
        actions = (
            conn.execute(sa.select(schema.audit_log.c.action).order_by(schema.audit_log.c.id))
            .scalars()
            .all()
        )
    status = dict(zip(history["batch_id"], history["status"], strict=True))
    assert status[records.batch_id] == "undone"
    assert actions.count("undo") == 1
    back = upload(engine, "aid", AID_HEADER, aid_rows(4))
    assert back.status == "imported"
    assert back.batch_id == records.batch_id
    assert count(engine, a) == 6


def test_undo_register_batch(engine):
    reg = upload(engine, "register", REGISTER_HEADER, register_rows(3))
    assert intake.undo_batch(engine, reg.batch_id, user="u") == 3
    assert count(engine, schema.beneficiaries) == 0
    assert count(engine, schema.beneficiary_categories) == 0


def test_batches_history_respects_scope(engine):
    upload(engine, "register", REGISTER_HEADER, register_rows(2))
    upload(engine, "register", REGISTER_HEADER, register_rows(2, "徐汇区", "天平路街道", start=9))
    with engine.connect() as conn:
        city = intake.batches(conn, city_scope(conn), None)
        huangpu = intake.batches(conn, district_scope(conn, "310101"), None)
    assert len(city) == 2
    assert list(huangpu["district"]) == ["310101"]
    assert {"submitted_by", "submitted_at", "file_name", "file_sha256", "kind", "rows_in",
            "inserted", "already_present", "rejected", "status"} <= set(city.columns)  # fmt: skip


def test_district_user_cannot_undo_another_districts_batch(engine):
    batch = upload(engine, "register", REGISTER_HEADER, register_rows(2))
    with engine.connect() as conn:
        xuhui = district_scope(conn, "310104")
    with pytest.raises(PermissionError):
        intake.undo_batch(engine, batch.batch_id, user="u", scope=xuhui)
    assert count(engine, schema.beneficiaries) == 2
    a = schema.audit_log
    assert count(engine, a, a.c.action == "denied") == 1


def test_database_failure_mid_import_writes_nothing_and_retry_succeeds(engine, monkeypatch):
    rows = aid_rows(50)
    raw, v = prepare(engine, "aid", AID_HEADER, rows)
    real = loading.insert_rows
    calls = {"n": 0}

    def failing(conn, table, chunk):
        calls["n"] += 1
        if calls["n"] == 3:
            raise sa.exc.OperationalError("INSERT", {}, Exception("server closed the connection"))
        real(conn, table, chunk)

    monkeypatch.setattr(loading, "CHUNK", 10)
    monkeypatch.setattr(loading, "insert_rows", failing)
    with pytest.raises(intake.ImportFailedError, match="nothing was imported"):
        intake.import_batch(engine, v, user="u", file_name="a.csv", file_sha256=raw.sha256)
    assert calls["n"] == 3
    assert written(engine) == NOTHING
    assert count(engine, schema.audit_log, schema.audit_log.c.action == "upload") == 0
    monkeypatch.setattr(loading, "insert_rows", real)
    result = intake.import_batch(engine, v, user="u", file_name="a.csv", file_sha256=raw.sha256)
    assert result.status == "imported"
    assert result.inserted == 50
    assert count(engine, schema.aid_records) == 50


def test_progress_is_reported(engine, monkeypatch):
    monkeypatch.setattr(loading, "CHUNK", 7)
    raw, v = prepare(engine, "aid", AID_HEADER, aid_rows(20))
    seen = []
    intake.import_batch(
        engine, v, user="u", file_name="a", file_sha256=raw.sha256,
        progress=lambda done, total: seen.append((done, total)),
    )  # fmt: skip
    assert seen == [(7, 20), (14, 20), (20, 20)]


def test_two_uploads_at_once_equal_one_after_the_other(engine):
    files = [
        prepare(engine, "aid", AID_HEADER, aid_rows(300, start=0, prefix="R")),
        prepare(engine, "aid", AID_HEADER, aid_rows(300, start=200, prefix="R")),  # 100 overlap
        prepare(engine, "aid", AID_HEADER, aid_rows(300, start=0, prefix="R")),  # same bytes
    ]
    results: list = [None] * len(files)
    barrier = threading.Barrier(len(files))

    def run(i):
        raw, v = files[i]
        barrier.wait()
        results[i] = intake.import_batch(
            engine, v, user=f"u{i}", file_name="a.csv", file_sha256=raw.sha256
        )

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(files))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(r.status for r in results) == ["already_imported", "imported", "imported"]
    assert count(engine, schema.aid_records) == 500
    assert count(engine, schema.import_batches) == 2
    imported = [r for r in results if r.status == "imported"]
    assert sum(r.inserted for r in imported) == 500
    assert sum(r.already_present for r in imported) == 100
    with engine.connect() as conn:
        batches = conn.execute(sa.select(schema.import_batches)).all()
    for b in batches:
        assert b.rows_in == b.inserted + b.already_present + b.rejected


def test_aid_submitter_is_kept_and_scoped(engine):
    header = AID_HEADER[:-1]
    rows = [r[:-1] for r in aid_rows(3)]
    raw, v = prepare(engine, "aid", header, rows, submitter="MZ")
    result = intake.import_batch(engine, v, user="u", file_name="a", file_sha256=raw.sha256)
    assert result.inserted == 3
    with engine.connect() as conn:
        submitters = set(conn.execute(sa.select(schema.aid_records.c.submitter)).scalars())
        batch = conn.execute(sa.select(schema.import_batches)).one()
    assert submitters == {"MZ"}
    assert (batch.department_code, batch.district_code) == ("MZ", None)
    # the same record numbers from a district are that district's own
    raw, v = prepare(engine, "aid", AID_HEADER, aid_rows(3))
    result = intake.import_batch(engine, v, user="u", file_name="b", file_sha256=raw.sha256)
    assert (result.inserted, result.already_present) == (3, 0)


def test_refused_file_is_audited_but_writes_no_data(engine):
    raw, v = prepare(engine, "register", ["ID", "name"], [["1", "x"]])
    result = intake.import_batch(engine, v, user="u", file_name="a", file_sha256=raw.sha256)
    assert result.status == "refused"
    assert "missing required column" in result.message
    assert written(engine) == NOTHING
    with engine.connect() as conn:
        detail = conn.execute(sa.select(schema.audit_log.c.detail)).scalar_one()
    assert json.loads(detail)["status"] == "refused"


def test_register_correction_replaces_same_district_registrations(engine):
    upload(engine, "register", REGISTER_HEADER, register_rows(4))
    fixed = register_rows(3)
    fixed[1][1] = "改名"
    fixed[1][4] = "DBU;LTX"
    fixed.append(register_rows(1, "徐汇区", "天平路街道", start=3)[0])  # cross-district, kept aside
    result = upload(engine, "register", REGISTER_HEADER, fixed, mode="correct")
    assert (result.rows_in, result.inserted, result.already_present) == (4, 4, 0)
    assert (result.replaced, result.cross_district) == (3, 1)
    b = schema.beneficiaries
    assert count(engine, b) == 4
    assert count(engine, b, b.c.name == "改名") == 1
    assert count(engine, schema.beneficiary_categories) == 5
    assert count(engine, schema.duplicate_registrations) == 1


def test_sha_must_be_of_the_validated_bytes(engine):
    raw, v = prepare(engine, "aid", AID_HEADER, aid_rows(1))
    with pytest.raises(ValueError, match="SHA-256"):
        intake.import_batch(engine, v, user="u", file_name="a", file_sha256="0" * 64)


def test_quarantine_of_a_file_with_no_good_row(engine):
    rows = aid_rows(3)
    for row in rows:
        row[3] = "NaN"
    result = upload(engine, "aid", AID_HEADER, rows, mode="quarantine")
    assert (result.status, result.inserted, result.rejected) == ("imported", 0, 3)
    assert count(engine, schema.quarantine) == 3
    assert count(engine, schema.aid_records) == 0


def test_every_touched_district_is_marked_changed(engine, refreshes):
    upload(engine, "register", REGISTER_HEADER, register_rows(3))
    assert refreshes[-1][1] == ["310101"]
    rows = aid_rows(2, start=1) + aid_rows(1, start=2, district="徐汇区", prefix="X")
    rows.append(["Y1", person(500, "310104"), "MZ01", "300", "2005-01-05", "长宁区"])
    result = upload(engine, "aid", AID_HEADER, rows, submitter="310101")
    # registered 黄浦, delivered by 徐汇 and 长宁 (an unregistered ID: leakage there)
    assert refreshes[-1][1] == ["310101", "310104", "310105"]
    intake.undo_batch(engine, result.batch_id, user="u")
    assert refreshes[-1][1] == ["310101", "310104", "310105"]
