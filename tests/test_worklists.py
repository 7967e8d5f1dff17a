"""People lists (warmth.worklists) on a small hand-made campaign, on SQLite and PostgreSQL.

The people, their categories and their records (amounts in yuan; programmes.csv says which
categories each programme serves and which need it meets):

| who | district / street | categories | records |
|---|---|---|---|
| A 张三 | 310101 / 310101002 | DBU, LTX | LB01 100 (LB, holiday_living), MZ01 300 (MZ, holiday_living) |
| B 李四 | 310101 / 310101002 | YLJZ | YB01 50 on 12-20, YB01 50 on 01-10 (same programme twice), MZ03 500 |
| C 王五 | 310101 / 310101013 | PKXS | MZ01 300 delivered by 310104 (MZ01 serves DBU/DBR only) |
| D 赵六 | 310101 / 310101013 | TKSY | GH02 200 (serves TKZG only), no district on the record |
| E 欧阳娜娜 | 310104 / 310104003 | LTX | LB01 100 on 2005-02-01 delivered by 310101; MZ01 300 (no district) |
| F 钱七 | 310104 / 310104003, also registered in 310101 / 310101002 | DBU | none |
| X (not registered) | - | - | LB02 150 delivered by 310104 |

Worked out by hand:
- reached: A (both records match), B (YB01, MZ03 serve YLJZ), E (LB01 serves LTX).
  Omitted: C (MZ01 does not serve PKXS), D (GH02 does not serve TKSY), F (no records).
  With as_of 2005-01-15, E's only matching record (02-01) is cut: E is omitted too.
- repeat: B with YB01 twice (100 yuan, 2004-12-20 .. 2005-01-10).
- overlap: A for holiday_living (LB + MZ, 400 yuan); B for medical (MZ + YB, 600 yuan).
  E is no overlap: MZ01 does not serve LTX, so it does not match.
- leakage, counted under the delivering district, else the beneficiary's: D in 310101 (GH02);
  C (MZ01, delivered by 310104), E (MZ01) and X (LB02, not registered) in 310104.
- cross-district: F, kept in 310104, second registration in 310101.
"""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import date

import pytest
import sqlalchemy as sa

from tests.fixtures_small import protected
from warmth import schema, versions, worklists
from warmth.ids import make_id
from warmth.scope import Filters, Scope, city_scope

A = make_id("310101", date(1940, 3, 1), 11)
B = make_id("310101", date(1945, 5, 2), 21)
C = make_id("310101", date(1985, 9, 9), 31)
D = make_id("310101", date(1970, 1, 15), 41)
E = make_id("310104", date(1942, 7, 7), 51)
F = make_id("310104", date(1960, 2, 29), 61)
X = make_id("310110", date(1955, 12, 12), 71)

DEPTS = frozenset({"MZ", "LB", "YB", "JY", "GH", "TW", "FL", "CL", "HS", "CS", "SH"})
CITY = Scope(frozenset({"310101", "310104", "310105"}), DEPTS, role="city", user="city")
HUANGPU = Scope(frozenset({"310101"}), DEPTS, role="district", user="hp")
XUHUI = Scope(frozenset({"310104"}), DEPTS, role="district", user="xh")
CHANGNING = Scope(frozenset({"310105"}), DEPTS, role="district", user="cn")
UNMASKER = Scope(CITY.districts, DEPTS, role="city", user="boss", may_unmask=True)
ALL = Filters()


@pytest.fixture
def db(engine):
    with engine.begin() as conn:
        cid = conn.execute(
            sa.select(schema.campaigns.c.id).where(schema.campaigns.c.code == "2005")
        ).scalar_one()
        people = [
            (1, A, "张三", "310101", "310101002", 1, "南京东路123弄4号501室", "DBU;LTX"),
            (2, B, "李四", "310101", "310101002", 2, "九江路8号", "YLJZ"),
            (3, C, "王五", "310101", "310101013", 1, None, "PKXS"),
            (4, D, "赵六", "310101", "310101013", 3, "中山东一路1号", "TKSY"),
            (5, E, "欧阳娜娜", "310104", "310104003", 1, "天平路5号", "LTX"),
            (6, F, "钱七", "310104", "310104003", 4, "天平路9号", "DBU"),
        ]
        conn.execute(
            schema.beneficiaries.insert(),
            [
                {
                    "id": i,
                    "campaign_id": cid,
                    **protected(conn, idn),
                    "name": name,
                    "district_code": d,
                    "street_code": s,
                    "household_size": hh,
                    "address": addr,
                }
                for i, idn, name, d, s, hh, addr, _ in people
            ],
        )
        conn.execute(
            schema.beneficiary_categories.insert(),
            [
                {"beneficiary_id": i, "category_code": c}
                for i, *_, cats in people
                for c in cats.split(";")
            ],
        )
        conn.execute(
            schema.duplicate_registrations.insert(),
            [
                {
                    "campaign_id": cid,
                    **protected(conn, F),
                    "name": "钱七",
                    "district_code": "310101",
                    "street_code": "310101002",
                    "categories": "DBU",
                }
            ],
        )
        records = [
            ("r1", A, "LB01", 100, "2004-12-25", "310101"),
            ("r2", A, "MZ01", 300, "2004-12-26", "310101"),
            ("r3", B, "YB01", 50, "2004-12-20", "310101"),
            ("r4", B, "YB01", 50, "2005-01-10", "310101"),
            ("r5", B, "MZ03", 500, "2005-01-02", "310101"),
            ("r6", C, "MZ01", 300, "2005-01-03", "310104"),
            ("r7", D, "GH02", 200, "2005-01-04", None),
            ("r8", E, "LB01", 100, "2005-02-01", "310101"),
            ("r9", E, "MZ01", 300, "2005-01-05", None),
            ("r10", X, "LB02", 150, "2005-01-06", "310104"),
        ]
        conn.execute(
            schema.aid_records.insert(),
            [
                {
                    "campaign_id": cid,
                    "submitter": "310101",
                    "record_no": no,
                    **protected(conn, idn),
                    "programme_code": prog,
                    "amount_fen": yuan * 100,
                    "form": "cash",
                    "date": date.fromisoformat(day),
                    "district_code": dist,
                }
                for no, idn, prog, yuan, day, dist in records
            ],
        )
        versions.bump(conn, ["310101", "310104"])
    with engine.connect() as conn:
        yield conn


