"""Figure builders of the gaps and reporting pages on small hand-made frames: one overlap
square per department pair (both halves) with its count and the pair in customdata, the
reporting status coloured on time / late / none, leakage against omission as two bars per
district, and column labels that leave the title its own band. Asserts on fig.data /
fig.layout, not pixels."""

from __future__ import annotations

import pandas as pd
import pytest

from warmth.figures import gaps as gap_charts

DEPTS = {"MZ": "民政局", "LB": "劳动和社会保障局", "YB": "医疗保险局", "JY": "教育委员会"}
DEPTS_EN = {
    "MZ": "Civil Affairs Bureau",
    "LB": "Labour and Social Security Bureau",
    "YB": "Medical Insurance Bureau",
    "JY": "Education Commission",
}
DISTRICTS = {"310101": "黄浦区", "310104": "徐汇区"}


def overlap_matrix() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("MZ", "LB", "food", 30),
            ("MZ", "LB", "medical", 12),  # the same pair for another need: summed
            ("MZ", "YB", "medical", 5),
            ("LB", "YB", "cash", 0),  # nobody: no square
        ],
        columns=["dept_a", "dept_b", "need", "beneficiaries"],
    )


def cells(fig) -> dict[tuple[str, str], str]:
    trace = fig.data[0]
    return {
        (str(a), str(b)): text for (a, b), text in zip(trace.customdata, trace.text, strict=True)
    }


def test_overlap_one_square_per_department_pair_both_halves_with_counts():
    fig = gap_charts.overlap_figure(
        overlap_matrix(), order=list(DEPTS), names=DEPTS, title="矩阵", lang="zh"
    )
    assert len(fig.data) == 1
    trace = fig.data[0]
    assert trace.type == "scatter" and trace.marker.symbol == "square"
    assert cells(fig) == {
        ("MZ", "LB"): "42",
        ("LB", "MZ"): "42",
        ("MZ", "YB"): "5",
        ("YB", "MZ"): "5",
    }
    # a square sits at (column = dept_b, row = dept_a): what a click reads back
    assert [(y, x) for x, y in zip(trace.x, trace.y, strict=True)] == [
        tuple(c) for c in trace.customdata
    ]
    assert [int(c) for c in trace.marker.color] == [int(t) for t in trace.text]
    size = dict(zip(trace.text, trace.marker.size, strict=True))
    assert size["42"] > size["5"]  # more people, a bigger square


def test_overlap_axes_list_only_departments_with_squares_in_the_given_order():
    fig = gap_charts.overlap_figure(
        overlap_matrix(), order=list(DEPTS), names=DEPTS, title="矩阵", lang="zh"
    )
    assert list(fig.layout.xaxis.categoryarray) == ["MZ", "LB", "YB"]  # JY helps nobody twice
    assert list(fig.layout.xaxis.ticktext) == ["民政局", "劳动和社会保障局", "医疗保险局"]
    assert list(fig.layout.yaxis.ticktext) == ["民政局", "劳动和社会保障局", "医疗保险局"]
    assert fig.layout.xaxis.side == "top"
    assert fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.clickmode == "event+select"
    trace = fig.data[0]
    assert trace.hovertext[0] == "劳动和社会保障局 × 民政局"
    assert "%{hovertext}" in trace.hovertemplate


def test_overlap_hover_names_both_departments_in_english():
    fig = gap_charts.overlap_figure(
        overlap_matrix(), order=list(DEPTS_EN), names=DEPTS_EN, title="t", lang="en"
    )
    assert "Labour and Social Security Bureau × Civil Affairs Bureau" in fig.data[0].hovertext
    assert fig.data[0].marker.colorbar.title.text == "People"


def status_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("310101", "MZ", 12, True),
            ("310101", "LB", 3, False),
            ("310104", "MZ", 0, True),  # no records: none, whatever the deadline says
            ("310104", "LB", 1200, True),
        ],
        columns=["district_code", "department_code", "records", "on_time"],
    )


def test_status_colours_on_time_late_and_none():
    fig = gap_charts.status_figure(
        status_frame(), districts=DISTRICTS, departments=DEPTS, title="报送", lang="en"
    )
    by_name = {trace.name: trace for trace in fig.data}
    assert list(by_name) == ["on time", "late", "none"]
    colours = gap_charts.STATUS_COLOURS
    assert by_name["on time"].marker.color == colours["on_time"]
    assert by_name["late"].marker.color == colours["late"]
    assert by_name["none"].marker.color == colours["none"]

    def squares(trace):
        return sorted((str(a), str(b)) for a, b in trace.customdata)

    assert squares(by_name["on time"]) == [("310101", "MZ"), ("310104", "LB")]
    assert squares(by_name["late"]) == [("310101", "LB")]
    assert squares(by_name["none"]) == [("310104", "MZ")]
    assert list(by_name["none"].text) == [""]
    assert sorted(by_name["on time"].text) == ["1,200", "12"]


