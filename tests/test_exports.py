"""CSV and Excel exports: BOM, RFC 4180, formula neutralising, ID numbers kept as text."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date

import openpyxl
import pandas as pd
import pytest

from warmth import exports

ID = "11010519491231002X"


def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "姓名": ["张*", '=HYPERLINK("http://x")', "  +1", '李, "四"\r\n五'],
            "id_number": [ID, "110105194912310021", "@SUM(A1)", "-2+3"],
            "amount_yuan": [300.0, 200.5, float("nan"), -100.0],
            "records": [1, 2, 3, 4],
        }
    )


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_starts_with_bom_and_uses_crlf():
    data = exports.to_csv_bytes(frame())
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines(keepends=True)[0].endswith("\r\n")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@A1", "'@A1"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("   =1", "'   =1"),
        ("张三", "张三"),
        ("a=b", "a=b"),
        ("", ""),
        (12, 12),
    ],
)
def test_escape_cell(value, expected):
    assert exports.escape_cell(value) == expected


def test_csv_round_trip_escapes_text_but_not_numbers():
    rows = read_csv(exports.to_csv_bytes(frame()))
    assert rows[0] == ["姓名", "id_number", "amount_yuan", "records"]
    assert rows[1] == ["张*", ID, "300.0", "1"]
    assert rows[2][0] == '\'=HYPERLINK("http://x")'
    assert rows[3][0] == "'  +1"
    assert rows[3][1] == "'@SUM(A1)"
    assert rows[3][2] == ""  # NaN is an empty cell, not "nan"
    assert rows[4][0] == '李, "四"\r\n五'  # quoted field with comma, quote and line break
    assert rows[4][1] == "'-2+3"
    assert rows[4][2] == "-100.0"  # a number stays a number
    assert len(rows) == 5


def test_csv_quotes_per_rfc4180():
    text = exports.to_csv_bytes(frame()).decode("utf-8-sig")
    assert '"李, ""四""\r\n五"' in text


def test_csv_header_is_escaped_too():
    rows = read_csv(exports.to_csv_bytes(pd.DataFrame({"=cmd": ["x"]})))
    assert rows[0] == ["'=cmd"]


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def test_xlsx_meta_sheet_first_then_data():
    meta = {"campaign": "2005", "filters": "districts=310101", "exported_at": "2005-01-25 10:00"}
    wb = load(exports.to_xlsx_bytes(frame(), meta))
    assert wb.sheetnames == [exports.META_SHEET, exports.DATA_SHEET]
    info = wb[exports.META_SHEET]
    assert [(r[0], r[1]) for r in info.iter_rows(values_only=True)] == list(meta.items())


def test_xlsx_ids_are_text_and_round_trip():
    wb = load(exports.to_xlsx_bytes(frame(), {"campaign": "2005"}))
    ws = wb[exports.DATA_SHEET]
    assert ws["B2"].value == ID
    assert ws["B2"].data_type == "s"
    assert ws["B3"].value == "110105194912310021"
    assert ws["B3"].data_type == "s"
    assert ws["B3"].number_format == "@"
    assert ws["C2"].value == 300.0  # numbers stay numbers
    assert ws["D5"].value == 4
    assert ws["C4"].value is None  # NaN is an empty cell


def test_xlsx_has_no_formula_elements():
    data = exports.to_xlsx_bytes(frame(), {"note": "=1+1"})
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    ws = load(data)[exports.DATA_SHEET]
    cell = ws["A3"]
    assert cell.value == '=HYPERLINK("http://x")'
    assert cell.data_type == "s"
    assert cell.quotePrefix


@pytest.mark.parametrize(
    ("kind", "campaign", "as_of", "ext", "expected"),
    [
        ("coverage_by_district", "2005", date(2005, 1, 25), "csv", "coverage_by_district_2005_20050125.csv"),
        ("coverage_by_district", "2005", None, "xlsx", "coverage_by_district_2005_latest.xlsx"),
        ("覆盖率 按区", "2005", date(2005, 2, 9), "csv", "覆盖率_按区_2005_20050209.csv"),
        ("../../etc/passwd", "2005", None, "csv", "etc_passwd_2005_latest.csv"),
        ("a;b\r\nc", None, None, "xlsx", "a_b_c_campaign_latest.xlsx"),
    ],
)  # fmt: skip
def test_export_file_name(kind, campaign, as_of, ext, expected):
    name = exports.export_file_name(kind, campaign, as_of, ext)
    assert name == expected
    assert exports.FILE_NAME_PATTERN.match(name)


def test_export_file_name_rejects_other_formats():
    with pytest.raises(ValueError, match="format"):
        exports.export_file_name("x", "2005", None, "exe")
