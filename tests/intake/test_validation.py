"""Validating uploads row by row against FORMATS.md (F4, F5, F8-F12, F24), on both backends."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from tests.fixtures_small import hashed
from tests.intake.support import (
    AID_HEADER,
    REGISTER_HEADER,
    aid_rows,
    csv_bytes,
    person,
    register_rows,
)
from warmth.intake import read_upload, validate
from warmth.scope import city_scope, district_scope


def check(engine, kind: str, header, rows, *, scope=None, campaign=None, **kw):
    raw = read_upload(csv_bytes(header, rows), f"{kind}.csv")
    with engine.connect() as conn:
        scope = scope or city_scope(conn)
        return validate(conn, campaign, kind, raw, scope=scope, **kw)


def reasons(v) -> dict[tuple[int, str], str]:
    return {(e.row, e.column): e.reason for e in v.errors}


def test_valid_register_in_chinese_headers_any_order(engine):
    header = ["对象类别", "街道/镇", "姓名", "身份证号", "区县", "家庭人口", "地址", "备注"]
    rows = [
        [
            "DBU；城镇离退休（职）人员、TKJT",
            "外滩",
            "张三",
            person(1).lower(),
            "黄浦",
            "3",
            "某路1号",
        ],
        ["城镇低保家庭", "310101002", "李四", person(2), "310101", "", ""],
    ]
    rows = [r + ["备注文字"] for r in rows]
    v = check(engine, "register", header, rows)
    assert v.file_errors == []
    assert v.errors == []
    assert v.headers.unknown == ["备注"]
    assert v.counts == {
        "rows": 2, "valid": 2, "errors": 0, "new": 2, "already_present": 0, "cross_district": 0,
    }  # fmt: skip
    first = v.clean.iloc[0]
    assert first["id_number"] == hashed(person(1).upper())  # the clear number goes no further
    assert first["street_code"] == "310101013"
    assert first["categories"] == "DBU;LTX;TKJT"
    assert first["household_size"] == 3
    assert v.clean.iloc[1]["address"] is None
    assert v.district == "310101"


def test_missing_and_renamed_columns_are_named(engine):
    header = ["ID", "name", "district", "street", "type"]
    v = check(engine, "register", header, register_rows(2))
    assert v.refused
    text = " | ".join(r.text("en") for r in v.file_errors)
    assert "missing required column id_number (身份证号)" in text
    assert "missing required column categories (对象类别)" in text
    zh = " | ".join(r.text("zh") for r in v.file_errors)
    assert "缺少必填列“身份证号”（id_number）" in zh
    assert v.headers.unknown == ["ID", "type"]
    assert v.counts["valid"] == 0


def test_aid_file_offered_as_register_is_explained(engine):
    v = check(engine, "register", AID_HEADER, aid_rows(2))
    assert "this looks like aid records, not a register" in [r.text("en") for r in v.file_errors]
    assert "这看起来是帮困记录文件，不是对象名册文件" in [r.text("zh") for r in v.file_errors]


def test_same_id_twice_reports_both_rows(engine):
    rows = register_rows(3)
    rows.append(list(rows[0]))
    v = check(engine, "register", REGISTER_HEADER, rows)
    found = reasons(v)
    assert found[(2, "id_number")] == "ID number appears 2 times in this file (also row 5)"
    assert found[(5, "id_number")] == "ID number appears 2 times in this file (also row 2)"
    assert v.counts["errors"] == 2
    assert v.counts["valid"] == 2


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("110105194912310021", "check character does not match"),
        ("110105491231002", "15-digit"),
        ("１１０１０５１９４９１２３１００２Ｘ", "full-width digits"),
        ("110105194902310021", "birth date 19490231 does not exist"),
        ("11010519491231002", "must be 18 characters"),
        ("", "required"),
    ],
)
def test_bad_id_numbers(engine, value, reason):
    rows = register_rows(1)
    rows[0][0] = value
    v = check(engine, "register", REGISTER_HEADER, rows)
    assert reason in reasons(v)[(2, "id_number")]
    assert v.counts["valid"] == 0


def test_lower_case_x_is_read_as_x(engine):
    rows = register_rows(1)
    rows[0][0] = "11010519491231002x"
    v = check(engine, "register", REGISTER_HEADER, rows)
    assert v.errors == []
    assert v.clean.iloc[0]["id_number"] == hashed("11010519491231002X")


def test_id_and_name_are_masked_in_the_report(engine):
    rows = register_rows(1)
    rows[0][0] = "110105194912310021"
    rows[0][1] = ""
    rows.append(["11010519491231002X", "欧阳娜娜", "黄浦", "外滩", "nope"])
    v = check(engine, "register", REGISTER_HEADER, rows)
    values = {(e.row, e.column): e.value for e in v.errors}
    assert values[(2, "id_number")] == "110105********0021"
    assert values[(2, "name")] == ""
    assert values[(3, "categories")] == "nope"
    text = v.error_report_csv().decode("utf-8-sig")
    assert "110105194912310021" not in text


@pytest.mark.parametrize(
    ("district", "street", "column", "reason"),
    [
        ("310199", "外滩", "district", "unknown district"),
        ("火星区", "外滩", "district", "unknown district"),
        (
            "黄浦区",
            "天平路街道",
            "street",
            "天平路街道 is not a street of Huangpu District (it is in Xuhui District)",
        ),
        (
            "黄浦区",
            "310104003",
            "street",
            "street 310104003 belongs to Xuhui District, not Huangpu District",
        ),
        ("黄浦区", "无名街道", "street", "unknown street of Huangpu District"),
    ],
)
def test_districts_and_streets(engine, district, street, column, reason):
    rows = register_rows(1, district=district, street=street)
    v = check(engine, "register", REGISTER_HEADER, rows)
    assert reason in reasons(v)[(2, column)]


def test_district_outside_the_uploaders_scope(engine):
    rows = register_rows(1) + register_rows(1, "徐汇区", "天平路街道", start=5)
    with engine.connect() as conn:
        scope = district_scope(conn, "310101")
    v = check(engine, "register", REGISTER_HEADER, rows, scope=scope)
    assert reasons(v) == {(3, "district"): "district Xuhui District (310104) is outside your scope"}
    assert v.errors[0].text("zh") == "区县 徐汇区（310104）不在您的权限范围内"
    assert v.counts["valid"] == 1


def test_register_optional_columns(engine):
    header = REGISTER_HEADER + ["household_size"]
    rows = [r + [h] for r, h in zip(register_rows(4), ["0", "21", "3.5", "20"], strict=True)]
    rows[1][4] = "DBU;火星人"
    v = check(engine, "register", header, rows)
    found = reasons(v)
    assert found[(2, "household_size")] == "must be a whole number from 1 to 20"
    assert found[(3, "household_size")] == "must be a whole number from 1 to 20"
    assert found[(3, "categories")] == "unknown category 火星人"
    assert found[(4, "household_size")] == "must be a whole number from 1 to 20"
    assert (5, "household_size") not in found


@pytest.mark.parametrize(
    ("amount", "fen", "reason"),
    [
        ("300", 30000, None),
        ("0", 0, None),
        ("12.5", 1250, None),
        ("0.07", 7, None),
        ("-5", None, "must not be negative"),
        ("¥500", None, "currency signs"),
        ("500元", None, "currency signs"),
        ("1,000", None, "thousands separators"),
        ("1e9", None, "exponent notation"),
        ("NaN", None, "not a number"),
        ("", None, "required"),
        ("1.234", None, "at most two decimals"),
        ("abc", None, "not an amount"),
    ],
)
def test_amounts(engine, amount, fen, reason):
    rows = aid_rows(1)
    rows[0][3] = amount
    v = check(engine, "aid", AID_HEADER, rows)
    if reason is None:
        assert v.errors == []
        assert v.clean.iloc[0]["amount_fen"] == fen
    else:
        assert reason in reasons(v)[(2, "amount_yuan")]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2005/01/06", None),
        ("2005/1/6", None),
        ("2004-12-18", None),
        ("2005-02-23", None),
        ("2004-12-17", "outside the campaign window (2004-12-18 to 2005-02-23)"),
        ("2005-02-24", "outside the campaign window"),
        ("2030-01-01", "is in the future"),
        ("2005-02-30", "does not exist"),
        ("05-01-06", "not a date"),
        ("2005-01/06", "not a date"),
    ],
)
def test_dates(engine, value, reason):
    rows = aid_rows(1)
    rows[0][4] = value
    v = check(engine, "aid", AID_HEADER, rows)
    if reason is None:
        assert v.errors == []
    else:
        assert reason in reasons(v)[(2, "date")]


def test_future_is_relative_to_today(engine):
    rows = aid_rows(1)
    with engine.connect() as conn:
        raw = read_upload(csv_bytes(AID_HEADER, rows), "a.csv")
        v = validate(conn, None, "aid", raw, scope=city_scope(conn), today=date(2005, 1, 1))
    assert "2005-01-05 is in the future" in reasons(v)[(2, "date")]


def test_aid_programme_form_and_record_numbers(engine):
    header = ["发放编号", "身份证号", "项目", "金额", "形式", "发放日期", "区县"]
    rows = [
        ["R1", person(1), "低保家庭一次性节日补助", "300", "", "2005-01-05", "黄浦"],
        ["R2", person(2), "mz01", "300", "实物", "2005-01-05", "黄浦"],
        ["R3", person(3), "XX99", "300", "", "2005-01-05", "黄浦"],
        ["R1", person(4), "JY02", "0", "慰问", "2005-01-05", "黄浦"],
        ["R5", person(5), "JY02", "0", "gift", "2005-01-05", "黄浦"],
    ]
    v = check(engine, "aid", header, rows)
    found = reasons(v)
    assert found[(2, "发放编号")] == "record number appears 2 times in this file (also row 5)"
    assert found[(5, "发放编号")] == "record number appears 2 times in this file (also row 2)"
    assert "unknown programme" in found[(4, "项目")]
    assert "unknown form" in found[(6, "形式")]
    assert list(v.clean["programme_code"]) == ["MZ01"]
    assert list(v.clean["form"]) == ["in_kind"]
    assert v.submitter == "310101"


def test_aid_without_district_needs_a_submitter(engine):
    header = AID_HEADER[:-1]
    rows = [r[:-1] for r in aid_rows(2)]
    v = check(engine, "aid", header, rows)
    assert v.refused
    assert "choose the submitter" in v.file_errors[0].text("en")
    v = check(engine, "aid", header, rows, submitter="MZ")
    assert not v.refused
    assert v.submitter == "MZ"
    assert v.clean["district_code"].isna().all()
    with engine.connect() as conn:
        scope = district_scope(conn, "310104")
    v = check(engine, "aid", header, rows, scope=scope)
    assert v.submitter == "310104"
    v = check(engine, "aid", header, rows, scope=scope, submitter="MZ")
    assert [r.text("en") for r in v.file_errors] == ["you may not submit records as MZ"]


def test_aid_rows_of_several_districts_need_a_submitter(engine):
    rows = aid_rows(1) + aid_rows(1, start=1, district="徐汇区")
    v = check(engine, "aid", AID_HEADER, rows)
    assert "several delivering districts (310101, 310104)" in v.file_errors[0].text("en")
    assert "（310101、310104）" in v.file_errors[0].text("zh")


FORMULAS = ['=HYPERLINK("http://evil.example","click")', "@SUM(A1:A9)", "+1", "-2", "\t=1"]


def test_formula_like_cells_are_text_and_escaped_in_the_report(engine):
    header = REGISTER_HEADER + ["address"]
    rows = [r + [f] for r, f in zip(register_rows(len(FORMULAS)), FORMULAS, strict=True)]
    rows[0][1] = "=1+2"  # a name that looks like a formula is still a name
    for row in rows:
        row[4] = "=cmd|' /C calc'!A0"  # and an unknown category, reported with its value
    v = check(engine, "register", header, rows)
    assert [e.value for e in v.errors] == ["=cmd|' /C calc'!A0"] * len(FORMULAS)
    text = v.error_report_csv().decode("utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in text
    assert "\n=" not in text and ",=" not in text
    book = openpyxl.load_workbook(io.BytesIO(v.error_report_xlsx()))
    cells = [c for row in book.active.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert "'=cmd|' /C calc'!A0" in [c.value for c in cells]


def test_formula_text_survives_validation_exactly(engine):
    header = REGISTER_HEADER + ["address"]
    rows = [r + [f] for r, f in zip(register_rows(len(FORMULAS)), FORMULAS, strict=True)]
    rows[0][1] = '=HYPERLINK("x")'
    v = check(engine, "register", header, rows)
    assert v.errors == []
    assert list(v.clean["address"]) == FORMULAS
    assert v.clean.iloc[0]["name"] == '=HYPERLINK("x")'


def test_every_error_is_collected_and_the_last_row_is_named(engine):
    rows = register_rows(10_000)
    rows[-1][0] = "110105194912310021"
    v = check(engine, "register", REGISTER_HEADER, rows)
    assert v.counts["errors"] == 1
    assert v.errors[0].row == 10_001
    assert v.error_lines()[0].startswith("row 10001, column id_number: check character")


def test_error_report_frame_columns(engine):
    rows = aid_rows(3)
    rows[0][3] = "¥5"
    rows[2][4] = "2006-01-01"
    v = check(engine, "aid", AID_HEADER, rows)
    frame = v.error_report_frame()
    assert list(frame.columns) == ["row", "column", "value", "reason", "code"]
    assert list(frame["code"]) == ["amount_currency", "date_outside_window"]
    assert list(frame["row"]) == [2, 4]
    assert v.report()["counts"]["errors"] == 2


def test_unknown_campaign_refused(engine):
    v = check(engine, "aid", AID_HEADER, aid_rows(1), campaign="1999")
    assert [r.text("en") for r in v.file_errors] == ["no campaign '1999'"]