def test_status_rows_and_columns_follow_the_reference_order():
    fig = gap_charts.status_figure(
        status_frame(), districts=DISTRICTS, departments=DEPTS, title="报送", lang="zh"
    )
    assert list(fig.layout.xaxis.categoryarray) == ["MZ", "LB"]
    assert list(fig.layout.xaxis.ticktext) == ["民政局", "劳动和社会保障局"]
    assert list(fig.layout.yaxis.categoryarray) == ["310101", "310104"]
    assert list(fig.layout.yaxis.ticktext) == ["黄浦区", "徐汇区"]
    assert [t.name for t in fig.data] == ["按时", "逾期", "未报送"]


@pytest.mark.parametrize("lang, names", [("zh", DEPTS), ("en", DEPTS_EN)])
def test_matrix_column_labels_leave_the_title_its_own_band(lang, names):
    """Columns on top, labels horizontal lines of a few words, and a top margin that holds
    the title above the tallest label: what stopped the rotated labels running into it."""
    fig = gap_charts.status_figure(
        status_frame(), districts=DISTRICTS, departments=names, title="Reporting", lang=lang
    )
    ticks = list(fig.layout.xaxis.ticktext)
    lines = max(t.count("<br>") + 1 for t in ticks)
    longest = max(len(part) for t in ticks for part in t.split("<br>"))
    assert longest <= gap_charts.LINE_CHARS[lang] or " " not in "".join(ticks)
    assert fig.layout.xaxis.side == "top"
    assert fig.layout.xaxis.tickangle is None  # upright unless the browser runs out of room
    title = fig.layout.title
    assert title.text == "Reporting"
    assert (title.yref, title.y, title.yanchor) == ("container", 1, "top")
    room_for_title = fig.layout.margin.t - gap_charts.LINE_PX * lines
    assert room_for_title >= gap_charts.TITLE_PAD + gap_charts.TITLE_PX
    assert fig.layout.legend.yanchor == "top" and fig.layout.legend.y == 0  # under the squares


def test_column_label_wraps_english_at_words_and_long_chinese_in_halves():
    assert gap_charts.column_label("Labour and Social Security Bureau", "en") == (
        "Labour and<br>Social<br>Security<br>Bureau"
    )
    assert gap_charts.column_label("Red Cross Society", "en") == "Red Cross<br>Society"
    assert gap_charts.column_label("民政局", "zh") == "民政局"
    assert gap_charts.column_label("一二三四五六七八九十", "zh") == "一二三四五<br>六七八九十"


def test_overlap_top_margin_grows_with_the_labels():
    zh = gap_charts.overlap_figure(
        overlap_matrix(), order=list(DEPTS), names=DEPTS, title="t", lang="zh"
    )
    en = gap_charts.overlap_figure(
        overlap_matrix(), order=list(DEPTS_EN), names=DEPTS_EN, title="t", lang="en"
    )
    assert en.layout.margin.t > zh.layout.margin.t
    assert en.layout.height > zh.layout.height


def leakage_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("310101", "黄浦区", "Huangpu District", 10, 2),
            ("310104", "徐汇区", "Xuhui District", 40, None),
            ("310105", "长宁区", "Changning District", 25, 7),
        ],
        columns=["key", "name_zh", "name_en", "omitted", "leakage_beneficiaries"],
    )


def test_leakage_omission_two_bars_per_district_most_omitted_first():
    fig = gap_charts.leakage_omission_figure(leakage_frame(), title="漏与错", lang="zh")
    assert [t.type for t in fig.data] == ["bar", "bar"]
    omitted, leakage = fig.data
    assert list(omitted.x) == ["徐汇区", "长宁区", "黄浦区"]
    assert list(omitted.y) == [40, 25, 10]
    assert list(leakage.x) == list(omitted.x)
    assert list(leakage.y) == [0, 7, 2]  # none counted is drawn as 0
    assert list(omitted.customdata) == ["310104", "310105", "310101"]
    assert fig.layout.barmode == "group"
    assert omitted.marker.color != leakage.marker.color
    assert fig.layout.title.text == "漏与错"


def test_leakage_omission_names_in_english():
    fig = gap_charts.leakage_omission_figure(leakage_frame(), title="t", lang="en")
    assert list(fig.data[0].x) == ["Xuhui District", "Changning District", "Huangpu District"]
