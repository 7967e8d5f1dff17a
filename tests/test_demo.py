"""The demo city: counts against the reference, valid IDs, planted imperfections, speed."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from tests.fixtures_small import assert_same_frames, protected
from warmth import bootstrap, demo, idkey, ids, schema
from warmth.database import make_engine
from warmth.reference import read_csv

SCALE = 0.01
SMALL = 0.002
# The README's full-city register estimates, per category.
FULL_CITY = {
    "LTX": 2_600_000,
    "DBU": 160_000,
    "DBR": 40_000,
    "TKZG": 60_000,
    "PKXS": 50_000,
    "TKSY": 40_000,
    "YLJZ": 30_000,
    "ZNZJ": 30_000,
    "KNFN": 30_000,
    "CJR": 25_000,
    "YLYL": 20_000,
    "KNQN": 20_000,
    "TKJT": 20_000,
    "LLM": 5_000,
    "YDAZ": 5_000,
    "HQS": 1_000,
}
SUBURBS = {
    "310112",
    "310113",
    "310114",
    "310115",
    "310116",
    "310117",
    "310118",
    "310119",
    "310120",
    "310230",
}
HOUSEHOLD = {"DBU", "DBR", "YLYL", "CJR", "TKJT"}
WINDOW = (date(2004, 12, 18), date(2005, 2, 23))


def _frames(engine: sa.Engine) -> dict[str, pd.DataFrame]:
    tables = {
        "b": schema.beneficiaries,
        "bc": schema.beneficiary_categories,
        "r": schema.aid_records,
        "dup": schema.duplicate_registrations,
        "pc": schema.programme_categories,
        "prog": schema.programmes,
        "streets": schema.streets,
        "districts": schema.districts,
    }
    with engine.connect() as conn:
        frames = {k: pd.read_sql(sa.select(t), conn) for k, t in tables.items()}
        key = idkey.for_conn(conn)
    for k in ("b", "r", "dup"):  # the numbers as generated: opened from their seals
        frame = frames[k]
        frame["id_hash"] = frame["id_number"]
        frame["id_number"] = key.open(frame.pop("id_cipher"))
    return frames


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """One SQLite demo city at SCALE, shared by the read-only checks."""
    engine = make_engine(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'city.db'}")
    bootstrap.init_database(engine)
    stats = demo.load_demo(engine, scale=SCALE, seed=2005)
    frames = _frames(engine)
    yield stats, frames
    engine.dispose()


def _matching(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Records with a `match` flag: ID on the register and a category the programme serves."""
    r = f["r"].rename(columns={"id": "record_id", "district_code": "deliverer"})
    r = r.merge(
        f["b"][["id", "id_number", "district_code"]].rename(columns={"id": "ben_id"}),
        on="id_number",
        how="left",
    )
    ok = r.merge(f["bc"], left_on="ben_id", right_on="beneficiary_id").merge(
        f["pc"], on=["programme_code", "category_code"]
    )
    r["match"] = r.record_id.isin(ok.record_id)
    return r


def test_stats_count_the_rows_written(city):
    stats, f = city
    assert stats.beneficiaries == len(f["b"]) > 0
    assert stats.records == len(f["r"]) > 0
    assert stats.duplicate_registrations == len(f["dup"]) > 0
    assert stats.categories == len(f["bc"])


def test_category_counts_follow_the_full_city_estimates(city):
    _, f = city
    counts = f["bc"].category_code.value_counts().to_dict()
    for code, full in FULL_CITY.items():
        assert abs(counts.get(code, 0) - full * SCALE) <= 3, code
    # People in two categories: the distinct register is smaller than the category sum.
    assert len(f["b"]) < len(f["bc"])
    assert 0.9 < len(f["b"]) / len(f["bc"]) < 0.99
    assert len(f["b"]) == pytest.approx(3_020_000 * SCALE, rel=0.01)
    assert len(f["r"]) == pytest.approx(3_450_000 * SCALE, rel=0.05)


def test_every_district_present_and_only_its_own_streets(city):
    _, f = city
    streets = f["streets"].set_index("code").district_code
    assert set(f["b"].district_code) == set(f["districts"].code)
    assert len(set(f["b"].district_code)) == 19
    assert (f["b"].street_code.map(streets) == f["b"].district_code).all()
    assert (f["dup"].street_code.map(streets) == f["dup"].district_code).all()
    # At this scale every street of the reference has someone on the register.
    assert set(f["b"].street_code) == set(streets.index)


