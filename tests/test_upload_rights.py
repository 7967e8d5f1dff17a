"""What each role may upload: a department its own programmes' aid records only, in its
name, never a register; a city_viewer nothing; a department's history and undo are its own
batches' (warmth.upload_rights on top of warmth.intake)."""

from __future__ import annotations

import pytest

from tests.intake.support import AID_HEADER, REGISTER_HEADER, aid_rows, csv_bytes, register_rows
from warmth import intake, upload_rights
from warmth.scope import city_scope, department_scope, district_scope


def checked(conn, scope, kind: str, data: bytes):
    raw = intake.read_upload(data, f"{kind}.csv")
    return upload_rights.validate(conn, None, kind, raw, scope=scope)


def codes(v) -> list[str]:
    return [r.code for r in v.file_errors]


def load(engine, v, data: bytes):
    return intake.import_batch(
        engine, v, user=v.scope.user, file_name="aid.csv",
        file_sha256=intake.read_upload(data, "aid.csv").sha256,
    )  # fmt: skip


def test_a_department_uploads_its_own_aid_records_in_its_name(sqlite_engine):
    data = csv_bytes(AID_HEADER, aid_rows(3))  # MZ01, Huangpu
    with sqlite_engine.connect() as conn:
        mz = department_scope(conn, frozenset({"MZ"}), user="mz@d.gov")
        v = checked(conn, mz, "aid", data)
    assert codes(v) == [] and v.submitter == "MZ"
    done = load(sqlite_engine, v, data)
    assert done.ok, done.text("en")
    with sqlite_engine.connect() as conn:
        mine = intake.batches(conn, mz, None)
        lb = intake.batches(conn, department_scope(conn, frozenset({"LB"})), None)
        huangpu = intake.batches(conn, district_scope(conn, "310101"), None)
    assert mine["department"].tolist() == ["MZ"] and len(lb) == 0
    assert len(huangpu) == 1  # the records were delivered in Huangpu: its history shows them
    batch = int(mine["batch_id"].iloc[0])
    with sqlite_engine.connect() as conn:
        lb = department_scope(conn, frozenset({"LB"}), user="lb@d.gov")
    with pytest.raises(PermissionError):
        intake.undo_batch(sqlite_engine, batch, user=lb.user, scope=lb)
    assert intake.undo_batch(sqlite_engine, batch, user=mz.user, scope=mz) == 3


def test_a_department_may_not_upload_another_departments_programme_or_a_register(sqlite_engine):
    rows = aid_rows(2)
    rows[1][2] = "LB01"
    with sqlite_engine.connect() as conn:
        mz = department_scope(conn, frozenset({"MZ"}))
        other = checked(conn, mz, "aid", csv_bytes(AID_HEADER, rows))
        register = checked(conn, mz, "register", csv_bytes(REGISTER_HEADER, register_rows(2)))
    assert codes(other) == ["programme_outside_scope"]
    assert "LB01" in other.file_errors[0].text("en")
    assert codes(register) == ["department_register_denied"]
    assert other.refused and register.refused


def test_a_city_viewer_uploads_nothing_and_a_city_admin_anything(sqlite_engine):
    data = csv_bytes(AID_HEADER, aid_rows(2))
    with sqlite_engine.connect() as conn:
        viewer = city_scope(conn, user="v@city.gov", account="city_viewer")
        admin = city_scope(conn, user="a@city.gov", account="city_admin")
        assert codes(checked(conn, viewer, "aid", data)) == ["role_cannot_upload"]
        assert codes(checked(conn, admin, "aid", data)) == []
