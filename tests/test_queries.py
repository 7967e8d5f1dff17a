"""Queries against the hand-made campaign of tests/fixtures_small.py, whose figures are
written out below by hand (see the table in that module's docstring). SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest

from tests import fixtures_small as fx
from warmth import queries, versions
from warmth.scope import Filters, Scope, city_scope, district_scope

A, B, A1, A2, B1 = fx.A, fx.B, fx.A1, fx.A2, fx.B1
# Every count and sum of a coverage row (coverage itself is their ratio).
FIG = [c for c in queries.COVERAGE_COLUMNS[3:] if c != "coverage"]


@pytest.fixture
def small(engine):
    with engine.begin() as conn:
        fx.build_small(conn)
        versions.bump(conn)
    with engine.connect() as conn:
        yield conn


def figures(frame: pd.DataFrame, key: str) -> tuple:
    row = frame.set_index("key").loc[key]
    return tuple(row[c].item() if hasattr(row[c], "item") else row[c] for c in FIG)


def cov(frame: pd.DataFrame, key: str) -> float:
    return float(frame.set_index("key").loc[key, "coverage"])


# eligible, reached, omitted, records, yuan, repeat ben, repeat rec, overlap, leakage
CITY = (6, 4, 2, 10, 3300.0, 1, 1, 2, 3)
DISTRICT_A = (4, 2, 2, 7, 2400.0, 1, 1, 2, 2)  # P5's leak delivered by A counts in A
DISTRICT_B = (2, 2, 0, 3, 900.0, 0, 0, 0, 1)  # P5's LB01 (delivered by A) matches: B


def test_city_and_districts(small):
    scope = city_scope(small)
    city = queries.coverage(small, scope, Filters(), "city")
    assert list(city.columns) == queries.COVERAGE_COLUMNS
    assert figures(city, "city") == CITY
    assert cov(city, "city") == pytest.approx(4 / 6)
    by_d = queries.coverage(small, scope, Filters(), "district")
    assert list(by_d.columns) == [*queries.COVERAGE_COLUMNS, "tile_row", "tile_col"]
    assert len(by_d) == 19 and list(by_d["key"]) == sorted(by_d["key"])
    assert figures(by_d, A) == DISTRICT_A
    assert figures(by_d, B) == DISTRICT_B
    assert cov(by_d, A) == 0.5 and cov(by_d, B) == 1.0
    # a district with nobody registered: coverage undefined, never 0
    assert figures(by_d, "310105") == (0,) * 4 + (0.0,) + (0,) * 4
    assert math.isnan(cov(by_d, "310105"))


def test_streets_add_up_to_their_district_for_people(small):
    by_s = queries.coverage(small, city_scope(small), Filters(), "street")
    assert set(by_s.columns) >= {"district_code"}
    assert len(by_s) == 213
    assert figures(by_s, A1) == (2, 2, 0, 5, 1500.0, 1, 1, 2, 0)
    assert figures(by_s, A2) == (2, 0, 2, 1, 500.0, 0, 0, 0, 1)  # P3's JY01 delivered by A
    # U1's record and P5's leak belong to a district but to no street
    assert figures(by_s, B1) == (2, 2, 0, 2, 600.0, 0, 0, 0, 0)
    assert by_s.set_index("key").loc[B1, "district_code"] == B


def test_by_category(small):
    t = queries.coverage(small, city_scope(small), Filters(), "category")
    assert len(t) == 16 and "unit" in t.columns
    assert t.set_index("key").loc["DBU", "unit"] == "household"
    # P1 is in DBU and CJR: counted under both
    assert figures(t, "DBU") == (1, 1, 0, 2, 600.0, 1, 1, 0, 1)  # U1's MZ01 serves DBU
    assert figures(t, "CJR") == (1, 1, 0, 1, 200.0, 0, 0, 0, 0)
    assert figures(t, "YLJZ") == (1, 1, 0, 2, 700.0, 0, 0, 1, 0)
    assert figures(t, "LTX") == (2, 1, 1, 1, 100.0, 0, 0, 0, 0)
    assert figures(t, "PKXS") == (1, 1, 0, 1, 500.0, 0, 0, 0, 1)  # P3 got JY01
    assert figures(t, "TKZG") == (0, 0, 0, 0, 0.0, 0, 0, 0, 1)  # P5 got GH02
    assert math.isnan(cov(t, "TKZG"))


def test_by_programme(small):
    t = queries.coverage(small, city_scope(small), Filters(), "programme")
    assert len(t) == 24 and t.set_index("key").loc["MZ01", "department_code"] == "MZ"
    assert figures(t, "MZ01") == (1, 1, 0, 3, 900.0, 1, 1, 1, 1)  # the same programme twice
    assert figures(t, "CL01") == (1, 1, 0, 1, 200.0, 0, 0, 1, 0)
    assert figures(t, "YB02") == (3, 0, 3, 0, 0.0, 0, 0, 0, 0)
    assert figures(t, "JY01") == (1, 1, 0, 2, 1000.0, 0, 0, 0, 1)
    assert figures(t, "GH02") == (0, 0, 0, 1, 400.0, 0, 0, 0, 1)


def test_by_department_lists_all_eleven(small):
    t = queries.coverage(small, city_scope(small), Filters(), "department")
    assert list(t["key"]) == sorted(
        ["MZ", "LB", "YB", "JY", "GH", "TW", "FL", "CL", "HS", "CS", "SH"]
    )
    # two departments (MZ, YB) meeting the same need (medical) for P2; MZ+CL for P1
    assert figures(t, "MZ") == (2, 2, 0, 4, 1400.0, 1, 1, 2, 1)
    assert figures(t, "YB") == (3, 1, 2, 1, 200.0, 0, 0, 1, 0)
    assert figures(t, "TW") == (1, 0, 1, 0, 0.0, 0, 0, 0, 0)
    assert cov(t, "TW") == 0.0
    assert figures(t, "HS") == (0,) * 4 + (0.0,) + (0,) * 4


def test_as_of_cuts_records_off(small):
    f = Filters(as_of=date(2005, 1, 31))
    t = queries.coverage(small, city_scope(small), f, "district")
    assert figures(t, A) == (4, 2, 2, 7, 2400.0, 1, 1, 2, 2)
    # P5's LB01 (02-01) and P6's JY01 (02-15) come later: B has reached nobody yet
    assert figures(t, B) == (2, 0, 2, 1, 300.0, 0, 0, 0, 1)
    assert cov(t, B) == 0.0
    city = queries.coverage(small, city_scope(small), f, "city")
    assert figures(city, "city") == (6, 2, 4, 8, 2700.0, 1, 1, 2, 3)
    early = queries.coverage(small, city_scope(small), Filters(as_of=date(2005, 1, 4)), "category")
    assert figures(early, "DBU") == (1, 1, 0, 1, 300.0, 0, 0, 0, 0)
    assert figures(early, "YLJZ") == (1, 1, 0, 1, 500.0, 0, 0, 0, 0)  # YB01 not yet: no overlap


def test_as_of_with_a_filter_takes_the_exact_path(small):
    f = Filters(as_of=date(2005, 1, 31), departments=("MZ", "YB"))
    t = queries.coverage(small, city_scope(small), f, "department")
    assert list(t["key"]) == ["MZ", "YB"]
    assert figures(t, "MZ") == (2, 2, 0, 4, 1400.0, 1, 1, 2, 1)
    assert figures(t, "YB") == (3, 1, 2, 1, 200.0, 0, 0, 1, 0)


FILTERED = [
    # a category: people in it, reached only by programmes serving it
    (Filters(categories=("DBU",)), (1, 1, 0, 2, 600.0, 1, 1, 0, 1)),
    (Filters(categories=("LTX", "TKSY")), (3, 1, 2, 1, 100.0, 0, 0, 0, 0)),
    # departments: eligible = people those departments serve
    (Filters(departments=("MZ",)), (2, 2, 0, 4, 1400.0, 1, 1, 2, 1)),
    (Filters(programmes=("JY01",)), (1, 1, 0, 2, 1000.0, 0, 0, 0, 1)),
    # forms touch records only: YB01 is the one 'medical' record; people are unchanged
    (Filters(forms=("medical",)), (6, 4, 2, 1, 200.0, 1, 0, 2, 3)),
    (Filters(forms=("cash",), as_of=date(2005, 1, 31)), (6, 2, 4, 7, 2500.0, 1, 1, 2, 3)),
    (Filters(streets=(A1,)), (2, 2, 0, 5, 1500.0, 1, 1, 2, 0)),
    (Filters(districts=(B,)), DISTRICT_B),
]


def test_filters(small):
    for filters, expected in FILTERED:
        t = queries.coverage(small, city_scope(small), filters, "city")
        assert figures(t, "city") == expected, filters


def test_empty_scope_sees_nothing(small):
    nobody = Scope()
    for by in queries.BYS:
        t = queries.coverage(small, nobody, Filters(), by)
        assert t.empty
        assert list(t.columns) == queries.COVERAGE_COLUMNS + queries.EXTRA_COLUMNS[by]
    assert queries.pacing(small, nobody, Filters()).empty
    assert queries.timeline(small, nobody, Filters()).empty
    assert queries.overlap_matrix(small, nobody, Filters()).empty
    assert queries.reporting_status(small, nobody, Filters()).empty
    assert queries.headline(small, nobody, Filters())["eligible"] == 0


def test_a_district_never_sees_another_district(small):
    scope = district_scope(small, A)
    t = queries.coverage(small, scope, Filters(), "district")
    assert list(t["key"]) == [A]
    assert figures(t, A) == DISTRICT_A
    assert queries.coverage(small, scope, Filters(districts=(B,)), "district").empty
    assert queries.coverage(small, scope, Filters(districts=(B,)), "city").empty
    streets = queries.coverage(small, scope, Filters(streets=(B1,)), "street")
    assert streets.empty or set(streets["district_code"]) == {A}
    assert B1 not in set(streets["key"])
    assert figures(queries.coverage(small, scope, Filters(), "city"), "city") == DISTRICT_A
    status = queries.reporting_status(small, scope, Filters(districts=(A, B)))
    assert set(status["district_code"]) == {A}
    timeline = queries.timeline(small, scope, Filters(), by="district")
    assert set(timeline["key"]) == {A}


EVIL = ["' OR 1=1--", "%", "*", "310101' --", ""]


def test_filter_values_are_literal(small):
    scope = city_scope(small)
    for evil in EVIL:
        for field in ("districts", "streets", "categories", "departments", "programmes"):
            t = queries.coverage(small, scope, Filters(**{field: (evil,)}), "city")
            assert t.empty or figures(t, "city")[:5] == (0, 0, 0, 0, 0.0), (field, evil)
            for by in ("district", "street"):
                t = queries.coverage(small, scope, Filters(**{field: (evil,)}), by)
                assert t.empty or t["reached"].sum() + t["records"].sum() == 0, (field, evil)
        t = queries.coverage(small, scope, Filters(forms=(evil,)), "city")
        got = figures(t, "city")
        assert (got[1], got[3], got[4]) == (4, 0, 0.0)  # forms touch records, not people
        if evil:  # an empty campaign code means "the newest"
            assert queries.coverage(small, scope, Filters(campaign=evil), "district").empty


def test_headline_and_pacing(small):
    scope = city_scope(small)
    h = queries.headline(small, scope, Filters(as_of=date(2005, 1, 25)))
    assert (h["eligible"], h["reached"]) == (6, 2)
    assert h["as_of"] == date(2005, 1, 25)
    assert h["days_to_spring_festival"] == 15
    assert h["expected_share"] == pytest.approx(38 / 53)  # README: "70 % of the window gone"
    assert h["pacing_status"] == "behind"  # 33 % < 72 % − 10
    p = queries.pacing(small, scope, Filters())
    assert list(p.columns) == queries.PACING_COLUMNS
    assert p["day"].iloc[0] == date(2004, 12, 18) and p["day"].iloc[-1] == date(2005, 2, 23)
    got = dict(zip(p["day"], p["reached"], strict=True))
    assert got[date(2004, 12, 19)] == 0
    assert got[date(2004, 12, 20)] == 1  # P1
    assert got[date(2004, 12, 25)] == 2  # P2
    assert got[date(2005, 2, 1)] == 3  # P5
    assert got[date(2005, 2, 23)] == 4  # P6 on 02-15
    assert (p["eligible"] == 6).all()
    # a single category, from the per-day summary; two, from the base tables
    p_dbu = queries.pacing(small, scope, Filters(categories=("LTX",)))
    assert p_dbu["reached"].iloc[-1] == 1 and p_dbu["eligible"].iloc[0] == 2
    p_two = queries.pacing(small, scope, Filters(categories=("LTX", "PKXS")))
    assert p_two["reached"].iloc[-1] == 2 and p_two["eligible"].iloc[0] == 3


def test_timeline(small):
    scope = city_scope(small)
    t = queries.timeline(small, scope, Filters(), by="department")
    assert list(t.columns) == queries.TIMELINE_COLUMNS
    assert t["records"].sum() == 10 and t["amount_yuan"].sum() == 3300.0
    mz = t.loc[t["key"] == "MZ"]
    assert list(mz["day"]) == [
        date(2004, 12, 20),
        date(2004, 12, 25),
        date(2005, 1, 5),
        date(2005, 1, 8),
    ]
    assert mz["newly_reached"].sum() == 2
    d = queries.timeline(small, scope, Filters(), by="district")
    assert d.groupby("key")["records"].sum().to_dict() == {A: 7, B: 3}
    assert d.groupby("key")["newly_reached"].sum().to_dict() == {A: 2, B: 2}
    # the exact path (two programmes) gives the same kind of frame
    two = queries.timeline(small, scope, Filters(programmes=("MZ01", "YB01")), by="department")
    assert two.groupby("key")["records"].sum().to_dict() == {"MZ": 3, "YB": 1}


def test_overlap_matrix_and_reporting(small):
    scope = city_scope(small)
    m = queries.overlap_matrix(small, scope, Filters())
    assert m.to_dict("records") == [
        {"dept_a": "CL", "dept_b": "MZ", "need": "holiday_living", "beneficiaries": 1},
        {"dept_a": "MZ", "dept_b": "YB", "need": "medical", "beneficiaries": 1},
    ]
    r = queries.reporting_status(small, scope, Filters())
    assert len(r) == 19 * 11
    row = r.set_index(["district_code", "department_code"]).loc[(B, "MZ")]
    assert (row["records"], row["amount_yuan"], row["last_date"], row["on_time"]) == (
        1,
        300.0,
        date(2005, 1, 8),
        True,
    )
    assert not r.set_index(["district_code", "department_code"]).loc[(B, "HS"), "on_time"]


def test_reference_and_campaigns(small):
    c = queries.campaigns(small)
    assert list(c.columns) == queries.CAMPAIGN_COLUMNS and list(c["code"]) == ["2004", "2005"]
    progs = queries.reference(small, "programmes")
    assert progs.set_index("code").loc["CS01", "categories"] == "DBR;TKJT"
    assert len(queries.reference(small, "departments")) == 11
    assert len(queries.reference(small, "streets")) == 213
    with pytest.raises(ValueError):
        queries.reference(small, "users")


def test_a_scope_of_one_department_counts_only_its_programmes(small):
    city = city_scope(small)
    mz_only = Scope(city.districts, frozenset({"MZ"}), role="city")
    t = queries.coverage(small, mz_only, Filters(), "department")
    assert list(t["key"]) == ["MZ"]
    assert figures(t, "MZ") == (2, 2, 0, 4, 1400.0, 1, 1, 2, 1)
    city_row = queries.coverage(small, mz_only, Filters(), "city")
    assert figures(city_row, "city") == (2, 2, 0, 4, 1400.0, 1, 1, 2, 1)
    # asking for another department widens nothing
    assert queries.coverage(small, mz_only, Filters(departments=("YB",)), "department").empty
    late = queries.coverage(small, mz_only, Filters(as_of=date(2004, 12, 31)), "city")
    assert figures(late, "city") == (2, 2, 0, 2, 800.0, 0, 0, 0, 0)


def test_a_scope_without_departments_gets_frames_not_errors(small):
    none = Scope(city_scope(small).districts, frozenset(), role="city")
    for by in queries.BYS:
        t = queries.coverage(small, none, Filters(), by)
        assert list(t.columns) == queries.COVERAGE_COLUMNS + queries.EXTRA_COLUMNS[by]
        assert t.empty or (t["reached"].sum(), t["records"].sum()) == (0, 0)
    assert queries.timeline(small, none, Filters()).empty
    assert queries.reporting_status(small, none, Filters()).empty
    assert queries.pacing(small, none, Filters())["reached"].max() == 0
    assert queries.overlap_matrix(small, none, Filters()).empty
    assert queries.headline(small, none, Filters(as_of=date(2005, 1, 31)))["reached"] == 0
