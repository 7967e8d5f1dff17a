"""Scales above 1: the same districts and streets with more people in each, so scale 2x
gives about twice the people and records of scale x, spread as before."""

from __future__ import annotations

import numpy as np
import pytest

from warmth import demo
from warmth.demo.people import _people, _reference
from warmth.demo.records import _plan, _records, day_weights

X = 0.002


def _city(scale: float):
    rng = np.random.default_rng(7)
    ref = _reference()
    plan = _plan(rng, len(ref.districts))
    people = _people(rng, ref, scale)
    weights = np.stack(
        [
            day_weights(60, 12, 45, 58, behind=bool(b), push=p)
            for b, p in zip(plan.behind, plan.new_year_push, strict=True)
        ]
    )
    records, _ = _records(rng, ref, people, plan, weights)
    return ref, people, records


def test_twice_the_scale_twice_the_people_in_the_same_streets():
    ref, small, small_records = _city(X)
    _, big, big_records = _city(2 * X)
    assert len(big.key) / len(small.key) == pytest.approx(2, rel=0.01)
    assert len(big_records.key) / len(small_records.key) == pytest.approx(2, rel=0.05)
    assert len(np.unique(big.key)) == len(big.key)  # ID numbers stay unique
    per_district = np.bincount(big.district, minlength=len(ref.districts))
    assert per_district / per_district.sum() == pytest.approx(
        np.bincount(small.district, minlength=len(ref.districts)) / len(small.key), abs=0.01
    )
    for d in range(len(ref.districts)):  # no street that the district does not have
        assert big.street[big.district == d].max(initial=0) < len(ref.street_codes[d])


@pytest.mark.parametrize("scale", [1.5, 2.0])
def test_scales_up_to_two_are_accepted(scale):
    assert demo.check_scale(scale) == scale == min(scale, demo.MAX_SCALE)
