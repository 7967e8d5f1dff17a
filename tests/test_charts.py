"""Figure builders on small hand-made frames: bar colours follow the coverage bands, bars are
sorted, undefined coverage is "—" and never 0 %, tiles sit where the tile map says, one
colour per department, festivals marked. Asserts on fig.data / fig.layout, not pixels."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from components import tables
from warmth import metrics
from warmth.figures import charts
from warmth.figures.tiles import tile_map

GREEN, AMBER, RED = (metrics.BAND_COLOURS[b] for b in ("green", "amber", "red"))


def coverage_frame() -> pd.DataFrame:
    rows = [
        # key, zh, en, eligible, reached, tile_row, tile_col
        ("310101", "黄浦区", "Huangpu District", 100, 50, 3, 3),  # 50 %: amber (edge)
        ("310103", "卢湾区", "Luwan District", 100, 80, 4, 3),  # 80 %: green (edge)
        ("310104", "徐汇区", "Xuhui District", 100, 49, 4, 2),  # 49 %: red
        ("310105", "长宁区", "Changning District", 0, 0, 3, 1),  # nobody eligible: undefined
        ("310230", "崇明县", "Chongming County", 200, 190, 0, 4),  # 95 %: green
    ]
    df = pd.DataFrame(
        rows, columns=["key", "name_zh", "name_en", "eligible", "reached", "tile_row", "tile_col"]
    )
    df["coverage"] = metrics.coverage_series(df["reached"], df["eligible"])
    df["omitted"] = df["eligible"] - df["reached"]
    for col in ("records", "repeat_beneficiaries", "repeat_records"):
        df[col] = df["reached"]
    df["amount_yuan"] = df["reached"] * 300.0
    df["overlap_beneficiaries"] = 1
    df["leakage_beneficiaries"] = 0
    return df


def test_coverage_bar_sorted_highest_first_undefined_last():
    fig = charts.coverage_bar(coverage_frame(), by="district", title="t", lang="zh")
    bar = fig.data[0]
    assert list(bar.x) == ["310230", "310103", "310101", "310104", "310105"]
    assert list(fig.layout.xaxis.ticktext) == ["崇明县", "卢湾区", "黄浦区", "徐汇区", "长宁区"]


def test_coverage_bar_colours_follow_bands():
    bar = charts.coverage_bar(coverage_frame(), by="district", title="t", lang="en").data[0]
    assert list(bar.marker.color) == [GREEN, GREEN, AMBER, RED, charts.NO_DATA]


def test_undefined_coverage_is_a_dash_never_zero_percent():
    bar = charts.coverage_bar(coverage_frame(), by="district", title="t", lang="en").data[0]
    assert list(bar.text) == ["95.0%", "80.0%", "50.0%", "49.0%", "—"]
    assert list(np.asarray(bar.y, dtype=float)) == [95.0, 80.0, 50.0, 49.0, 0.0]


def test_coverage_bar_points_carry_their_code_for_drilldown():
    bar = charts.coverage_bar(coverage_frame(), by="district", title="t", lang="en").data[0]
    assert [row[0] for row in bar.customdata] == list(bar.x)


def test_expected_pace_line():
    fig = charts.coverage_bar(coverage_frame(), by="district", title="t", lang="en", expected=0.7)
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(lines) == 1 and lines[0].y0 == pytest.approx(70.0)
    assert "70.0%" in fig.layout.annotations[0].text


def test_english_names_and_wrapping():
    fig = charts.coverage_bar(coverage_frame(), by="district", title="t", lang="en")
    assert fig.layout.xaxis.ticktext[0] == "Chongming<br>County"  # lines of TICK_LINE letters
    assert "<br>" in charts._tick_labels(["Labour and Social Security Bureau"], "en")[0]


@pytest.mark.parametrize(("streets", "size"), [(6, 12), (5, 14)])
def test_six_long_english_street_names_get_smaller_type_so_their_words_do_not_touch(streets, size):
    words = ["Xiaodongmen", "Bansongyuan", "Laoximen", "Yuyuan", "Nanjing Donglu", "Waitan"]
    df = coverage_frame().iloc[:1].loc[[0] * streets].reset_index(drop=True)
    df["key"] = [f"31010100{i}" for i in range(streets)]
    df["name_en"] = [f"{w} Subdistrict" for w in words[:streets]]
    fig = charts.measure_bar(df, by="street", measure="omitted", title="t", lang="en")
    assert fig.layout.xaxis.tickfont.size == size
    assert fig.layout.xaxis.tickangle == 0
    zh = charts.measure_bar(df, by="street", measure="omitted", title="t", lang="zh")
    assert zh.layout.xaxis.tickfont.size == 14


def test_series_are_named_in_the_language_never_by_a_code():
    """A trace's name is a label (hover and legend show it), not a code like "district"."""
    df = coverage_frame()
    for lang, district, amount in (
        ("zh", "区县", "发放金额（元）"),
        ("en", "District", "Amount (yuan)"),
    ):
        assert charts.coverage_bar(df, by="district", title="t", lang=lang).data[0].name == district
        assert tile_map(df, title="t", lang=lang).data[0].name == district
        bar = charts.measure_bar(df, by="district", measure="amount_yuan", title="t", lang=lang)
        assert bar.data[0].name == amount