def ids_of(page, unmasked=True):
    return list(page.rows["id_number"])


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


# --- whole lists for the CLI --------------------------------------------------------------


def test_report_gaps_csv_and_json(db):
    out = io.StringIO()
    n = worklists.write_gaps(db, CITY, ALL, "omission", "csv", out)
    lines = out.getvalue().splitlines()
    assert n == 3
    assert lines[0] == "id_number,name,district_code,street_code,categories,household_size,address"
    assert lines[1].startswith(C[:6] + "********" + C[-4:] + ",王*,310101,310101013,PKXS,1,")
    assert C not in out.getvalue()  # masked

    out = io.StringIO()
    assert worklists.write_gaps(db, CITY, ALL, "leakage", "json", out) == 4
    rows = json.loads(out.getvalue())
    assert sorted(r["reason"] for r in rows) == ["category_mismatch"] * 3 + ["not_registered"]
    assert {r["district_code"] for r in rows} == {"310101", "310104"}
    assert rows[0]["amount_yuan"] == 300.0  # C first (street order)

    out = io.StringIO()
    assert worklists.report_gaps(db, CHANGNING, ALL, "repeat", "json", out) is None  # exit 0
    assert json.loads(out.getvalue()) == []


def test_report_gaps_quotes_formula_cells(db):
    db.execute(
        schema.beneficiaries.update()
        .where(schema.beneficiaries.c.id_number == protected(db, D)["id_number"])
        .values(address="=HYPERLINK(1)")
    )
    out = io.StringIO()
    worklists.report_gaps(db, UNMASKER, ALL, "omission", "csv", out)
    assert "'=HYP" in out.getvalue()
    db.rollback()


def test_report_gaps_rejects_unknown_kind(db):
    with pytest.raises(ValueError, match="unknown list"):
        worklists.report_gaps(db, CITY, ALL, "everything", "csv", io.StringIO())
    with pytest.raises(ValueError, match="unknown format"):
        worklists.report_gaps(db, CITY, ALL, "omission", "xml", io.StringIO())


# --- totals, and the whole-city paths -------------------------------------------------------

LISTS = [
    ("omission", worklists.omission),
    ("repeat", worklists.repeats),
    ("overlap", worklists.overlaps),
    ("leakage", worklists.leakage),
]
SLICES = [
    ALL,
    Filters(categories=("LTX", "DBU")),
    Filters(departments=("MZ",)),
    Filters(streets=("310101002", "310101013")),
    Filters(districts=("310104",)),
]


@pytest.mark.parametrize("filters", SLICES)
@pytest.mark.parametrize(("kind", "fn"), LISTS)
def test_total_of_a_partial_page_is_the_list_length(db, kind, fn, filters):
    """limit=1 makes the total come from summary_profile (the dashboard's own figure);
    it must equal the length of the whole list."""
    whole = fn(db, CITY, filters)
    first = fn(db, CITY, filters, limit=1)
    assert first.total == whole.total == len(whole.rows), (kind, filters)


def test_whole_city_paths_agree(db):
    city = dataclasses.replace(city_scope(db), may_unmask=True)
    for fn in (worklists.repeats, worklists.overlaps, worklists.leakage, worklists.omission):
        got = fn(db, city, ALL, unmask=True).rows
        want = fn(db, UNMASKER, ALL, unmask=True).rows
        key = list(got.columns)
        assert (
            got.sort_values(key)
            .reset_index(drop=True)
            .equals(want.sort_values(key).reset_index(drop=True))
        ), fn.__name__


