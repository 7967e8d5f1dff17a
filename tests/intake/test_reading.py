"""Reading uploads safely (security requirements F1-F3, F12-F16, F18): no database needed."""

from __future__ import annotations

import io
import time
import zipfile

import openpyxl
import pytest

from warmth.intake import UploadRefusedError, read_upload, safe_file_name
from warmth.intake.reading import MAX_ZIP_ENTRIES

HEADER = "身份证号,姓名,区县,街道/镇,对象类别"
ROW = "11010519491231002X,张三丰,黄浦区,南京东路街道,城镇低保家庭"
ROW2 = "440524188001010014,欧阳娜娜,黄浦,外滩街道,DBU"


def csv_text(*rows: str) -> str:
    return "\r\n".join([HEADER, *rows]) + "\r\n"


def xlsx_bytes(rows: list[list[object]], *, formula_at: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    for row in rows:
        ws.append(row)
    if formula_at:
        ws[formula_at] = "=100*2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def refused(data: bytes, name: str = "upload.csv", **kw) -> UploadRefusedError:
    with pytest.raises(UploadRefusedError) as info:
        read_upload(data, name, **kw)
    return info.value


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("gbk", "gb18030"), ("gb18030", "gb18030"), ("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8")],
)
def test_chinese_encodings_decoded_and_named(encoding, expected):
    raw = read_upload(csv_text(ROW, ROW2).encode(encoding), "名册.csv")
    assert raw.encoding == expected
    assert raw.headers == HEADER.split(",")  # no BOM left on the first header
    assert raw.rows[1][1] == "欧阳娜娜"
    assert raw.rows[0][4] == "城镇低保家庭"
    assert raw.row_numbers == [2, 3]
    assert raw.kind_guess == "register"
    assert raw.file_type == "csv"


def test_gb18030_only_character_is_kept():
    raw = read_upload(csv_text(ROW.replace("张三丰", "张𠀀")).encode("gb18030"), "a.csv")
    assert raw.rows[0][1] == "张𠀀"


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_refused(codec):
    error = refused(csv_text(ROW).encode(codec))
    assert "UTF-16" in str(error)


def test_mixed_encodings_refused_naming_lines():
    data = (HEADER + "\r\n" + ROW + "\r\n").encode("utf-8") + (ROW2 + "\r\n").encode("gbk")
    error = refused(data)
    assert "mixes encodings" in str(error)
    assert "line 3" in str(error)


def test_invalid_bytes_refused_with_offset():
    data = b"id_number,name,district,street,categories\n110105194912310021,\x80\xff\xfe,x,y,z\n"
    error = refused(data)
    message = str(error)
    assert "neither UTF-8 nor GB18030" in message
    assert "byte offset" in message
    assert error.row == 2


def test_ragged_rows_refused_with_row_numbers():
    data = csv_text(ROW, "11010519491231002X,李四,黄浦区", ROW2, ROW + ",extra").encode()
    error = refused(data)
    assert "row 3 has 3 cells" in str(error)
    assert "row 5 has values beyond the last column" in str(error)
    assert error.row == 3


def test_trailing_empty_cells_and_blank_lines_accepted():
    raw = read_upload(csv_text(ROW + ",,", "", ROW2).encode(), "a.csv")
    assert len(raw.rows) == 2
    assert raw.row_numbers == [2, 4]  # the blank line keeps its row number


def test_unclosed_quote_refused_with_row_number():
    data = csv_text(ROW, '440524188001010014,"欧阳,黄浦,外滩街道,DBU', ROW).encode()
    error = refused(data)
    assert "row 3" in str(error)
    assert "quot" in str(error)


def test_empty_header_only_and_oversized_files_refused():
    assert "empty" in str(refused(b""))
    assert "no data rows" in str(refused((HEADER + "\r\n").encode()))
    assert "no data rows" in str(refused((HEADER + "\r\n\r\n,,,,\r\n").encode()))
    assert "limit" in str(refused(csv_text(ROW).encode(), max_bytes=10))


def test_formula_like_text_is_kept_as_entered():
    row = '11010519491231002X,=HYPERLINK("http://x"),@SUM(A1),+1,"\tTAB"'
    raw = read_upload(csv_text(row).encode(), "a.csv")
    assert raw.rows[0][1:] == ['=HYPERLINK("http://x")', "@SUM(A1)", "+1", "\tTAB"]


def test_title_row_above_header_is_skipped():
    text = "2005年帮困对象名册,,,,\r\n" + csv_text(ROW)
    raw = read_upload(text.encode(), "a.csv")
    assert raw.headers == HEADER.split(",")
    assert raw.header_row == 2
    assert raw.row_numbers == [3]


