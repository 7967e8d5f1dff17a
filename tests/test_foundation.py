"""Schema, reference data and `warmth init`, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from datetime import date

import pytest
import sqlalchemy as sa

from warmth import bootstrap, cli, ids, reference, schema
from warmth.config import REFERENCE_DIR


def count(conn, table) -> int:
    return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_reference_counts_match_the_files(engine):
    with engine.connect() as conn:
        assert count(conn, schema.districts) == 19
        assert count(conn, schema.streets) == 213
        assert count(conn, schema.departments) == 11
        assert count(conn, schema.categories) == 16
        assert count(conn, schema.programmes) == 24
        c = schema.campaigns
        campaign = conn.execute(sa.select(c).where(c.c.code == "2005")).one()
        earlier = conn.execute(sa.select(c).where(c.c.code == "2004")).one()
        assert count(conn, c) == 2
    assert (campaign.code, campaign.window_start, campaign.window_end) == (
        "2005",
        date(2004, 12, 18),
        date(2005, 2, 23),
    )
    assert campaign.spring_festival == date(2005, 2, 9)
    # 2004: the window set as 2005's (53 days before the festival to the Lantern Festival)
    assert (earlier.window_start, earlier.spring_festival, earlier.window_end) == (
        date(2003, 11, 30),
        date(2004, 1, 22),
        date(2004, 2, 5),
    )


def test_init_twice_changes_nothing(engine):
    with engine.connect() as conn:
        before = {t.name: count(conn, t) for t in schema.metadata.sorted_tables}
    bootstrap.init_database(engine)
    with engine.connect() as conn:
        after = {t.name: count(conn, t) for t in schema.metadata.sorted_tables}
    assert before == after
    assert bootstrap.is_initialised(engine)


def test_every_street_has_a_unique_code_inside_its_district():
    with open(REFERENCE_DIR / "streets.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    codes = [r["code"] for r in rows]
    assert len(rows) == 213
    assert len(set(codes)) == 213
    assert all(r["code"].startswith(r["district_code"]) and len(r["code"]) == 9 for r in rows)
    luwan = sorted(r["code"] for r in rows if r["district_code"] == "310103")
    assert luwan == ["310103001", "310103002", "310103003", "310103004"]


def test_programme_categories_link_every_programme(engine):
    with engine.connect() as conn:
        linked = (
            conn.execute(sa.select(schema.programme_categories.c.programme_code).distinct())
            .scalars()
            .all()
        )
        served = (
            conn.execute(
                sa.select(schema.programme_categories.c.category_code).where(
                    schema.programme_categories.c.programme_code == "MZ01"
                )
            )
            .scalars()
            .all()
        )
    assert len(linked) == 24
    assert sorted(served) == ["DBR", "DBU"]


@pytest.mark.parametrize(
    ("raw", "valid"),
    [
        ("11010519491231002X", True),
        ("11010519491231002x", True),
        ("440524188001010014", True),
        ("110105194912310021", False),
        ("110105491231002", False),
        ("１１0105194912310021", False),
        ("110105194902310027", False),
    ],
)
def test_id_checksum_and_birth_date(raw, valid):
    assert ids.is_valid_id(raw) is valid


def test_id_problem_names_the_birth_date():
    first17 = "11010519490231002"
    assert "19490231" in ids.id_problem(first17 + ids.check_char(first17))


def test_make_id_is_valid_and_masking_hides_the_middle():
    made = ids.make_id("310101", date(1950, 3, 4), 17)
    assert ids.is_valid_id(made)
    assert ids.mask_id(made) == "310101********" + made[-4:]
    assert ids.mask_name("张三") == "张*"
    assert ids.mask_name("欧阳小明") == "欧阳**"


def test_cli_init_unreachable_database_is_one_line_and_exit_2(capsys):
    code = cli.main(["init", "--db", "postgresql+psycopg://u:secret@127.0.0.1:1/x"])
    err = capsys.readouterr().err
    assert code == 2
    assert "secret" not in err and "***" in err
    assert len(err.strip().splitlines()) == 1


def test_cli_init_unwritable_path(capsys, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    code = cli.main(["init", "--db", f"sqlite:///{blocker / 'x.db'}"])
    assert code == 2
    assert "cannot" in capsys.readouterr().err


def test_reference_names_survive_commas(engine):
    with engine.connect() as conn:
        sh = conn.execute(
            sa.select(schema.departments).where(schema.departments.c.code == "SH")
        ).one()
        kinds = set(conn.execute(sa.select(schema.departments.c.kind)).scalars())
    assert sh.name_en == "Social pairing (agencies, troops, colleges, enterprises)"
    assert sh.kind == "social"
    assert kinds == {"government", "mass_organisation", "public_interest", "social"}


def test_a_ragged_reference_row_is_refused_with_its_line(tmp_path):
    (tmp_path / "departments.csv").write_text(
        "code,name_zh,name_en,kind\nMZ,民政局,Civil Affairs,government\nSH,社会结对,a, b,social\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="line 3"):
        reference.read_csv("departments.csv", tmp_path)
