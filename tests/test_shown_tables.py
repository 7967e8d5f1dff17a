"""Tables as shown: a people list's codes spelt as names (components.worklist_panel.shown:
each distinct value once, a missing value an empty cell, columns labelled), and a table's
names column as wide as its longest name (components.panels.names_fit)."""

from __future__ import annotations

import math

import pandas as pd

from components import data, panels, worklist_panel

NAMES = {
    "districts": {"310101": "黄浦区", "310115": "浦东新区"},
    "streets": {"310101002": "南京东路街道", "310115005": "潍坊新村街道"},
    "categories": {"DBU": "城镇低保家庭", "TKSY": "特困人员"},
    "programmes": {"MZ-01": "春节慰问"},
    "departments": {"MZ": "民政"},
}


def test_codes_are_names_and_missing_values_stay_missing(monkeypatch):
    calls = []

    def names(kind, lang):
        calls.append(kind)
        return NAMES[kind]

    monkeypatch.setattr(data, "names", names)
    rows = pd.DataFrame(
        {
            "district_code": ["310101", "310115", "310101", "310101"],
            "other_street_code": [None, "310115005", "999", math.nan],
            "categories": ["DBU;TKSY", "TKSY", "DBU;TKSY", ""],
            "need": ["medical;pairing", "medical", "medical", "medical"],
            "reason": ["not_registered", "category_mismatch", "not_registered", "not_registered"],
            "household_size": [3, None, 1, 2],
            "name": ["张*", None, "李*", "王*"],
        },
        index=[7, 8, 9, 10],  # a page of a list, not its first rows
    )
    shown = worklist_panel.shown(rows, "zh")

    assert list(shown.columns) == [
        "区县",
        "另一登记街道",
        "对象类别",
        "需要",
        "原因",
        "家庭人口",
        "姓名",
    ]
    assert list(shown.index) == [0, 1, 2, 3]
    assert shown["区县"].tolist() == ["黄浦区", "浦东新区", "黄浦区", "黄浦区"]
    # a missing street is blank (never "nan"), an unknown code stays a code
    assert shown["另一登记街道"].tolist() == ["", "潍坊新村街道", "999", ""]
    assert shown["对象类别"].tolist() == [
        "城镇低保家庭、特困人员",
        "特困人员",
        "城镇低保家庭、特困人员",
        "",
    ]
    assert shown["需要"].tolist() == ["医疗、结对帮扶", "医疗", "医疗", "医疗"]
    assert shown["原因"].tolist() == ["未登记", "类别不符", "未登记", "未登记"]
    assert shown["家庭人口"].tolist() == ["3", "", "1", "2"]
    assert shown["姓名"].tolist() == ["张*", "—", "李*", "王*"]
    assert sorted(set(calls)) == ["categories", "districts", "streets"]


def test_english_labels_and_separators(monkeypatch):
    monkeypatch.setattr(data, "names", lambda kind, lang: {"DBU": "Urban", "TKSY": "Destitute"})
    shown = worklist_panel.shown(pd.DataFrame({"categories": ["DBU;TKSY", "TKSY"]}), "en")
    assert shown.to_dict("list") == {"Categories": ["Urban, Destitute", "Destitute"]}


def test_a_names_column_is_as_wide_as_its_longest_name():
    names = ["黄浦区"] * 12 + ["浦东新区", "崇明县"]
    table = pd.DataFrame({"区县": names, "覆盖率": ["95.4%"] * 14})
    config = panels.names_fit(table)
    assert set(config) == {"区县"}
    assert config["区县"]["width"] == panels.text_width("浦东新区") > panels.text_width("黄浦区")
    assert panels.text_width("区") > panels.text_width("a")  # full width against half
    assert panels.names_fit(pd.DataFrame({"day": [1, 2]})) == {}  # figures keep the grid's own
    assert panels.names_fit(pd.DataFrame({"区县": []}, dtype=object)) == {}
