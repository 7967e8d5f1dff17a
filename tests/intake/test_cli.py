"""`warmth import register|aid FILE`: exit codes, stderr report, --report JSON, --dry-run."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.intake.support import (
    AID_HEADER,
    REGISTER_HEADER,
    aid_rows,
    csv_bytes,
    register_rows,
)
from warmth import schema
from warmth.cli import main


def url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def records(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(schema.aid_records)).scalar_one()


def test_import_then_again(engine, tmp_path, capsys):
    path = tmp_path / "登记.csv"
    path.write_bytes(csv_bytes(REGISTER_HEADER, register_rows(4)))
    assert main(["import", "register", str(path), "--db", url(engine), "--user", "张"]) == 0
    assert "4 registrations imported" in capsys.readouterr().out
    assert main(["import", "register", str(path), "--db", url(engine)]) == 0
    assert "already imported at" in capsys.readouterr().out


def test_refused_file_lists_errors_and_writes_report(engine, tmp_path, capsys):
    rows = aid_rows(30)
    for row in rows:
        row[3] = "¥300"
    path = tmp_path / "records.csv"
    path.write_bytes(csv_bytes(AID_HEADER, rows))
    report = tmp_path / "report.json"
    code = main(["import", "aid", str(path), "--db", url(engine), "--report", str(report)])
    assert code == 1
    err = capsys.readouterr().err
    assert "row 2, column amount_yuan: currency signs are not accepted" in err
    assert "(¥300)" in err
    assert "row 21, column amount_yuan" in err
    assert "row 22, column" not in err  # the first 20 only
    assert "and 10 more problems" in err
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["status"] == "refused"
    assert data["counts"]["errors"] == 30
    assert len(data["errors"]) == 30
    assert data["errors"][0] == {
        "row": 2,
        "column": "amount_yuan",
        "value": "¥300",
        "reason": "currency signs are not accepted: give the number of yuan only",
        "code": "amount_currency",
        "values": {},
    }
    assert records(engine) == 0


def test_quarantine_and_dry_run(engine, tmp_path, capsys):
    rows = aid_rows(5)
    rows[2][4] = "2004-01-01"
    path = tmp_path / "records.csv"
    path.write_bytes(csv_bytes(AID_HEADER, rows))
    assert main(["import", "aid", str(path), "--db", url(engine), "--dry-run"]) == 1
    assert "dry run: rows 5, valid 4, errors 1" in capsys.readouterr().out
    assert records(engine) == 0
    code = main(["import", "aid", str(path), "--db", url(engine), "--mode", "quarantine"])
    assert code == 0
    assert "4 records imported, 1 rows quarantined" in capsys.readouterr().out
    assert records(engine) == 4


@pytest.mark.parametrize("content", [b"", b"MZ\x90\x00" + b"\x00" * 64])
def test_unreadable_file_refused(engine, tmp_path, capsys, content):
    path = tmp_path / "x.xlsx"
    path.write_bytes(content)
    report = tmp_path / "r.json"
    assert main(["import", "aid", str(path), "--db", url(engine), "--report", str(report)]) == 1
    assert "refused" in capsys.readouterr().err
    assert json.loads(report.read_text())["status"] == "refused"
