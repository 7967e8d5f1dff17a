"""People lists (warmth.worklists) on the hand-made campaign of people.py: omission, repeats,
overlaps, leakage, cross-district, a street's people; masking, scope and injection."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from tests.worklists.people import (
    ALL,
    CHANGNING,
    CITY,
    HUANGPU,
    UNMASKER,
    XUHUI,
    A,
    B,
    C,
    D,
    E,
    F,
    X,
    ids_of,
)
from warmth import worklists
from warmth.request import resolve
from warmth.scope import Filters, Scope, city_scope
from warmth.worklists.registrations import street_query
from warmth.worklists.slicing import sql_slice

# --- omission ----------------------------------------------------------------------------


def test_omission_lists_eligible_people_without_a_matching_record(db):
    page = worklists.omission(db, UNMASKER, ALL, unmask=True)
    assert ids_of(page) == [C, D, F]  # street order: 310101013 (C, D), 310104003 (F)
    assert page.total == 3
    first = page.rows.iloc[0].to_dict()
    assert first["name"] == "王五"
    assert (first["district_code"], first["street_code"], first["categories"]) == (
        "310101",
        "310101013",
        "PKXS",
    )
    assert int(page.rows.iloc[1]["household_size"]) == 3


def test_omission_as_of_cuts_later_records(db):
    page = worklists.omission(db, UNMASKER, Filters(as_of=date(2005, 1, 15)), unmask=True)
    assert ids_of(page) == [C, D, E, F]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(categories=("LTX",)), []),  # A and E both reached by LB01
        (Filters(categories=("LTX",), as_of=date(2005, 1, 15)), [E]),
        (Filters(categories=("DBU",)), [F]),  # A reached by MZ01 for DBU
        (Filters(categories=("PKXS", "TKSY")), [C, D]),
        (Filters(departments=("LB",)), [D]),  # LB serves LTX and TKSY: A, E reached, D not
        (Filters(programmes=("MZ01",)), [F]),  # MZ01 serves DBU: A reached, F not
        (Filters(categories=("LTX",), departments=("MZ",)), []),  # MZ serves no LTX
        (Filters(streets=("310101013",)), [C, D]),
        (Filters(districts=("310104",)), [F]),
    ],
)
def test_omission_slices(db, filters, expected):
    page = worklists.omission(db, UNMASKER, filters, unmask=True)
    assert ids_of(page) == expected
    assert page.total == len(expected)


def test_omission_person_in_two_categories_is_listed_once(db):
    # A is in DBU and LTX; before A's first record A is omitted, and listed once.
    page = worklists.omission(
        db, UNMASKER, Filters(categories=("DBU", "LTX"), as_of=date(2004, 12, 24)), unmask=True
    )
    assert ids_of(page) == [A, E, F]
    row = page.rows.iloc[0]
    assert row["categories"] == "DBU;LTX"


def test_omission_paging(db):
    first = worklists.omission(db, UNMASKER, ALL, limit=2, unmask=True)
    second = worklists.omission(db, UNMASKER, ALL, limit=2, offset=2, unmask=True)
    assert (ids_of(first), first.total, first.has_more) == ([C, D], 3, True)
    assert (ids_of(second), second.total, second.has_more) == ([F], 3, False)


# --- repeats, overlaps, leakage, cross-district -------------------------------------------


def test_repeats_same_programme_twice(db):
    page = worklists.repeats(db, UNMASKER, ALL, unmask=True)
    assert page.total == 1
    row = page.rows.iloc[0].to_dict()
    assert (row["id_number"], row["name"], row["programme_code"], row["records"]) == (
        B,
        "李四",
        "YB01",
        2,
    )
    assert row["amount_yuan"] == 100.0
    assert (row["first_date"], row["last_date"]) == (date(2004, 12, 20), date(2005, 1, 10))
    assert (row["district_code"], row["street_code"]) == ("310101", "310101002")
    assert worklists.repeats(db, CITY, Filters(as_of=date(2005, 1, 5))).total == 0
    assert worklists.repeats(db, XUHUI, ALL).total == 0


def test_overlaps_two_departments_same_need(db):
    page = worklists.overlaps(db, UNMASKER, ALL, unmask=True)
    got = {
        (r.id_number, r.need, r.departments, r.programmes, r.amount_yuan)
        for r in page.rows.itertuples()
    }
    assert got == {
        (A, "holiday_living", "LB;MZ", "LB01;MZ01", 400.0),
        (B, "medical", "MZ;YB", "MZ03;YB01", 600.0),
    }
    assert page.total == 2


@pytest.mark.parametrize(
    ("dept_a", "dept_b", "expected"),
    [
        ("MZ", "LB", [A]),
        ("LB", "MZ", [A]),
        ("YB", "MZ", [B]),
        ("YB", "LB", []),
        ("MZ", "MZ", [A, B]),
    ],
)
def test_overlap_cell(db, dept_a, dept_b, expected):
    page = worklists.overlaps(db, UNMASKER, ALL, dept_a=dept_a, dept_b=dept_b, unmask=True)
    assert ids_of(page) == expected


def test_overlaps_respect_as_of(db):
    # A's records are dated 12-25 and 12-26: as of 12-25 only LB01 counts, no overlap.
    page = worklists.overlaps(db, UNMASKER, Filters(as_of=date(2004, 12, 25)), unmask=True)
    assert ids_of(page) == []


def test_leakage_by_delivering_district(db):
    page = worklists.leakage(db, UNMASKER, ALL, unmask=True)
    got = [
        (r.district_code, r.id_number, r.name, r.reason, r.programmes, r.records, r.amount_yuan)
        for r in page.rows.itertuples()
    ]
    # registered people in street order (C and D in 310101013, E in 310104003), then the
    # ID numbers not registered in the districts shown
    assert got == [
        ("310104", C, "王五", "category_mismatch", "MZ01", 1, 300.0),
        ("310101", D, "赵六", "category_mismatch", "GH02", 1, 200.0),
        ("310104", E, "欧阳娜娜", "category_mismatch", "MZ01", 1, 300.0),
        ("310104", X, None, "not_registered", "LB02", 1, 150.0),
    ]
    assert ids_of(worklists.leakage(db, HUANGPU, ALL)) == [D[:6] + "********" + D[-4:]]
    # Xuhui: its own E, then C (registered in Huangpu, paid by Xuhui) and X (not registered)
    xuhui = worklists.leakage(db, XUHUI, ALL, limit=2)
    assert (xuhui.total, len(xuhui.rows)) == (3, 2)
    assert ids_of(worklists.leakage(db, XUHUI, ALL, offset=1)) == [
        i[:6] + "********" + i[-4:] for i in sorted([C, X])
    ]
    city = dataclasses.replace(city_scope(db), may_unmask=True)
    whole = worklists.leakage(db, city, ALL, unmask=True)
    assert sorted(ids_of(whole)) == sorted([C, D, E, X])
    assert worklists.leakage(db, CHANGNING, ALL).total == 0


def test_cross_district_seen_whole_by_the_city_and_by_the_second_district_only_its_own(db):
    page = worklists.cross_district(db, UNMASKER, ALL, unmask=True)
    row = page.rows.iloc[0].to_dict()
    assert page.total == 1
    assert (row["id_number"], row["district_code"], row["other_district_code"]) == (
        F,
        "310104",
        "310101",
    )
    assert (row["street_code"], row["other_street_code"], row["categories"]) == (
        "310104003",
        "310101002",
        "DBU",
    )
    # Huangpu registered F second (not counted): its own entry, nothing of Xuhui's
    second = worklists.cross_district(db, dataclasses.replace(HUANGPU, may_unmask=True), ALL,
                                      unmask=True)  # fmt: skip
    assert second.total == 1
    own = second.rows.iloc[0].to_dict()
    assert (own["id_number"], own["district_code"], own["street_code"]) == (
        F,
        "310101",
        "310101002",
    )
    assert own["other_district_code"] is None and own["other_street_code"] is None
    assert own["other_categories"] is None
    # Xuhui's registration stands: nothing to resolve on its side, nothing of Huangpu's shown
    assert worklists.cross_district(db, XUHUI, ALL).total == 0
    assert worklists.cross_district(db, CHANGNING, ALL).total == 0


def test_street_people(db):
    page = worklists.street_people(db, UNMASKER, ALL, "310101002", unmask=True)
    got = [
        (r.id_number, r.categories, r.reached, r.programmes, r.amount_yuan)
        for r in page.rows.itertuples()
    ]
    assert got == [
        (A, "DBU;LTX", True, "LB01;MZ01", 400.0),
        (B, "YLJZ", True, "MZ03;YB01", 600.0),
    ]
    c_street = worklists.street_people(db, UNMASKER, ALL, "310101013", unmask=True)
    assert list(c_street.rows["reached"]) == [False, False]
    assert list(c_street.rows["programmes"]) == ["MZ01", "GH02"]
    assert worklists.street_people(db, XUHUI, ALL, "310101002").total == 0


LITERAL = {"literal_binds": True}


def test_one_street_s_people_are_read_through_the_street_index(db):
    """Without statistics SQLite weighs the district and street indexes alike and takes the
    one made last (the register's rebuild in migration 0015 made the district's last): the
    street's list must not walk its district's whole register."""
    assert len(worklists.street_people(db, HUANGPU, ALL, "310101002").rows) == 2
    sl = sql_slice(db, resolve(db, HUANGPU, ALL))
    sql = str(street_query(db, sl, "310101002").stmt.compile(db, compile_kwargs=LITERAL))
    if db.dialect.name == "sqlite":  # PostgreSQL plans by the statistics it keeps
        plan = " ".join(str(row[-1]) for row in db.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
        assert "ix_beneficiaries_street" in plan, plan


# --- masking, scope, injection -----------------------------------------------------------


def test_masked_by_default_and_unmask_needs_permission(db):
    masked = worklists.omission(db, CITY, ALL)
    assert list(masked.rows["id_number"]) == [i[:6] + "********" + i[-4:] for i in (C, D, F)]
    assert list(masked.rows["name"]) == ["王*", "赵*", "钱*"]
    assert list(masked.rows["address"]) == [None, "中山东一路***", "天平路***"]
    refused = worklists.omission(db, CITY, ALL, unmask=True)  # scope may not unmask
    assert list(refused.rows["name"]) == ["王*", "赵*", "钱*"]
    overlap = worklists.overlaps(db, CITY, ALL)
    assert set(overlap.rows["name"]) == {"张*", "李*"}
    street = worklists.street_people(db, CITY, ALL, "310104003")
    assert list(street.rows["name"]) == ["欧阳**", "钱*"]


@pytest.mark.parametrize(
    ("fn", "kind"),
    [
        (worklists.omission, "omission"),
        (worklists.repeats, "repeat"),
        (worklists.overlaps, "overlap"),
        (worklists.leakage, "leakage"),
        (worklists.cross_district, "cross-district"),
    ],
)
def test_empty_scope_sees_nothing(db, fn, kind):
    page = fn(db, Scope(), ALL)
    assert (page.total, len(page.rows)) == (0, 0)
    assert list(page.rows.columns) == worklists.COLUMNS[kind]  # stable columns when empty


def test_district_scope_isolation(db):
    assert ids_of(worklists.omission(db, XUHUI, ALL, unmask=True)) == [F[:6] + "********" + F[-4:]]
    # asking for another district through the filters narrows, never widens
    assert worklists.omission(db, XUHUI, Filters(districts=("310101",))).total == 0
    assert worklists.overlaps(db, XUHUI, ALL).total == 0
    assert worklists.repeats(db, HUANGPU, ALL).total == 1
    assert worklists.omission(db, XUHUI, Filters(streets=("310101013",))).total == 0
    assert worklists.street_people(db, CHANGNING, ALL, "310104003").total == 0


INJECTIONS = ["' OR 1=1--", "%", "_", "310101%", "310101' OR '1'='1"]


@pytest.mark.parametrize("value", INJECTIONS)
@pytest.mark.parametrize(
    "field", ["districts", "streets", "categories", "departments", "programmes", "forms"]
)
def test_injection_looking_filter_values_are_literals(db, value, field):
    filters = Filters(**{field: (value,)})
    if field == "forms":
        # a form touches records, not people: the lists are those of no filter at all
        for fn in (worklists.omission, worklists.repeats, worklists.overlaps, worklists.leakage):
            assert fn(db, CITY, filters).total == fn(db, CITY, ALL).total > 0, fn.__name__
    else:
        for fn in (worklists.omission, worklists.repeats, worklists.overlaps, worklists.leakage):
            assert fn(db, CITY, filters).total == 0, (fn.__name__, field, value)
    assert worklists.street_people(db, CITY, ALL, value).total == 0
    assert worklists.overlaps(db, CITY, ALL, dept_a=value, dept_b="MZ").total == 0


def test_unknown_campaign_sees_nothing(db):
    assert worklists.omission(db, CITY, Filters(campaign="' OR 1=1--")).total == 0
