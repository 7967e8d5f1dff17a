"""Year over year, the left-out list, the data-quality scorecard and the standard
indicators on the two-campaign world of tests/fixtures_years.py (both backends); every
expected figure is counted by hand from that module's tables."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pytest

from tests import fixtures_years as fx
from warmth import indicators, quality, worklists, years
from warmth.scope import Filters, city_scope, district_scope


@pytest.fixture
def world(engine):
    with engine.begin() as conn:
        fx.build_years(conn)
    with engine.connect() as conn:
        yield conn, city_scope(conn)


def test_the_2004_campaign_is_reference_data_beside_2005(world):
    conn, _ = world
    this, before = years.pair(conn, Filters())
    assert (this["code"], before["code"]) == ("2005", "2004")
    assert before["window_start"] == date(2003, 11, 30)  # 53 days before the festival, as 2005
    assert before["window_end"] == before["lantern_festival"] == date(2004, 2, 5)
    assert (this["spring_festival"] - this["window_start"]).days == 53
    assert (before["spring_festival"] - before["window_start"]).days == 53
    assert years.aligned_day(date(2005, 1, 15), this, before) == date(2003, 12, 28)


def test_compare_by_district(world):
    conn, scope = world
    got = years.compare(conn, scope, Filters(), "district").set_index("key")
    a, b = got.loc[fx.A], got.loc[fx.B]
    assert (a["eligible"], a["eligible_prev"], a["eligible_change"]) == (4, 4, 0)
    assert (a["reached"], a["reached_prev"]) == (3, 3)
    assert (a["coverage"], a["coverage_prev"], a["coverage_change"]) == (0.75, 0.75, 0)
    assert (a["amount_yuan"], a["amount_yuan_prev"]) == (500, 500)
    assert (b["eligible"], b["eligible_prev"], b["eligible_change"]) == (3, 5, -2)
    assert (b["reached"], b["reached_prev"], b["reached_change"]) == (2, 5, -3)
    assert b["coverage_change"] == pytest.approx(2 / 3 - 1)
    assert (b["omitted"], b["omitted_prev"], b["omitted_change"]) == (1, 0, 1)
    assert (b["amount_yuan"], b["amount_yuan_prev"], b["amount_yuan_change"]) == (1200, 700, 500)
    assert list(got.columns[:2]) == ["name_zh", "name_en"]


def test_compare_by_street_category_department_and_city(world):
    conn, scope = world
    street = years.compare(conn, scope, Filters(), "street").set_index("key")
    assert (street.at[fx.A2, "reached"], street.at[fx.A2, "reached_prev"]) == (1, 1)
    assert (street.at[fx.B1, "eligible"], street.at[fx.B1, "eligible_prev"]) == (3, 5)
    cat = years.compare(conn, scope, Filters(), "category").set_index("key")
    assert (cat.at["DBU", "eligible"], cat.at["DBU", "eligible_prev"]) == (2, 2)
    assert (cat.at["DBU", "reached"], cat.at["DBU", "reached_prev"]) == (1, 2)
    assert (cat.at["LTX", "reached"], cat.at["LTX", "reached_prev"]) == (4, 6)
    dept = years.compare(conn, scope, Filters(), "department").set_index("key")
    assert (dept.at["LB", "reached"], dept.at["LB", "reached_prev"]) == (4, 6)
    assert (dept.at["MZ", "amount_yuan"], dept.at["MZ", "amount_yuan_prev"]) == (300, 600)
    city = years.compare(conn, scope, Filters(), "city").iloc[0]
    assert (city["eligible"], city["eligible_prev"], city["reached"], city["reached_prev"]) == (
        7,
        9,
        5,
        8,
    )


def test_compare_at_a_cut_off_counts_last_year_at_the_same_days_to_the_festival(world):
    conn, scope = world
    # 2005-01-15 is 25 days before the festival: 2004 counts up to 2003-12-28 (Q1 only)
    city = years.compare(conn, scope, Filters(as_of=date(2005, 1, 15)), "city").iloc[0]
    assert (city["reached"], city["reached_prev"]) == (2, 1)


def test_compare_with_a_named_campaign_and_none_before(world):
    conn, scope = world
    first = years.compare(conn, scope, Filters(campaign="2004"), "city").iloc[0]
    assert first["reached"] == 8 and math.isnan(first["reached_prev"])
    assert math.isnan(first["reached_change"])
    named = years.compare(conn, scope, Filters(), "city", previous="2004").iloc[0]
    assert named["reached_prev"] == 8


def test_pacing_is_aligned_by_days_to_the_festival(world):
    conn, scope = world
    pace = years.pacing_compare(conn, scope, Filters()).set_index("days_to_festival")
    assert list(pace.index[[0, -1]]) == [-53, 14]  # both windows: 53 days before, 14 after
    assert pace.at[-35, "share"] == pytest.approx(1 / 7) and pace.at[-35, "share_prev"] == 0
    assert pace.at[-33, "share_prev"] == pytest.approx(1 / 9)  # Q1 on 2003-12-20
    assert pace.at[-33, "day"] == date(2005, 1, 7)
    assert pace.at[-33, "day_prev"] == date(2003, 12, 20)
    assert pace.at[14, "share"] == pytest.approx(5 / 7)
    assert pace.at[14, "share_prev"] == pytest.approx(8 / 9)


def test_left_out_this_year(world):
    conn, scope = world
    page = worklists.left_out(conn, scope, Filters())
    assert page.total == 1
    assert page.rows["id_number"].tolist() == ["310101********004X"[:6] + "********0004"]
    assert page.rows["district_code"].tolist() == [fx.A]
    assert page.rows["name"].tolist() == ["测*"]  # masked
    # by 2005-01-15 only Q1 and Q2 are reached; of the others Q4, Q5, Q6 were reached in 2004
    early = worklists.left_out(conn, scope, Filters(as_of=date(2005, 1, 15)))
    assert early.total == 3
    assert years.left_out_count(conn, scope, Filters(as_of=date(2005, 1, 15))) == 3
    assert worklists.left_out(conn, district_scope(conn, fx.B), Filters()).total == 0
    plain = worklists.left_out(conn, scope, Filters(), unmask=True)
    assert plain.rows["id_number"].tolist() == ["310101********0004"]  # the scope may not unmask


def test_matched_rows_follow_the_id_number(world):
    conn, scope = world
    from tests.fixtures_small import campaign_id
    from warmth.snapshot import store

    now, then = (
        store.city(conn, campaign_id(conn, "2005")),
        store.city(conn, campaign_id(conn, "2004")),
    )
    got = years.matched_rows(conn, now, then)
    assert int((got >= 0).sum()) == 6  # Q1-Q6 in both years; Q7 new
    assert np.all(then.people.registered[got[got >= 0]])


def test_scorecard(world):
    conn, scope = world
    card = quality.scorecard(conn, scope, Filters()).set_index("key")
    a, b = card.loc[fx.A], card.loc[fx.B]
    # expected: a category of theirs registered there and they reported there in 2004
    assert (a["departments_expected"], a["departments_reported"], a["completeness"]) == (2, 2, 1)
    assert (b["departments_expected"], b["departments_reported"], b["completeness"]) == (2, 1, 0.5)
    assert (a["records"], a["late_records"], a["late_share"]) == (3, 1, pytest.approx(1 / 3))
    assert (b["records"], b["late_records"]) == (3, 0)
    assert (a["reached"], a["reached_prev"], a["consistency_change"]) == (3, 3, 0)
    assert not a["consistency_flag"]
    assert b["consistency_change"] == pytest.approx(2 / 5 - 1) and b["consistency_flag"]
    assert (a["outlier_records"], b["outlier_records"]) == (0, 1)
    assert b["outlier_share"] == pytest.approx(1 / 3)
    assert (a["unmatched_records"], b["unmatched_records"]) == (0, 1)
    assert list(card.columns) == quality.SCORECARD_COLUMNS[1:]
    assert quality.summary(card.reset_index()) == {
        "incomplete": 1,  # B: 1 of 2 departments
        "late_districts": 1,  # A
        "inconsistent": 1,  # B: −60 %
        "outliers": 1,
    }


def test_scorecard_of_one_district_and_of_the_first_campaign(world):
    conn, _ = world
    own = quality.scorecard(conn, district_scope(conn, fx.A), Filters())
    assert own["key"].tolist() == [fx.A]
    first = quality.scorecard(conn, city_scope(conn), Filters(campaign="2004")).set_index("key")
    assert math.isnan(first.at[fx.A, "consistency_change"])
    assert first.at[fx.A, "consistency_flag"] is None
    # no earlier campaign: expected are the departments with a category registered there
    assert first.at[fx.A, "departments_expected"] == 4  # MZ, SH (DBU); LB, YB (LTX)


@pytest.mark.parametrize(
    ("amounts", "centre", "expected"),
    [
        ([100, 100, 100, 1000, 100], 100, [0, 0, 0, 900 / (1.253314 * 180), 0]),  # MAD 0
        ([1, 2, 3, 4, 100], None, [0.6745 * 2, 0.6745, 0, 0.6745, 0.6745 * 97]),  # MAD 1
        ([300, 300], 300, [0, 0]),
    ],
)
def test_modified_z(amounts, centre, expected):
    assert quality.modified_z(np.array(amounts), centre) == pytest.approx(expected)


def test_indicators_by_district_and_city(world):
    conn, scope = world
    got = indicators.indicators(conn, scope, Filters(), "district").set_index("key")
    a, b = got.loc[fx.A], got.loc[fx.B]
    assert (a["beneficiary_incidence"], b["beneficiary_incidence"]) == (0.6, 0.4)
    assert (a["matched_amount_yuan"], b["matched_amount_yuan"]) == (500, 1100)
    assert (a["benefit_incidence"], b["benefit_incidence"]) == (500 / 1600, 1100 / 1600)
    assert a["average_aid_yuan"] == pytest.approx(500 / 3) and b["average_aid_yuan"] == 550
    assert (a["exclusion_error"], b["exclusion_error"]) == (0.25, pytest.approx(1 / 3))
    assert (a["inclusion_error"], b["inclusion_error"]) == (0, pytest.approx(1 / 3))
    city = indicators.indicators(conn, scope, Filters(), "city").iloc[0]
    assert (city["beneficiary_incidence"], city["benefit_incidence"]) == (1, 1)
    assert city["average_aid_yuan"] == 320
    assert city["exclusion_error"] == pytest.approx(2 / 7)
    assert city["inclusion_error"] == pytest.approx(1 / 6)


def test_indicators_by_category(world):
    conn, scope = world
    got = indicators.indicators(conn, scope, Filters(), "category").set_index("key")
    assert (got.at["DBU", "beneficiary_incidence"], got.at["LTX", "beneficiary_incidence"]) == (
        0.2,
        0.8,
    )
    assert got.at["DBU", "benefit_incidence"] == 300 / 1600
    assert got.at["LTX", "benefit_incidence"] == 1300 / 1600
    assert math.isnan(got.at["HQS", "exclusion_error"])  # nobody eligible: undefined