def test_unregistered_id_paid_twice_follows_the_registered(db):
    """X (not registered) gets LB02 twice: listed after the registered people, under the
    district that delivered it, with no name."""
    c = schema.campaigns
    cid = db.execute(sa.select(c.c.id).where(c.c.code == "2005")).scalar_one()
    db.execute(
        schema.aid_records.insert().values(
            campaign_id=cid,
            submitter="310104",
            record_no="r11",
            **protected(db, X),
            programme_code="LB02",
            amount_fen=15000,
            form="cash",
            date=date(2005, 1, 7),
            district_code="310104",
        )
    )
    versions.bump(db, ["310101", "310104"])
    page = worklists.repeats(db, UNMASKER, ALL, unmask=True)
    assert ids_of(page) == [B, X]
    x = page.rows.iloc[1].to_dict()
    assert (x["name"], x["district_code"], x["street_code"], x["records"]) == (
        None,
        "310104",
        None,
        2,
    )
    second = worklists.repeats(db, UNMASKER, ALL, limit=1, offset=1, unmask=True)
    assert (ids_of(second), second.total) == ([X], 2)
    assert ids_of(worklists.repeats(db, XUHUI, ALL, unmask=True)) == [X[:6] + "********" + X[-4:]]
    city = dataclasses.replace(city_scope(db), may_unmask=True)
    assert sorted(ids_of(worklists.repeats(db, city, ALL, unmask=True))) == sorted([B, X])
    db.rollback()


def test_overlap_cells_match_the_matrix(db):
    """Every square of queries.overlap_matrix lists exactly as many people as it counts."""
    from warmth import queries

    matrix = queries.overlap_matrix(db, CITY, ALL)
    assert len(matrix) == 2  # (LB, MZ, holiday_living) and (MZ, YB, medical)
    for row in matrix.itertuples():
        page = worklists.overlaps(
            db, CITY, ALL, dept_a=row.dept_a, dept_b=row.dept_b, need=row.need
        )
        assert page.total == len(page.rows) == row.beneficiaries, row


def test_overlap_cell_totals_from_summaries(db):
    """limit=1 takes a square's total from the summaries: it equals the listed people."""
    for a, b, need, people in (
        ("MZ", "LB", "holiday_living", [A]),
        ("LB", "MZ", None, [A]),
        ("YB", "MZ", "medical", [B]),
        ("YB", "MZ", "holiday_living", []),
        ("YB", "LB", None, []),
    ):
        first = worklists.overlaps(db, UNMASKER, ALL, dept_a=a, dept_b=b, need=need, limit=1)
        assert first.total == len(people), (a, b, need)
        if people:
            assert (
                ids_of(
                    worklists.overlaps(
                        db, UNMASKER, ALL, dept_a=a, dept_b=b, need=need, unmask=True
                    )
                )
                == people
            )


# --- the summaries' totals against the lists themselves, on a small demo city ----------------


@pytest.fixture(scope="module")
def demo_conn(tmp_path_factory):
    """A small demo city (scale 0.003) on SQLite with its summaries."""
    from warmth import bootstrap, demo
    from warmth.database import make_engine

    eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('wl_demo') / 'demo.db'}")
    bootstrap.init_database(eng)
    demo.load_demo(eng, scale=0.003)  # rebuilds the summaries too
    with eng.connect() as conn:
        yield conn
    eng.dispose()


def _same_total(fn, conn, scope, filters, **kw):
    exact = fn(conn, scope, filters, limit=10**7, **kw)
    first = fn(conn, scope, filters, limit=1, **kw)  # total from the summaries
    assert first.total == exact.total == len(exact.rows), (fn.__name__, filters, kw)
    return exact.total


@pytest.mark.parametrize(
    "filters",
    [
        ALL,
        Filters(categories=("DBU", "CJR")),
        Filters(departments=("GH", "FL")),
        Filters(districts=("310115",)),
    ],
)
def test_demo_totals_agree_with_the_lists(demo_conn, filters):
    city = city_scope(demo_conn)
    one = dataclasses.replace(city, districts=frozenset({"310115", "310230"}), role="district")
    for scope in (city, one):
        sizes = [
            _same_total(fn, demo_conn, scope, filters)
            for fn in (worklists.omission, worklists.repeats, worklists.overlaps, worklists.leakage)
        ]
        assert sizes[0] > 0


def test_demo_overlap_squares_agree_with_the_lists(demo_conn):
    city = city_scope(demo_conn)
    p = schema.programmes
    rows = demo_conn.execute(sa.select(p.c.department_code, p.c.need)).all()
    needs: dict[str, set[str]] = {}
    for dept, need in rows:
        needs.setdefault(need, set()).add(dept)
    squares = 0
    for need, depts in needs.items():
        ordered = sorted(depts)
        for i, a in enumerate(ordered):
            for b_ in ordered[i + 1 :]:
                for square_need in (need, None):
                    n = _same_total(
                        worklists.overlaps,
                        demo_conn,
                        city,
                        ALL,
                        dept_a=a,
                        dept_b=b_,
                        need=square_need,
                    )
                    squares += n > 0
    assert squares >= 3
