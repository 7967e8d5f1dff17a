"""People lists as whole files for the command line, and their totals: a partial page's total is
the list's length, the whole-city paths agree, and the summaries' totals equal the lists on a
small demo city."""

from __future__ import annotations

import dataclasses
import io
import json
from datetime import date

import pytest
import sqlalchemy as sa

from tests.fixtures_small import protected
from tests.worklists.people import (
    ALL,
    CHANGNING,
    CITY,
    UNMASKER,
    XUHUI,
    A,
    B,
    C,
    D,
    X,
    ids_of,
)
from warmth import schema, versions, worklists
from warmth.scope import Filters, city_scope

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