def test_district_sizes_and_mix_follow_the_city(city):
    _, f = city
    people = f["b"].groupby("district_code").size()
    population = f["districts"].set_index("code").est_population
    assert people.corr(population[people.index]) > 0.8
    cats = f["bc"].merge(f["b"], left_on="beneficiary_id", right_on="id")
    core = ~cats.district_code.isin(SUBURBS)

    def per_capita(code: str, where: pd.Series) -> float:
        n = (cats.category_code == code)[where].sum()
        return n / population[cats[where].district_code.unique()].sum()

    assert per_capita("LTX", core) > 1.2 * per_capita("LTX", ~core)
    assert per_capita("YLYL", core) > 1.5 * per_capita("YLYL", ~core)


def test_rural_dibao_only_in_suburbs_and_chongming(city):
    _, f = city
    rural = f["bc"][f["bc"].category_code == "DBR"].merge(
        f["b"], left_on="beneficiary_id", right_on="id"
    )
    assert len(rural) > 0
    assert set(rural.district_code) <= SUBURBS


def test_id_numbers_valid_unique_and_fit_the_category(city):
    _, f = city
    b = f["b"]
    assert b.id_number.map(ids.is_valid_id).all()
    assert (b.id_number.str[:6] == b.district_code).all()
    assert b.id_number.is_unique
    cats = f["bc"].merge(b, left_on="beneficiary_id", right_on="id")
    year = cats.id_number.str[6:10].astype(int)
    male = cats.id_number.str[16].astype(int) % 2 == 1
    students = cats.category_code == "PKXS"
    assert year[students].between(1981, 1986).all()
    retirees = cats.category_code == "LTX"
    assert (year[retirees] <= 1954).all()
    assert (year[retirees & male] <= 1944).all()
    assert not male[cats.category_code.isin(["KNFN", "HQS"])].any()
    assert year[cats.category_code == "TKZG"].between(1950, 1976).all()


def test_names_and_addresses_look_real(city):
    _, f = city
    b = f["b"]
    assert b.name.str.fullmatch(r"[\u4e00-\u9fff]{2,4}").all()
    assert b.name.nunique() > len(b) / 10
    address = re.compile(r"[\u4e00-\u9fff]+路\d+弄\d+号\d{3}室|[\u4e00-\u9fff]+村\d+组\d+号")
    assert b.address.map(lambda a: bool(address.fullmatch(a))).all()
    cats = f["bc"].merge(b, left_on="beneficiary_id", right_on="id")
    households = set(cats[cats.category_code.isin(HOUSEHOLD)].beneficiary_id)
    is_household = b.id.isin(households)
    assert b.household_size[is_household].between(1, 6).all()
    assert b.household_size[~is_household].isna().all()


def test_records_dates_amounts_forms_and_numbers(city):
    _, f = city
    r, prog = f["r"], f["prog"].set_index("code")
    assert r.date.min() >= WINDOW[0]
    assert r.date.max() <= WINDOW[1]
    standard = r.programme_code.map(prog.standard_amount_fen)
    visit = r.programme_code.map(prog.form) == "visit"
    typo = r.amount_fen == standard * 10  # an extra zero typed (demo.TYPO_SHARE)
    assert ((r.amount_fen == standard) | (visit & (r.amount_fen == 0)) | typo).all()
    assert 0 < typo.sum() < len(r) * demo.TYPO_SHARE * 3
    assert (r.amount_fen[visit] == 0).any()
    assert (r.form == r.programme_code.map(prog.form)).all()
    assert not r.duplicated(["submitter", "record_no"]).any()
    assert (r.submitter == r.district_code).all()
    # Deliveries ramp towards New Year and the week before the Spring Festival.
    per_day = r.groupby("date").size()
    assert per_day[date(2004, 12, 30)] > 3 * per_day[date(2004, 12, 18)]
    assert per_day[date(2005, 2, 5)] > 2 * per_day[date(2005, 1, 20)]


def test_warmth_to_the_three_islands_only_on_the_islands(city):
    _, f = city
    island_streets = set(f["streets"][f["streets"].name_zh.isin(["长兴乡", "横沙乡"])].code) | set(
        f["streets"][f["streets"].district_code == "310230"].code
    )
    cs01 = f["r"][f["r"].programme_code == "CS01"].merge(f["b"], on="id_number")
    assert len(cs01) > 0
    assert cs01.street_code.isin(island_streets).all()
    assert len(cs01) == (f["r"].programme_code == "CS01").sum()


def test_omission_varies_by_district_within_three_to_fifteen_percent(city):
    _, f = city
    r = _matching(f)
    reached = r[r.match].groupby("district_code").ben_id.nunique()
    eligible = f["b"].groupby("district_code").size()
    omission = 1 - reached / eligible
    assert omission.between(0.02, 0.17).all(), omission.round(3).to_dict()
    assert omission.max() - omission.min() > 0.04


