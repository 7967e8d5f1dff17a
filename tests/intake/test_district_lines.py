"""Uploads never cross district lines: a district's upload tells it nothing about people
registered outside its scope, and cannot change another district's figures or lists.

Xuhui (310104) registers three people; a Huangpu (310101) official then uploads a register
and an aid file naming them."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.intake.support import (
    AID_HEADER,
    REGISTER_HEADER,
    aid_rows,
    person,
    prepare,
    register_rows,
    upload,
)
from warmth import intake, queries, worklists
from warmth.scope import Filters, city_scope, district_scope
from warmth.snapshot import store

# a patched snapshot's file writer failing in its thread (a district with no version row
# yet) fails the test instead of leaving a warning
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")

HUANGPU, XUHUI = "310101", "310104"
ALL = Filters()


@pytest.fixture
def xuhui_people(engine, monkeypatch, tmp_path):
    """Three people registered in Xuhui (person(0..2)), two in Huangpu (person(10..11));
    snapshots of this test's own (a wiped database starts its versions again)."""
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path))
    store.forget()
    with engine.connect() as conn:
        xuhui = district_scope(conn, XUHUI, user="xh@example.gov")
    done = upload(engine, "register", REGISTER_HEADER, register_rows(3, "徐汇区", "天平路街道"),
                  scope=xuhui)  # fmt: skip
    assert done.inserted == 3
    done = upload(engine, "register", REGISTER_HEADER, register_rows(2, start=10), name="hp.csv")
    assert done.inserted == 2
    return engine


def scopes(engine):
    with engine.connect() as conn:
        return (
            district_scope(conn, HUANGPU, user="hp@example.gov"),
            district_scope(conn, XUHUI, user="xh@example.gov"),
            city_scope(conn),
        )


def test_register_check_and_import_tell_nothing_of_another_district(xuhui_people):
    engine = xuhui_people
    huangpu, xuhui, city = scopes(engine)
    theirs = [[i, "黄浦登记", d, st, c] for i, _, d, st, c in register_rows(3)]  # Xuhui's IDs
    strangers = register_rows(3, start=50)  # ID numbers registered nowhere
    _, probe = prepare(engine, "register", REGISTER_HEADER, theirs, scope=huangpu)
    _, control = prepare(engine, "register", REGISTER_HEADER, strangers, scope=huangpu)
    assert probe.counts == control.counts  # the check cannot tell them apart
    assert (probe.counts["new"], probe.counts["already_present"]) == (3, 0)
    assert probe.counts["cross_district"] == 0

    result = upload(engine, "register", REGISTER_HEADER, theirs, scope=huangpu)
    other = upload(engine, "register", REGISTER_HEADER, strangers, scope=huangpu, name="x.csv")
    assert (result.inserted, result.already_present, result.cross_district) == (3, 0, 0)
    assert result.text("en") == other.text("en")
    assert result.text("zh") == other.text("zh")
    with engine.connect() as conn:
        history = intake.batches(conn, huangpu)
        mine = worklists.cross_district(conn, replace(huangpu, may_unmask=True), ALL, unmask=True)
        kept = worklists.cross_district(conn, xuhui, ALL)
        whole = worklists.cross_district(conn, city, ALL)
    assert history[["inserted", "already_present"]].values.tolist()[:2] == [[3, 0], [3, 0]]
    # Huangpu's list: its own second registrations, nothing of the Xuhui registration
    assert mine.total == 3
    rows = mine.rows
    assert set(rows["district_code"]) == {HUANGPU}
    assert set(rows["street_code"]) == {"310101002"}  # 南京东路街道, Huangpu's own entry
    assert rows["other_district_code"].isna().all()
    assert rows["other_street_code"].isna().all()
    assert rows["other_categories"].isna().all()
    assert set(rows["name"]) == {"黄浦登记"}  # Huangpu's own entry, not Xuhui's 居民0..2
    # Xuhui's registration stands and its list gains no row; the city sees both sides
    assert kept.total == 0
    assert whole.total == 3
    assert set(whole.rows["district_code"]) == {XUHUI}
    assert set(whole.rows["other_district_code"]) == {HUANGPU}


def test_aid_for_another_districts_people_is_held_until_it_accepts(xuhui_people):
    engine = xuhui_people
    huangpu, xuhui, city = scopes(engine)
    with engine.connect() as conn:
        before = queries.headline(conn, xuhui, ALL)
        omitted = worklists.omission(conn, xuhui, ALL).total
    rows = aid_rows(3) + aid_rows(2, start=10)  # 3 for Xuhui's people, 2 for Huangpu's
    _, check = prepare(engine, "aid", AID_HEADER, rows, scope=huangpu)
    assert check.counts["new"] == 5  # the check says nothing of where anyone lives
    result = upload(engine, "aid", AID_HEADER, rows, scope=huangpu)
    assert (result.inserted, result.held, result.rows_in) == (2, 3, 5)
    assert "held" in result.text("en") and "另一区县" not in result.text("zh")
    with engine.connect() as conn:
        after = queries.headline(conn, xuhui, ALL)
        assert (after["reached"], after["records"]) == (before["reached"], before["records"])
        assert worklists.omission(conn, xuhui, ALL).total == omitted == 3
        waiting = intake.held_for(conn, xuhui)
        assert intake.held_for(conn, huangpu).empty  # not Huangpu's to decide
        sent = intake.batches(conn, huangpu)
    assert len(waiting) == 3 and set(waiting["submitter"]) == {HUANGPU}
    assert all("*" in v for v in waiting["id_number"])  # masked
    assert sent[["held", "held_accepted"]].values.tolist()[0] == [3, 0]
    # the same file again: nothing new, the held records count as already there
    again = upload(engine, "aid", AID_HEADER, rows, scope=huangpu, name="again.csv", mode="correct")
    assert again.held == 0

    assert intake.decide_held(engine, result.batch_id, accept=True, scope=huangpu) == 0
    assert intake.decide_held(engine, result.batch_id, accept=True, scope=xuhui) == 3
    with engine.connect() as conn:
        accepted = queries.headline(conn, xuhui, ALL)
        assert accepted["reached"] == before["reached"] + 3
        assert worklists.omission(conn, xuhui, ALL).total == 0
        assert intake.held_for(conn, xuhui).empty
        sent = intake.batches(conn, huangpu)
        assert sent[sent["batch_id"] == result.batch_id][
            ["held", "held_accepted"]
        ].values.tolist() == [[3, 3]]
    intake.undo_batch(engine, result.batch_id, user="hp", scope=huangpu)
    with engine.connect() as conn:
        assert queries.headline(conn, xuhui, ALL)["reached"] == before["reached"]


def test_rejected_held_records_never_count(xuhui_people):
    engine = xuhui_people
    huangpu, xuhui, _ = scopes(engine)
    result = upload(engine, "aid", AID_HEADER, aid_rows(3), scope=huangpu)
    assert result.held == 3
    assert intake.decide_held(engine, result.batch_id, accept=False, scope=xuhui) == 3
    with engine.connect() as conn:
        assert worklists.omission(conn, xuhui, ALL).total == 3
        sent = intake.batches(conn, huangpu).set_index("batch_id")
        assert sent.loc[result.batch_id, "held_rejected"] == 3


def test_city_uploads_are_not_held(xuhui_people):
    engine = xuhui_people
    result = upload(engine, "aid", AID_HEADER, aid_rows(3))  # city scope
    assert (result.inserted, result.held) == (3, 0)
    assert person(0)  # the helper's IDs are the Xuhui people's
