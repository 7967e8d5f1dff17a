"""`warmth refresh` and `warmth report` on the hand-made campaign."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import sqlalchemy as sa

from tests import fixtures_small as fx
from warmth import cli, queries, schema
from warmth.database import make_engine


@pytest.fixture
def db(engine):
    with engine.begin() as conn:
        fx.build_small(conn)
    url = engine.url.render_as_string(hide_password=False)
    assert cli.main(["refresh", "--db", url]) == 0
    return url


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_report_coverage_csv_and_json(db, capsys):
    code, out, _ = run(capsys, "report", "coverage", "--by", "district", "--db", db)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == queries.COVERAGE_COLUMNS
    by_key = {r["key"]: r for r in rows}
    assert len(rows) == 19
    assert by_key[fx.A]["coverage"] == "0.500000"
    assert (by_key[fx.A]["eligible"], by_key[fx.A]["amount_yuan"]) == ("4", "2400.00")
    assert by_key["310105"]["coverage"] == ""  # undefined, never 0

    code, out, _ = run(
        capsys,
        "report",
        "coverage",
        "--to",
        "2005-01-31",
        "--district",
        fx.B,
        "--format",
        "json",
        "--db",
        db,
    )
    assert code == 0
    (city,) = json.loads(out)
    assert list(city) == queries.COVERAGE_COLUMNS
    assert (city["eligible"], city["reached"], city["coverage"], city["records"]) == (2, 0, 0.0, 1)


def test_report_rejects_bad_arguments(db, capsys):
    code, _, err = run(
        capsys, "report", "coverage", "--from", "2005-02-01", "--to", "2005-01-01", "--db", db
    )
    assert code == 2 and "--from" in err
    code, _, err = run(capsys, "report", "coverage", "--district", "' OR 1=1--", "--db", db)
    assert code == 2 and "unknown district" in err
    code, _, err = run(capsys, "report", "coverage", "--campaign", "1999", "--db", db)
    assert code == 2
    with pytest.raises(SystemExit):
        cli.main(["report", "coverage", "--by", "planet", "--db", db])


def test_report_gaps_writes_the_masked_list_and_audits_every_export(db, capsys):
    code, out, _ = run(
        capsys, "report", "gaps", "--kind", "omission", "--format", "csv", "--db", db
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows, "the hand-made campaign has omitted beneficiaries"
    assert all(re.fullmatch(r"\d{6}\*+[\dX]{4}", r["id_number"]) for r in rows)
    code, out, _ = run(
        capsys, "report", "coverage", "--by", "district", "--format", "csv", "--db", db
    )
    assert code == 0
    engine = make_engine(db)
    with engine.connect() as conn:
        audit = conn.execute(
            sa.select(
                schema.audit_log.c.action, schema.audit_log.c.row_count, schema.audit_log.c.detail
            ).order_by(schema.audit_log.c.id)
        ).all()
    engine.dispose()
    assert [(a.action, a.row_count) for a in audit] == [
        ("export", len(rows)),
        ("export", len(list(csv.DictReader(io.StringIO(out))))),
    ]
    assert json.loads(audit[0].detail)["by"] == "omission"


def test_gaps_print_household_size_as_an_integer(db, capsys):
    engine = make_engine(db)
    with engine.begin() as conn:
        conn.execute(schema.beneficiaries.update().values(household_size=2))
    engine.dispose()
    code, out, _ = run(capsys, "report", "gaps", "--kind", "omission", "--db", db, "--lang", "en")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and {r["household_size"] for r in rows} == {"2"}
    code, out, _ = run(
        capsys, "report", "gaps", "--kind", "omission", "--format", "json", "--db", db
    )
    assert {r["household_size"] for r in json.loads(out)} == {2}


def test_csv_headers_are_chinese_with_lang_zh(db, capsys):
    code, out, _ = run(capsys, "report", "gaps", "--kind", "omission", "--db", db, "--lang", "zh")
    assert code == 0
    header = next(csv.reader(io.StringIO(out)))
    assert header == ["身份证号", "姓名", "区县", "街道/镇", "对象类别", "家庭人口", "地址"]
    code, out, _ = run(capsys, "report", "coverage", "--by", "district", "--db", db, "--lang", "zh")
    header = next(csv.reader(io.StringIO(out)))
    assert header[:5] == ["代码", "名称", "英文名称", "应帮对象", "已帮对象"]
    assert not any(re.search("[A-Za-z]", h) for h in header)
    code, out, _ = run(capsys, "report", "coverage", "--by", "district", "--db", db, "--lang", "en")
    assert next(csv.reader(io.StringIO(out))) == queries.COVERAGE_COLUMNS


def test_streets_have_english_names_in_the_coverage_report(db, capsys):
    code, out, _ = run(capsys, "report", "coverage", "--by", "street", "--db", db, "--lang", "en")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows
    assert all(r["name_en"] and not re.search(r"[\u3400-\u9fff]", r["name_en"]) for r in rows)
