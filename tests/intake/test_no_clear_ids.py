"""No clear ID number leaves an upload's check: not in the error report (on screen, CSV,
Excel, stored with the batch) nor in the logs, wherever in the file it was written."""

from __future__ import annotations

import json
import logging
import re

from tests.intake.support import REGISTER_HEADER, person, prepare, upload
from warmth import schema
from warmth.scope import district_scope

FULL_ID = re.compile(r"\d{17}[\dXx]")


def test_id_numbers_in_any_column_are_masked_in_the_report_and_absent_from_logs(engine, caplog):
    caplog.set_level(logging.DEBUG)
    secret = person(7)
    rows = [
        [secret, "张三", "黄浦区", secret, "DBU"],  # an ID number under 街道
        [person(8), secret, "黄浦区", "南京东路街道", f"DBU;{secret}"],  # under 姓名 and 类别
        [secret[:17] + "0", "李四", "黄浦区", "南京东路街道", "DBU"],  # a bad checksum
        [person(9), "王五", "徐汇区", "天平路街道", "DBU"],  # another district's row
    ]
    with engine.connect() as conn:
        huangpu = district_scope(conn, "310101", user="hp@example.gov")
    header = [*REGISTER_HEADER[:4], secret]  # even a header
    raw, v = prepare(engine, "register", [*REGISTER_HEADER], rows, scope=huangpu)
    assert v.errors, "the rows have problems"
    texts = [
        "\n".join(v.error_lines(None, "en")),
        "\n".join(v.error_lines(None, "zh")),
        v.error_report_csv("en").decode("utf-8-sig"),
        v.error_report_csv("zh").decode("utf-8-sig"),
        v.error_report_frame("en").to_csv(),
        json.dumps(v.report(), ensure_ascii=False),
    ]
    _, wide = prepare(engine, "register", header, rows, scope=huangpu)
    texts.append("\n".join(wide.error_lines(None, "en")))
    result = upload(engine, "register", REGISTER_HEADER, rows, scope=huangpu, mode="quarantine")
    assert result.rejected >= 3
    with engine.connect() as conn:
        stored = conn.execute(sa_select_report()).scalars().all()
        audited = conn.execute(sa_select_audit()).scalars().all()
    texts += stored + audited + [caplog.text]
    for text in texts:
        assert not FULL_ID.findall(text), text[:400]


def sa_select_report():
    import sqlalchemy as sa

    return sa.select(schema.import_batches.c.report)


def sa_select_audit():
    import sqlalchemy as sa

    return sa.select(schema.audit_log.c.detail)
