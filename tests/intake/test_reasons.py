"""Upload problems are codes with values: the error report reads in Chinese or English, a
stored report keeps the codes, and an older stored report (English text only) still reads."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest
import sqlalchemy as sa

from tests.intake.support import AID_HEADER, aid_rows, prepare, upload
from warmth import ids, intake, schema
from warmth.intake.checks import _id_reason
from warmth.intake.reasons import Names, Reason, Term
from warmth.intake.report import stored_report_frame


def bad_aid_rows():
    rows = aid_rows(3)
    rows[0][3] = "¥300"
    rows[1][4] = "2004-01-01"
    return rows


def test_the_error_report_reads_in_both_languages(engine):
    _, v = prepare(engine, "aid", AID_HEADER, bad_aid_rows())
    en = v.error_report_frame("en")
    zh = v.error_report_frame("zh")
    assert list(en["code"]) == list(zh["code"]) == ["amount_currency", "date_outside_window"]
    assert en["reason"].iloc[0] == "currency signs are not accepted: give the number of yuan only"
    assert zh["reason"].iloc[0] == "不接受货币符号：只填写元数"
    assert zh["reason"].iloc[1] == "2004-01-01 不在活动期间（2004-12-18 至 2005-02-23）"
    text = v.error_report_csv("zh").decode("utf-8-sig")
    assert text.splitlines()[0] == "行号,列,值（已脱敏）,原因,代码"
    assert "不接受货币符号" in text
    book = openpyxl.load_workbook(io.BytesIO(v.error_report_xlsx("en")))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0] == ("Row", "Column", "Value (masked)", "Reason", "Code")
    assert rows[1][3].startswith("currency signs")
    assert (
        v.error_lines(lang="zh")[0] == "第 2 行，“amount_yuan”列：不接受货币符号：只填写元数 (¥300)"
    )


def test_a_stored_report_keeps_the_codes_and_reads_back_in_either_language(engine):
    result = upload(engine, "aid", AID_HEADER, bad_aid_rows(), mode="quarantine")
    assert result.status == "imported"
    with engine.connect() as conn:
        stored = conn.execute(
            sa.select(schema.import_batches.c.report).where(
                schema.import_batches.c.id == result.batch_id
            )
        ).scalar_one()
    report = json.loads(stored)
    assert report["errors"][0]["code"] == "amount_currency"
    assert stored_report_frame(report, "zh")["reason"].iloc[0] == "不接受货币符号：只填写元数"
    assert stored_report_frame(report, "en")["reason"].iloc[0].startswith("currency signs")
    assert result.text("zh").startswith("共 3 行：已导入 1 条记录")
    assert result.text("en") == result.message == "3 rows: 1 records imported, 2 rows quarantined"


def test_an_old_stored_report_with_english_text_still_reads():
    old = {
        "file_errors": ["missing required column id_number (身份证号)"],
        "errors": [{"row": 2, "column": "amount_yuan", "value": "¥5", "reason": "not a number"}],
    }
    for lang in ("zh", "en"):
        frame = stored_report_frame(old, lang)
        assert list(frame["reason"]) == [
            "missing required column id_number (身份证号)",
            "not a number",
        ]
        assert list(frame["row"].astype(object).fillna(0)) == [0, 2]


def test_a_refused_file_reads_in_both_languages():
    with pytest.raises(intake.UploadRefusedError) as caught:
        intake.read_upload(b"%PDF-1.4", "x.pdf")
    assert str(caught.value) == "the file is not a CSV or .xlsx table"
    assert caught.value.text("zh") == "文件不是 CSV 或 .xlsx 表格"
    again = Reason.from_dict(json.loads(json.dumps(caught.value.reason.as_dict())))
    assert again.text("zh") == "文件不是 CSV 或 .xlsx 表格"


def test_values_are_shown_in_the_readers_language_and_survive_storage():
    r = Reason.of(
        "street_elsewhere",
        street="天平路街道",
        district=Names("黄浦区", "Huangpu District"),
        where=(Names("徐汇区", "Xuhui District"), Names("长宁区", "Changning District")),
    )
    back = Reason.from_dict(json.loads(json.dumps(r.as_dict())))
    assert back == r
    assert back.text("en") == (
        "天平路街道 is not a street of Huangpu District "
        "(it is in Xuhui District, Changning District)"
    )
    assert back.text("zh") == "天平路街道 不是黄浦区的街道（它在徐汇区、长宁区）"
    term = Reason.of("duplicate_in_file", what=Term("upload_term_id_number"), times=2, rows=(3,))
    assert term.text("en") == "ID number appears 2 times in this file (also row 3)"
    assert (
        Reason.from_dict(term.as_dict()).text("zh") == "身份证号在本文件中出现 2 次（另见第 3 行）"
    )


@pytest.mark.parametrize(
    "value",
    ["110105194912310021", "11010519491231002", "1101051949123100AX", "110105194902300025",
     "11010519491231002Y"],
)  # fmt: skip
def test_coded_id_reasons_say_what_ids_id_problem_says(value):
    problem = ids.id_problem(value)
    assert problem is not None
    assert _id_reason(value).text("en") == problem
