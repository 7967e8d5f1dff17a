"""The slides' charts as figures (fig.data / fig.layout, not pixels): counts of 1 to 4
drawn at the height of 5, hatched and labelled "<5"; type, margins and markers grown with
the screen (layout.font.size per screen size); a district's map slide about its streets."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from warmth import figures
from warmth.briefing import deck
from warmth.briefing import facts as briefing_facts
from warmth.database import make_engine
from warmth.figures import charts, gaps, tiles
from warmth.figures.tiles import tile_map
from warmth.scope import Filters, city_scope, district_scope

COUNTS = [0, 1, 4, 5, 30]


def _counts() -> pd.DataFrame:
    keys = [f"31010{i}" for i in range(len(COUNTS))]
    return pd.DataFrame(
        {
            "key": keys,
            "name_zh": [f"区{i}" for i in range(len(COUNTS))],
            "name_en": [f"D{i}" for i in range(len(COUNTS))],
            "omitted": COUNTS,
            "leakage_beneficiaries": COUNTS[::-1],
        }
    )


def _by_key(trace, values) -> dict:
    return dict(zip(trace.x, values, strict=True))


def test_a_bar_of_one_to_four_is_drawn_at_five_hatched_and_labelled_under_five():
    fig = charts.measure_bar(
        _counts(), by="district", measure="omitted", title="t", lang="zh", small=True
    )
    bar = fig.data[0]
    heights = _by_key(bar, bar.y)
    assert [heights[f"31010{i}"] for i in range(5)] == [0, 5, 5, 5, 30]
    hatch = _by_key(bar, bar.marker.pattern.shape)
    assert [hatch[f"31010{i}"] for i in range(5)] == ["", "/", "/", "", ""]
    text = _by_key(bar, bar.text)
    assert [text[f"31010{i}"] for i in range(5)] == ["0", "<5", "<5", "5", "30"]
    assert not {1.0, 2.0, 3.0, 4.0} & set(bar.y)


def test_without_suppression_a_bar_is_its_count():
    fig = charts.measure_bar(_counts(), by="district", measure="omitted", title="t", lang="zh")
    assert sorted(fig.data[0].y) == sorted(float(v) for v in COUNTS)
    assert set(fig.data[0].marker.pattern.shape) == {""}


def test_omission_beside_leakage_hides_small_counts_in_both_bars():
    fig = gaps.leakage_omission_figure(_counts(), title="t", lang="en", small=True)
    for trace in fig.data:
        assert not {1.0, 2.0, 3.0, 4.0} & set(trace.y)
        for y, shape, text, hover in zip(
            trace.y, trace.marker.pattern.shape, trace.text, trace.hovertext, strict=True
        ):
            assert (shape == "/") == (text == "<5") == (hover == "<5")
            assert y == 5 or shape == ""


def test_a_day_of_one_to_four_on_the_timeline_is_hidden_and_its_legend_unhatched():
    days = [date(2005, 1, d) for d in (3, 4, 5)]
    frame = pd.DataFrame(
        {
            "key": ["MZ"] * 3 + ["LB"] * 3,
            "name_zh": ["民政局"] * 3 + ["劳动局"] * 3,
            "name_en": ["Civil Affairs"] * 3 + ["Labour"] * 3,
            "day": days * 2,
            "newly_reached": [2, 40, 0, 12, 13, 14],
        }
    )
    fig = charts.timeline_chart(frame, measure="newly_reached", title="t", lang="zh", small=True)
    drawn = [t for t in fig.data if t.x[0] is not None]
    mz = next(t for t in drawn if t.legendgroup == "MZ")
    assert list(mz.y) == [5, 40, 0]
    assert list(mz.marker.pattern.shape) == ["/", "", ""]
    assert [c[2] for c in mz.customdata] == ["<5", "40", "0"]
    legend = [t for t in fig.data if t.showlegend is not False]
    assert sorted(t.legendgroup for t in legend) == ["LB", "MZ"]
    assert all(not t.marker.pattern.shape for t in legend if t.legendgroup == "MZ")


@pytest.mark.parametrize(
    ("screen", "expected"), [((1280, 720), 1.0), ((1920, 1080), 1.5), ((3840, 2160), 3.0),
                             ((1024, 600), 1.0), ((3840, 1600), 2.2)],
)  # fmt: skip
def test_the_type_scale_follows_the_stylesheet(screen, expected):
    assert deck.type_scale(*screen) == expected


@pytest.fixture(scope="module")
def city_facts(demo_db):
    with make_engine(demo_db).connect() as conn:
        return briefing_facts.gather(conn, city_scope(conn), Filters())


@pytest.mark.parametrize("screen", [(1280, 720), (1920, 1080), (3840, 2160)])
def test_every_slide_chart_grows_with_the_screen(city_facts, screen):
    k = deck.type_scale(*screen)
    for slide in deck.SLIDES:
        for chart in deck.charts(slide, city_facts, "en"):
            base = figures.build(chart.name, chart.frame, **chart.options)
            grown = figures.build(chart.name, chart.frame, grow=k, **chart.options)
            if k == 1:  # as built: the figure is not copied
                assert grown.to_json() == base.to_json()
                continue
            size = base.layout.font.size or 12  # plotly's own when a figure sets none
            assert grown.layout.font.size == pytest.approx(size * k), (slide, chart.name)
            assert grown.layout.title.font.size == pytest.approx(base.layout.title.font.size * k)
            assert grown.layout.margin.t == pytest.approx(base.layout.margin.t * k)
            for a, b in zip(base.layout.annotations, grown.layout.annotations, strict=True):
                assert b.font.size == pytest.approx((a.font.size or size) * k)
            if chart.name == "tile_map":
                assert grown.data[0].marker.size == pytest.approx(base.data[0].marker.size * k)
                assert grown.data[0].textfont.size == pytest.approx(base.data[0].textfont.size * k)


def test_a_district_map_slide_shows_its_streets(demo_db):
    with make_engine(demo_db).connect() as conn:
        scope = district_scope(conn, "310101", user="test")
        found = briefing_facts.gather(conn, scope, Filters())
    charts_ = deck.charts("map", found, "zh")
    assert [c.name for c in charts_] == ["coverage_bar", "measure_bar"]
    assert all(c.options["by"] == "street" for c in charts_)
    assert charts_[1].options["measure"] == "omitted" and charts_[1].options["small"]
    streets = set(found.by_street["key"])
    for chart in charts_:
        fig = figures.build(chart.name, chart.frame, **chart.options)
        assert set(fig.data[0].x) == streets
    assert deck.heading("map", found, "zh") == "各街镇覆盖情况"
    (gaps_chart,) = deck.charts("gaps", found, "zh")  # omission beside leakage by street too
    assert set(gaps_chart.frame["key"]) == streets


def test_the_tiles_of_the_map_are_one_grid_step_apart_and_never_overlap(city_facts):
    fig = tile_map(city_facts.by_district, title="t", lang="zh", size=deck.TILE)
    tiles = fig.layout.shapes
    assert len(tiles) == len(city_facts.by_district) == len(fig.data[0].x)
    for a in tiles:
        assert a.x1 - a.x0 < 1 and a.y1 - a.y0 < 1 and a.xref == "x" and a.yref == "y"
    boxes = [(a.x0, a.x1, a.y0, a.y1) for a in tiles]
    for i, (ax0, ax1, ay0, ay1) in enumerate(boxes):
        for bx0, bx1, by0, by1 in boxes[i + 1 :]:
            assert ax1 <= bx0 or bx1 <= ax0 or ay1 <= by0 or by1 <= ay0
    assert [t.fillcolor for t in tiles] == list(fig.data[0].marker.color)


def test_the_briefing_draws_the_tile_map_tall_enough_for_tiles_of_the_slide_s_size(city_facts):
    """The briefing draws each chart at its figure's height: at the other charts' 430 px the
    tiles were 47 px, too small for their names at the slide's type ("Chongming" ran out of
    its tile). The map is drawn tall enough for tiles of deck.TILE px, within CHART_PX wide."""
    from warmth.briefing import pdf

    drawn = pdf.chart_figures(city_facts, "en")
    (fig,) = [f for f in drawn if f.data and getattr(f.data[0].marker, "symbol", None) == "square"]
    m = fig.layout.margin
    rows, cols = (abs(r[1] - r[0]) for r in (fig.layout.yaxis.range, fig.layout.xaxis.range))
    step = min((fig.layout.height - m.t - m.b) / rows, (pdf.CHART_PX - m.l - m.r) / cols)
    tile = step * (1 - tiles.TILE_GAP)
    assert deck.TILE - 1 <= tile <= deck.TILE + 1, tile
