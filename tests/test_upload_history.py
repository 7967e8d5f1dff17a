"""The upload history as shown (components.upload.history_table): a batch's kind, mode and
status in words of the language, the demo city's batch described, never its raw codes."""

from __future__ import annotations

import pandas as pd

from components import upload


def batches() -> pd.DataFrame:
    rows = [
        {
            "batch_id": 2,
            "kind": "register",
            "submitted_at": pd.Timestamp("2005-01-10 09:00"),
            "submitted_by": "官员甲",
            "file_name": "huangpu.csv",
            "district": "310101",
            "mode": "quarantine",
            "encoding": "utf-8",
            "rows_in": 4,
            "inserted": 3,
            "already_present": 0,
            "rejected": 1,
            "held": 0,
            "held_accepted": 0,
            "held_rejected": 0,
            "status": "undone",
        },
        {
            "batch_id": 1,
            "kind": "demo",
            "submitted_at": pd.Timestamp("2005-02-23 18:00"),
            "submitted_by": "warmth demo",
            "file_name": "demo city, scale 0.005, seed 2005",
            "district": None,
            "mode": "strict",
            "encoding": None,
            "rows_in": 10,
            "inserted": 10,
            "already_present": 0,
            "rejected": 0,
            "held": 0,
            "held_accepted": 0,
            "held_rejected": 0,
            "status": "imported",
        },
    ]
    return pd.DataFrame(rows)


def test_history_in_chinese_shows_words_not_codes():
    shown = upload.history_table(batches(), lang="zh")
    assert list(shown["类型"]) == ["对象名册", "演示数据"]
    assert list(shown["方式"]) == ["隔离", "严格"]
    assert list(shown["状态"]) == ["已撤销", "已导入"]
    assert list(shown["报送人"]) == ["官员甲", "演示数据生成程序"]
    assert list(shown["文件"]) == ["huangpu.csv", "演示城市（规模 0.005，随机种子 2005）"]
    assert list(shown["区县"]) == ["310101", ""]


def test_history_in_english():
    shown = upload.history_table(batches(), lang="en")
    assert list(shown["Kind"]) == ["Register", "Demo data"]
    assert list(shown["Mode"]) == ["Quarantine", "Strict"]
    assert list(shown["Status"]) == ["Undone", "Imported"]
    assert list(shown["By"]) == ["官员甲", "Demo generator"]
    assert list(shown["File"]) == ["huangpu.csv", "Demo city (scale 0.005, seed 2005)"]


def test_an_unknown_code_is_shown_as_itself():
    history = batches().assign(status=["archived", "imported"])
    assert list(upload.history_table(history, lang="en")["Status"]) == ["archived", "Imported"]