def test_tile_map_positions_and_colours():
    df = coverage_frame()
    fig = tile_map(df, title="t", lang="zh")
    tiles = fig.data[0]
    assert tiles.marker.symbol == "square"
    assert list(tiles.x) == list(df["tile_col"]) and list(tiles.y) == list(df["tile_row"])
    assert list(tiles.marker.color) == [AMBER, GREEN, RED, charts.NO_DATA, GREEN]
    assert tiles.text[4].startswith("<b>崇明</b>")  # as maps write it; 崇明县 on hover
    assert tiles.customdata[4][1] == "崇明县"
    assert [row[0] for row in tiles.customdata] == list(df["key"])
    # row 0 is north: the y axis runs downwards, squares stay square
    assert fig.layout.yaxis.range[0] > fig.layout.yaxis.range[1]
    assert fig.layout.yaxis.scaleanchor == "x"


def department_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "key": ["MZ", "LB", "SH"],
            "name_zh": ["民政局", "劳动和社会保障局", "社会结对"],
            "name_en": ["Civil Affairs Bureau", "Labour and Social Security Bureau", "Pairing"],
            "records": [10, 30, 0],
            "amount_yuan": [3000.0, 3000.0, 0.0],
        }
    )


def test_measure_bar_one_colour_per_department_sorted():
    fig = charts.measure_bar(
        department_frame(), by="department", measure="records", title="t", lang="zh"
    )
    bar = fig.data[0]
    assert list(bar.x) == ["LB", "MZ", "SH"]
    assert list(bar.marker.color) == [
        charts.DEPARTMENT_COLOURS["LB"],
        charts.DEPARTMENT_COLOURS["MZ"],
        charts.DEPARTMENT_COLOURS["SH"],
    ]


def test_every_department_has_its_own_colour():
    assert len(set(charts.DEPARTMENT_COLOURS.values())) == len(charts.DEPARTMENT_COLOURS) == 11
    assert not set(charts.DEPARTMENT_COLOURS.values()) & set(metrics.BAND_COLOURS.values())


def test_timeline_stacks_departments_in_their_colours_and_marks_festivals():
    days = [date(2005, 1, 1), date(2005, 1, 2)]
    df = pd.DataFrame(
        {
            "day": days * 2,
            "key": ["MZ", "MZ", "LB", "LB"],
            "name_zh": ["民政局", "民政局", "劳动和社会保障局", "劳动和社会保障局"],
            "name_en": ["Civil Affairs Bureau"] * 2 + ["Labour and Social Security Bureau"] * 2,
            "records": [1, 2, 3, 4],
            "amount_yuan": [100.0, 200.0, 300.0, 400.0],
            "newly_reached": [1, 1, 2, 2],
        }
    )
    marks = {"元旦": date(2005, 1, 1), "春节": date(2005, 2, 9)}
    fig = charts.timeline_chart(
        df,
        measure="amount_yuan",
        title="t",
        lang="zh",
        window=(date(2004, 12, 18), date(2005, 2, 23)),
        marks=marks,
    )
    assert fig.layout.barmode == "stack"
    colours = {tr.name: tr.marker.color for tr in fig.data}
    assert colours == {
        "劳动和社会保障局": charts.DEPARTMENT_COLOURS["LB"],
        "民政局": charts.DEPARTMENT_COLOURS["MZ"],
    }
    assert {a.text for a in fig.layout.annotations} == {"元旦", "春节"}