def test_repeats_overlaps_and_leakage_are_planted_and_small(city):
    _, f = city
    r = _matching(f)
    per_pair = r.groupby(["id_number", "programme_code"]).size()
    repeats = (per_pair - 1).sum()
    assert 0.003 < repeats / len(r) < 0.03
    prog = f["prog"].set_index("code")
    good = r[r.match].assign(
        need=lambda x: x.programme_code.map(prog.need),
        dept=lambda x: x.programme_code.map(prog.department_code),
    )
    overlap = good.groupby(["ben_id", "need"]).dept.nunique()
    assert (overlap >= 2).sum() > 0
    unregistered = r[r.ben_id.isna()]
    assert 0 < len(unregistered) / len(r) < 0.012
    assert unregistered.id_number.map(ids.is_valid_id).all()
    wrong_category = r[r.ben_id.notna() & ~r.match]
    assert 0 < len(wrong_category) / len(r) < 0.005
    assert (~r.match).mean() < 0.015


def test_cross_district_duplicates_and_deliveries(city):
    _, f = city
    dup = f["dup"].merge(f["b"], on="id_number", suffixes=("", "_first"))
    assert len(dup) == len(f["dup"]) >= 1
    assert (dup.district_code != dup.district_code_first).all()
    assert (dup.name == dup.name_first).all()
    r = _matching(f)
    elsewhere = r[r.ben_id.notna() & (r.deliverer != r.district_code)]
    assert 0 < len(elsewhere) / len(r) < 0.02
    assert (elsewhere.programme_code != "CS01").all()


def test_two_or_three_districts_clearly_behind_pace(city):
    stats, f = city
    assert 2 <= len(stats.behind_districts) <= 3
    r = _matching(f)
    day = date(2005, 1, 25)
    expected = (day - WINDOW[0]).days / (WINDOW[1] - WINDOW[0]).days
    early = r[r.match & (r.date <= day)].groupby("district_code").ben_id.nunique()
    coverage = early / f["b"].groupby("district_code").size()
    behind = coverage[coverage < expected - 0.10]
    assert set(behind.index) == set(stats.behind_districts), coverage.round(2).to_dict()


def test_load_twice_replaces_rather_than_doubles(engine):
    first = demo.load_demo(engine, scale=SMALL, seed=1)
    second = demo.load_demo(engine, scale=SMALL, seed=2)
    assert second.replaced == first.beneficiaries
    with engine.connect() as conn:

        def count(table) -> int:
            return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()

        assert count(schema.beneficiaries) == second.beneficiaries
        assert count(schema.aid_records) == second.records
        assert count(schema.beneficiary_categories) == second.categories
        assert count(schema.duplicate_registrations) == second.duplicate_registrations
        batches = conn.execute(sa.select(schema.import_batches)).all()
        assert [(b.kind, b.id) for b in batches] == [("demo", second.batch_id)]
        batch_ids = conn.execute(sa.select(schema.aid_records.c.batch_id).distinct()).scalars()
        assert set(batch_ids) == {second.batch_id}
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    f = _frames(engine)
    assert f["b"].id_number.map(ids.is_valid_id).all()
    assert f["r"].date.between(*WINDOW).all()
    assert len(set(f["b"].district_code)) == 19


def test_reloading_one_campaign_keeps_the_other(engine):
    with engine.begin() as conn:
        conn.execute(
            schema.campaigns.insert().values(
                code="2006",
                name_zh="2006年元旦春节帮困送温暖",
                name_en="2006 New Year and Spring Festival aid campaign",
                window_start=date(2005, 12, 20),
                window_end=date(2006, 2, 12),
                new_year=date(2006, 1, 1),
                spring_festival=date(2006, 1, 29),
                lantern_festival=date(2006, 2, 12),
            )
        )
    later = demo.load_demo(engine, scale=SMALL, seed=1, campaign="2006")
    demo.load_demo(engine, scale=SMALL, seed=1, campaign="2005")
    again = demo.load_demo(engine, scale=SMALL, seed=2, campaign="2005")
    c, b, r = schema.campaigns, schema.beneficiaries, schema.aid_records
    with engine.connect() as conn:
        per_campaign = dict(
            conn.execute(
                sa.select(c.c.code, sa.func.count(b.c.id)).join(b).group_by(c.c.code)
            ).all()
        )
        dates = conn.execute(
            sa.select(sa.func.min(r.c.date), sa.func.max(r.c.date))
            .join(c)
            .where(c.c.code == "2006")
        ).one()
        batches = conn.execute(sa.select(sa.func.count()).select_from(schema.import_batches))
        n_batches = batches.scalar_one()
        n_categories = conn.execute(
            sa.select(sa.func.count()).select_from(schema.beneficiary_categories)
        ).scalar_one()
    assert per_campaign == {"2006": later.beneficiaries, "2005": again.beneficiaries}
    assert dates[0] >= date(2005, 12, 20)
    assert dates[1] <= date(2006, 2, 12)
    assert n_batches == 2
    assert n_categories == later.categories + again.categories


