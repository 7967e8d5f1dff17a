"""`warmth report coverage --compare`, `warmth report quality` and `warmth report
indicators` on the two-campaign world (tests/fixtures_years.py), both backends."""

from __future__ import annotations

import csv
import io
import json

import pytest
import sqlalchemy as sa

from tests import fixtures_years as fx
from warmth import cli, quality, schema, years


@pytest.fixture
def db(engine):
    with engine.begin() as conn:
        fx.build_years(conn)
    return engine.url.render_as_string(hide_password=False)


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_coverage_compare_csv_and_json(db, capsys):
    code, out, _ = run(
        capsys, "report", "coverage", "--by", "district", "--compare", "2004", "--db", db
    )
    assert code == 0
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(out))}
    assert list(next(iter(rows.values()))) == years.compare_columns("district")
    b = rows[fx.B]
    assert (b["reached"], b["reached_prev"], b["reached_change"]) == ("2", "5", "-3")
    assert (b["coverage"], b["coverage_prev"]) == ("0.666667", "1.000000")
    assert b["coverage_change"] == "-0.333333"
    assert (b["amount_yuan"], b["amount_yuan_prev"], b["amount_yuan_change"]) == (
        "1200.00",
        "700.00",
        "500.00",
    )
    assert rows["310105"]["coverage"] == ""  # nobody eligible: undefined, never 0

    code, out, _ = run(
        capsys, "report", "coverage", "--compare", "2004", "--format", "json", "--db", db
    )
    (city,) = json.loads(out)
    assert (city["eligible"], city["eligible_prev"], city["omitted_change"]) == (7, 9, 1)


def test_quality_csv_json_and_chinese_header(db, capsys):
    code, out, _ = run(capsys, "report", "quality", "--db", db)
    assert code == 0
    rows = {r["key"]: r for r in csv.DictReader(io.StringIO(out))}
    assert list(next(iter(rows.values()))) == quality.SCORECARD_COLUMNS
    b = rows[fx.B]
    assert (b["completeness"], b["late_records"], b["outlier_records"]) == ("0.500000", "0", "1")
    assert (b["consistency_change"], b["consistency_flag"]) == ("-0.600000", "True")
    assert rows[fx.A]["late_share"] == "0.333333"
    code, out, _ = run(capsys, "report", "quality", "--format", "json", "--db", db)
    by_key = {r["key"]: r for r in json.loads(out)}
    assert by_key[fx.B]["unmatched_records"] == 1 and by_key[fx.B]["consistency_flag"] is True
    assert by_key["310105"]["completeness"] is None
    code, out, _ = run(capsys, "report", "quality", "--lang", "zh", "--db", db)
    header = out.splitlines()[0].split(",")
    assert header[:4] == ["代码", "名称", "英文名称", "应报送部门"]
    assert "报送完整性" in header and "已帮对象（上次）" in header


def test_indicators_and_the_left_out_list(db, capsys):
    code, out, _ = run(
        capsys, "report", "indicators", "--by", "district", "--format", "json", "--db", db
    )
    assert code == 0
    by_key = {r["key"]: r for r in json.loads(out)}
    assert by_key[fx.A]["beneficiary_incidence"] == 0.6
    assert by_key[fx.B]["average_aid_yuan"] == 550.0
    code, out, _ = run(capsys, "report", "gaps", "--kind", "left-out", "--db", db)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["id_number"] for r in rows] == ["310101********0004"]


def test_every_report_is_audited_and_an_unknown_campaign_refused(db, capsys):
    run(capsys, "report", "quality", "--db", db)
    run(capsys, "report", "coverage", "--compare", "2004", "--db", db)
    engine = sa.create_engine(db)
    with engine.connect() as conn:
        a = schema.audit_log
        details = [json.loads(d) for d in conn.execute(sa.select(a.c.detail)).scalars()]
    engine.dispose()
    assert [d["report"] for d in details[-2:]] == ["quality", "coverage"]
    assert details[-1]["compare"] == "2004"
    code, _, err = run(capsys, "report", "coverage", "--compare", "1999", "--db", db)
    assert code == 2 and "1999" in err