def test_pacing_chart_reached_against_expected():
    df = pd.DataFrame(
        {
            "day": [date(2004, 12, 18), date(2005, 1, 25), date(2005, 2, 23)],
            "reached": [0, 40, 90],
            "eligible": [100, 100, 100],
            "share": [0.0, 0.4, 0.9],
            "expected": [0.0, 0.57, 1.0],
        }
    )
    fig = charts.pacing_chart(df, title="t", lang="en", marks={"Spring Festival": date(2005, 2, 9)})
    expected, reached = fig.data
    assert list(expected.y) == [0.0, 57.0, 100.0] and expected.line.dash == "dash"
    assert list(reached.y) == [0.0, 40.0, 90.0]
    assert fig.layout.shapes[0].x0 == date(2005, 2, 9)


def test_coverage_table_matches_chart_order_and_shows_dash():
    df = coverage_frame()
    table = tables.coverage_table(df, by="district", lang="en")
    fig = charts.coverage_bar(df, by="district", title="t", lang="en")
    assert list(table["Code"]) == list(fig.data[0].x)
    assert table["Coverage"].iloc[-1] == "—"
    assert list(table.columns[:4]) == ["District", "Code", "Eligible", "Reached"]


def test_department_table_keeps_every_department_and_marks_the_lead():
    table = tables.department_table(department_frame().assign(
        eligible=[10, 10, 10], reached=[5, 5, 0], coverage=[0.5, 0.5, 0.0], omitted=[5, 5, 10],
        repeat_beneficiaries=0, repeat_records=0,
    ), lang="zh", order=["MZ", "LB", "SH"])  # fmt: skip
    assert list(table["代码"]) == ["MZ", "LB", "SH"]
    assert table["部门"].iloc[0] == "民政局（牵头）"
    assert list(table["报送状态"]) == ["已报送", "已报送", "未报送"]


def test_values_on_many_bars_keep_one_size_inside_tall_bars_and_above_short_ones():
    """Plotly shrinks a value that does not fit its bar ("2,465,993" drawn at a third of
    "4,375"): with many bars the values stand upright at one size, never shrunk, inside a
    bar tall enough to hold them and above the others; a few short values stay level."""
    counts = [2_465_993, 415_847, 219_541, 97_911, 75_494, 68_136, 31_712, 4_375, 3]
    df = pd.DataFrame(
        {"key": [f"d{i}" for i in range(9)], "name_zh": [f"部门{i}" for i in range(9)]}
    ).assign(records=counts)
    bar = charts.measure_bar(
        df, by="department", measure="records", title="t", lang="zh", small=True
    ).data[0]
    assert bar.textangle == -90 and bar.constraintext == "none"
    assert bar.textfont.size == 13 and bar.insidetextfont.color == "white"
    assert bar.textposition == ("inside",) + ("outside",) * 8
    assert bar.text[-1] == "<5"
    few = coverage_frame().head(3)
    level = charts.coverage_bar(few, by="district", title="t", lang="en").data[0]
    assert level.textposition == "outside" and level.textangle is None


def test_markdown_table_right_aligns_numbers_with_separators_and_escapes_pipes():
    df = pd.DataFrame(
        {
            "District": ["黄浦区", "a|b<i>"],
            "Eligible": pd.array([1234567, None], dtype="Int64"),
            "Amount": [12.5, 3.0],
            "Coverage": ["83.4%", "—"],
        }
    )
    lines = tables.markdown_table(df).splitlines()
    assert lines == [
        "| District | Eligible | Amount | Coverage |",
        "|:---|---:|---:|:---|",
        "| 黄浦区 | 1,234,567 | 12.50 | 83.4% |",
        "| a\\|b&lt;i&gt; | — | 3 | — |",
    ]