def test_xlsx_cells_read_as_text():
    from datetime import date

    rows = [
        ["发放编号", "身份证号", "项目", "金额", "发放日期"],
        ["A1", "11010519491231002X", "MZ01", 300, date(2005, 1, 5)],
        [12, "440524188001010014", "MZ01", 12.5, "2005/01/06"],
    ]
    raw = read_upload(xlsx_bytes(rows), "records.xlsx")
    assert raw.file_type == "xlsx"
    assert raw.kind_guess == "aid"
    assert raw.rows == [
        ["A1", "11010519491231002X", "MZ01", "300", "2005-01-05"],
        ["12", "440524188001010014", "MZ01", "12.5", "2005/01/06"],
    ]
    assert raw.row_numbers == [2, 3]
    assert all(isinstance(cell, str) for row in raw.rows for cell in row)


def test_xlsx_formula_refused_naming_the_cell():
    rows = [["发放编号", "身份证号", "金额"], ["A1", "11010519491231002X", 1]]
    error = refused(xlsx_bytes(rows, formula_at="C2"), "a.xlsx")
    assert "C2" in str(error)
    assert error.cell == "C2"


def test_xlsx_formula_text_cell_is_not_a_formula():
    rows = [["姓名"], ["'=HYPERLINK(1)"]]
    raw = read_upload(xlsx_bytes(rows), "a.xlsx")
    assert raw.rows[0][0] == "'=HYPERLINK(1)"


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in members.items():
            zf.writestr(name, content)
    return buffer.getvalue()


def test_macro_workbooks_refused():
    plain = xlsx_bytes([["a"], ["b"]])
    with zipfile.ZipFile(io.BytesIO(plain)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    with_macro = _zip(members | {"xl/vbaProject.bin": b"\x00" * 100})
    assert "macro" in str(refused(with_macro, "a.xlsx"))
    assert "macro" in str(refused(plain, "book.xlsm"))


def test_zip_bomb_refused_before_parsing():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/workbook.xml", b"<workbook/>")
        with zf.open("xl/worksheets/sheet1.xml", "w") as fh:
            block = b"\0" * (1 << 20)
            for _ in range(110):
                fh.write(block)
    data = buffer.getvalue()
    assert len(data) < 1 << 20  # small on the wire
    started = time.perf_counter()
    error = refused(data, "bomb.xlsx")
    assert "zip bomb" in str(error)
    assert time.perf_counter() - started < 10


def test_too_many_zip_entries_refused():
    members = {"xl/workbook.xml": b"<workbook/>"}
    members |= {f"xl/junk/{i}.xml": b"" for i in range(MAX_ZIP_ENTRIES + 1)}
    assert "parts" in str(refused(_zip(members), "a.xlsx"))


def test_zip_that_is_not_a_workbook_refused():
    assert "not an Excel" in str(refused(_zip({"a.txt": b"hi"}), "a.xlsx"))


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (csv_text(ROW).encode(), "really_a_csv.xlsx", "not an Excel"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, "payload.xlsx", "program"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200, "payload.csv", "program"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls", ".xls"),
        (xlsx_bytes([["a"], ["b"]]), "sheet.csv", "named .csv"),
    ],
    # named by file: a workbook's bytes hold the time it was made, and every xdist worker
    # must collect the same test ids
    ids=["really_a_csv.xlsx", "payload.xlsx", "payload.csv", "old.xls", "sheet.csv"],
)
def test_type_comes_from_the_bytes(data, name, words):
    assert words in str(refused(data, name))


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../x.csv", "x.csv"),
        ("..\\..\\windows\\x.csv", "x.csv"),
        ("/etc/passwd", "passwd"),
        ("..", "upload"),
        ("名册\x00\r\n.csv", "名册.csv"),
        ("", "upload"),
    ],
)
def test_file_name_is_only_a_label(given, kept, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert safe_file_name(given) == kept
    raw = read_upload(csv_text(ROW).encode(), given)
    assert raw.file_name == kept
    assert list(tmp_path.iterdir()) == []  # nothing was written or looked up on disk


def test_tab_separated_file_is_explained():
    data = ("\t".join(HEADER.split(",")) + "\n" + "\t".join(ROW.split(",")) + "\n").encode()
    assert "tabs or semicolons" in str(refused(data))


def test_xlsx_value_beyond_the_header_refused():
    rows = [["身份证号", "姓名"], ["11010519491231002X", "张三", "stray"]]
    error = refused(xlsx_bytes(rows), "a.xlsx")
    assert "row 2 has values beyond the last column" in str(error)


def test_billion_laughs_refused():
    plain = xlsx_bytes([["a"], ["b"]])
    with zipfile.ZipFile(io.BytesIO(plain)) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">'.encode()
            for i in range(1, 10)
        )
        + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    members["xl/worksheets/sheet1.xml"] = laughs
    started = time.perf_counter()
    error = refused(_zip(members), "a.xlsx")
    assert "declares entities" in str(error)
    assert time.perf_counter() - started < 5


def test_text_starting_with_mz_is_still_text():
    data = b"MZ01,x\r\n1,2\r\n"
    assert read_upload(data, "a.csv").headers == ["MZ01", "x"]
