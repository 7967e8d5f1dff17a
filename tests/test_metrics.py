"""The metric definitions: pure functions and the registry, no database."""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd
import pytest

from warmth import metrics, queries
from warmth.metrics import Catalogue, Slice


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1.0, "green"),
        (0.80, "green"),
        (0.7999, "amber"),
        (0.50, "amber"),
        (0.4999, "red"),
        (0.0, "red"),
        (None, None),
        (float("nan"), None),
    ],
)
def test_band(value, expected):
    assert metrics.band(value) == expected
    assert expected in metrics.BAND_COLOURS


@pytest.mark.parametrize(
    ("reached", "eligible", "expected"),
    [(3, 4, 0.75), (0, 4, 0.0), (0, 0, None), (5, 0, None)],
)
def test_coverage_is_undefined_not_zero_without_eligible(reached, eligible, expected):
    assert metrics.coverage(reached, eligible) == expected


def test_coverage_series_gives_nan_for_zero_eligible():
    got = metrics.coverage_series(pd.Series([1, 0, 0]), pd.Series([2, 0, 5]))
    assert got[0] == 0.5 and math.isnan(got[1]) and got[2] == 0.0


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2004, 12, 18), 0.0),
        (date(2005, 1, 25), 38 / 53),
        (date(2005, 2, 9), 1.0),
        (date(2005, 2, 20), 1.0),
        (date(2004, 12, 1), 0.0),
    ],
)
def test_expected_share(day, expected):
    assert metrics.expected_share(day, date(2004, 12, 18), date(2005, 2, 9)) == pytest.approx(
        expected
    )


@pytest.mark.parametrize(
    ("cov", "expected", "status"),
    [
        (0.40, 0.70, "behind"),
        (0.61, 0.70, "on_track"),
        (0.5999, 0.70, "behind"),
        (0.90, 0.70, "on_track"),
        (None, 0.70, None),
        (float("nan"), 0.5, None),
    ],
)
def test_pacing_status(cov, expected, status):
    assert metrics.pacing_status(cov, expected) == status


def test_every_metric_column_has_a_definition():
    not_metrics = {"key", "name_zh", "name_en"}
    for column in queries.COVERAGE_COLUMNS:
        if column not in not_metrics:
            assert column in metrics.DEFINITIONS, f"{column} has no DEFINITIONS entry"
    for column in ("records", "amount_yuan", "newly_reached"):
        assert column in queries.TIMELINE_COLUMNS
    assert "pacing" in metrics.DEFINITIONS


def test_definitions_are_complete():
    for key, d in metrics.DEFINITIONS.items():
        assert d.key == key
        assert d.label_zh and d.label_en and d.help_zh and d.help_en
        assert d.unit in {"beneficiary", "record", "yuan", "share"}


def catalogue() -> Catalogue:
    """Four programmes: M1 (dept M, need n1, serves c0), Y1 (dept Y, n1, serves c0 c1),
    M2 (dept M, n1, serves c1), Z1 (dept Z, n2, serves c2)."""
    cats = pd.DataFrame(
        {
            "code": ["c0", "c1", "c2"],
            "name_zh": ["", "", ""],
            "name_en": ["", "", ""],
            "unit": ["person"] * 3,
            "bit": [0, 1, 2],
        }
    )
    progs = pd.DataFrame(
        {
            "code": ["M1", "Y1", "M2", "Z1"],
            "department_code": ["M", "Y", "M", "Z"],
            "name_zh": [""] * 4,
            "name_en": [""] * 4,
            "form": ["cash"] * 4,
            "need": ["n1", "n1", "n1", "n2"],
            "bit": [0, 1, 2, 3],
        }
    )
    depts = pd.DataFrame(
        {"code": ["M", "Y", "Z"], "name_zh": [""] * 3, "name_en": [""] * 3, "sort_order": [0, 1, 2]}
    )
    cat = Catalogue(cats, progs, depts)
    cat.serves.update({0: 0b001, 1: 0b011, 2: 0b010, 3: 0b100})
    return cat


def test_overlap_needs_two_departments():
    cat = catalogue()
    assert cat.overlapping(0b0011) == 0b0011  # M1 + Y1: same need, M and Y
    assert cat.overlapping(0b0101) == 0  # M1 + M2: one department
    assert cat.overlapping(0b0111) == 0b0111
    assert cat.overlapping(0b1001) == 0  # different needs


def test_person_figures_on_a_hand_made_profile():
    cat = catalogue()
    profile = pd.DataFrame(
        {
            "district_code": ["d"] * 4,
            "street_code": ["s"] * 3 + [None],
            "eligible": [True, True, True, False],
            "cat_mask": [0b011, 0b001, 0b100, 0],
            "reach_mask": [0b0011, 0b0000, 0b0000, 0],
            "repeat_mask": [0b0001, 0, 0, 0b1000],
            "leak_mask": [0, 0b1000, 0, 0b0001],
            "n": [2, 3, 5, 7],
        }
    )
    everything = Slice(0b1111)
    got = metrics.person_counts(profile, everything, cat)
    assert got == {
        "eligible": 10,
        "reached": 2,
        "repeat_beneficiaries": 9,  # the unregistered ID's repeat counts too
        "overlap_beneficiaries": 2,
        "leakage_beneficiaries": 10,
        "omitted": 8,
    }
    c1 = metrics.person_counts(profile, Slice(cat.serving(0b010), 0b010), cat)
    # category c1: only the first row is in it; reached by Y1 (serves c1); overlap needs
    # two departments serving c1 (Y1, M2): M1 does not serve c1, so none
    assert (c1["eligible"], c1["reached"], c1["overlap_beneficiaries"]) == (2, 2, 0)
    assert c1["repeat_beneficiaries"] == 0  # M1 does not serve c1
    only_m = metrics.person_counts(profile, Slice(cat.department_mask(["M"])), cat)
    assert (only_m["eligible"], only_m["reached"], only_m["overlap_beneficiaries"]) == (5, 2, 2)


def test_records_in_a_category_are_matching_records_serving_it():
    cat = catalogue()
    records = pd.DataFrame(
        {
            "programme_code": ["M1", "Y1", "Y1", "Z1"],
            "cat_mask": [0b001, 0b010, 0, 0b001],
            "matching": [True, True, False, False],
            "records": [1, 2, 4, 8],
        }
    )
    assert list(metrics.records_in(records, Slice(0b1111), cat)) == [True] * 4
    assert list(metrics.records_in(records, Slice(0b1111, 0b010), cat)) == [
        False,
        True,
        False,
        False,
    ]
    assert np.array_equal(
        metrics.records_in(records, Slice(0b0001), cat), np.array([True, False, False, False])
    )
