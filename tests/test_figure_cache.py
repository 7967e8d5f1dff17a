"""Charts and shown tables are built once per content: an equal answer (another copy of it, as
st.cache_data hands out) finds the same object, any change of a value or a type finds a new
one, so a cached chart or table is never another answer's."""

from __future__ import annotations

import pandas as pd

from components import figures


def _answer() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": ["310101", "310104"],
            "name_zh": ["黄浦区", "徐汇区"],
            "name_en": ["Huangpu", "Xuhui"],
            "eligible": [10, 20],
            "reached": [5, 20],
            "coverage": [0.5, 1.0],
            "omitted": [5, 0],
        }
    )


def test_equal_content_has_one_key_and_a_change_another():
    first, copy = _answer(), _answer().copy(deep=True)
    assert figures.content_key(first) == figures.content_key(copy)
    changed = _answer()
    changed.loc[1, "reached"] = 19
    assert figures.content_key(changed) != figures.content_key(first)
    retyped = _answer().astype({"eligible": "float64"})
    assert figures.content_key(retyped) != figures.content_key(first)
    renamed = _answer().rename(columns={"reached": "omitted"})
    assert figures.content_key(renamed) != figures.content_key(first)


def test_a_shown_table_is_built_once_per_content():
    one = figures.table("coverage_table", _answer(), by="district", lang="zh")
    again = figures.table("coverage_table", _answer().copy(deep=True), by="district", lang="zh")
    assert again is one
    assert list(one.iloc[:, 0]) == ["徐汇区", "黄浦区"]  # highest coverage first
    english = figures.table("coverage_table", _answer(), by="district", lang="en")
    assert english is not one and list(english.iloc[:, 0]) == ["Xuhui", "Huangpu"]
    changed = _answer()
    changed.loc[0, "reached"] = 10  # 黄浦 now at 100 % too
    other = figures.table("coverage_table", changed, by="district", lang="zh")
    assert other is not one
    assert list(other.iloc[:, 0]) == ["徐汇区", "黄浦区"] and "100.0%" in other.to_string()


def test_a_chart_is_built_once_per_content():
    fig = figures.figure("coverage_bar", _answer(), by="district", title="t", lang="zh")
    assert figures.figure("coverage_bar", _answer(), by="district", title="t", lang="zh") is fig
    changed = _answer()
    changed.loc[0, "coverage"] = 0.9
    other = figures.figure("coverage_bar", changed, by="district", title="t", lang="zh")
    assert other is not fig
    shown = lambda f: sorted(v for trace in f.data for v in trace.y if v is not None)  # noqa: E731
    assert shown(fig) == [50.0, 100.0] and shown(other) == [90.0, 100.0]  # per cent