def test_postgres_sequence_moves_past_the_loaded_ids(engine):
    stats = demo.load_demo(engine, scale=SMALL, seed=3)
    with engine.begin() as conn:
        top = conn.execute(sa.select(sa.func.max(schema.beneficiaries.c.id))).scalar_one()
        new = conn.execute(
            schema.beneficiaries.insert().values(
                campaign_id=1,
                **protected(conn, ids.make_id("310101", date(1950, 1, 1), 999)),
                name="测试",
                district_code="310101",
                street_code="310101002",
            )
        ).inserted_primary_key[0]
    assert stats.beneficiaries > 0
    assert new > top


def _first_rows(engine: sa.Engine) -> tuple[list, list]:
    b, r = schema.beneficiaries, schema.aid_records
    with engine.connect() as conn:
        people = conn.execute(
            sa.select(b.c.id_number, b.c.name, b.c.street_code, b.c.address)
            .order_by(b.c.id)
            .limit(50)
        ).all()
        records = conn.execute(
            sa.select(r.c.record_no, r.c.id_number, r.c.programme_code, r.c.date)
            .order_by(r.c.id)
            .limit(50)
        ).all()
    return people, records


def test_same_seed_same_city_different_seed_different_city(tmp_path):
    rows = {}
    for name, seed in (("a", 7), ("b", 7), ("c", 8)):
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        bootstrap.init_database(engine)
        demo.load_demo(engine, scale=SMALL, seed=seed)
        rows[name] = _first_rows(engine)
        engine.dispose()
    assert len(rows["a"][0]) == len(rows["a"][1]) == 50
    assert rows["a"] == rows["b"]
    assert rows["a"][0] != rows["c"][0]
    assert rows["a"][1] != rows["c"][1]


def test_progress_is_reported_up_to_done(sqlite_engine):
    seen: list[tuple[str, float]] = []
    demo.load_demo(sqlite_engine, scale=SMALL, progress=lambda s, x: seen.append((s, x)))
    assert seen[-1] == ("done", 1.0)
    assert {"generating", "register", "records", "done"} <= {s for s, _ in seen}
    done = [x for _, x in seen]
    assert done == sorted(done)
    assert done[0] == 0.0
    assert all(0.0 <= x <= 1.0 for x in done)


def test_profiles_add_up_to_the_estimates_and_roads_cover_every_district():
    codes = {r["code"] for r in read_csv("districts.csv")}
    assert set(demo.ROADS) == codes
    per_category = dict.fromkeys(FULL_CITY, 0)
    for cats, count, _ in demo.PROFILES:
        for code in cats:
            per_category[code] += count
    assert per_category == FULL_CITY
    distinct = sum(count for _, count, _ in demo.PROFILES)
    assert 2_950_000 < distinct < 3_050_000


def test_the_demo_snapshot_equals_one_read_from_the_tables(engine, tmp_path, monkeypatch):
    """The demo builds its snapshot from the arrays it wrote; a build from the base tables
    gives the same frames (whole campaign and as of a day), beside another campaign."""
    from warmth.snapshot import store

    with engine.begin() as conn:
        conn.execute(
            schema.campaigns.insert().values(
                code="2006",
                name_zh="2006年元旦春节帮困送温暖",
                name_en="2006 New Year and Spring Festival aid campaign",
                window_start=date(2005, 12, 20),
                window_end=date(2006, 2, 12),
            )
        )
    demo.load_demo(engine, scale=SMALL, seed=4, campaign="2006")
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "demo"))
    demo.load_demo(engine, scale=SMALL, seed=5, campaign="2005")
    with engine.connect() as conn:
        cid = conn.execute(
            sa.select(schema.campaigns.c.id).where(schema.campaigns.c.code == "2005")
        ).scalar_one()
        made = store.city(conn, cid)
    store.forget()
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "read"))
    with engine.connect() as conn:
        read = store.city(conn, cid)
    assert made is not read and len(made.records) == len(read.records) > 0
    for as_of in (None, date(2005, 1, 10)):
        assert_same_frames(made, read, as_of)
    assert sorted(made.records.rec_id.tolist()) == sorted(read.records.rec_id.tolist())
    assert sorted(made.people.id_numbers.tolist()) == sorted(read.people.id_numbers.tolist())
