"""The year-over-year and data-quality pages in AppTest, in both languages, on the
two-campaign demo (tests/conftest.py demo_db)."""

from __future__ import annotations

import json

import pytest

from components import panels
from tests.test_pages import charts, run, table_with


@pytest.mark.parametrize(("locale", "lang"), [("en-US", "en"), ("zh-CN", "zh")])
def test_years_page(demo_db, locale, lang):
    at = run("years", locale=locale)
    title = {"en": "This campaign beside the last one", "zh": "与上次活动对比"}[lang]
    assert [x.value for x in at.title] == [title]
    district = {"en": "District", "zh": "区县"}[lang]
    table = table_with(at, district)
    assert len(table) == 19
    coverage = {"en": "Coverage", "zh": "覆盖率"}[lang]
    assert {f"{coverage} 2005", f"{coverage} 2004"} <= set(table.columns)
    # the names column as wide as its longest name (the grid measures its first rows only)
    grid = next(df for df in at.dataframe if district in df.value.columns)
    widths = {k: v.get("width") for k, v in json.loads(grid.proto.columns).items()}
    assert widths[district] == panels.text_width(max(table[district], key=panels.text_width))
    spec = charts(at)["years_pacing"]
    names = [trace["name"] for trace in spec["data"]]
    assert names[1:] == ["2004", "2005"]
    axis = {"en": "Days to the Spring Festival", "zh": "距春节天数"}[lang]
    assert spec["layout"]["xaxis"]["title"]["text"].startswith(axis)
    left_out = {"en": "Left out this year", "zh": "今年仍被遗漏"}[lang]
    assert any(left_out in s.value for s in at.subheader)


def test_years_page_indicators_and_street_rows(demo_db):
    at = run("years", query={"years_by": "street", "years_ind_by": "category"})
    street = table_with(at, "Street / town")
    assert len(street) > 100
    indicators = table_with(at, "Beneficiary incidence")
    assert "Exclusion error" in indicators.columns and "Category" in indicators.columns


@pytest.mark.parametrize(("locale", "lang"), [("en-US", "en"), ("zh-CN", "zh")])
def test_quality_page(demo_db, locale, lang):
    at = run("quality", locale=locale)
    title = {"en": "Data-quality scorecard by district", "zh": "数据质量评分（按区县）"}[lang]
    assert [x.value for x in at.title] == [title]
    assert len(at.metric) == 4
    completeness = {"en": "Completeness", "zh": "报送完整性"}[lang]
    table = table_with(at, completeness)
    assert len(table) == 19
    assert "33%" in at.caption[0].value and "3.5" in at.caption[0].value
    labels = [b.label for b in at.get("download_button")]
    assert labels  # the scorecard's CSV and Excel downloads


def test_quality_page_for_a_campaign_with_none_before(demo_db):
    at = run("years", query={"campaign": "2004"})
    assert at.info and "no earlier campaign" in at.info[0].value
