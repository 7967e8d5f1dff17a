"""Migration 0015: the register's uniqueness held by an index, on SQLite and PostgreSQL.

An existing database is upgraded with every row kept (the categories too, which SQLite's
table rebuild would otherwise cascade away), and afterwards, as before, a second row for the
same campaign and ID number is refused while the same number in another campaign is not.
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic import command

from warmth import bootstrap, migrate, reference
from warmth.database import make_engine

NAME = "uq_beneficiaries_campaign_id_id_number"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_engine(request, tmp_path):
    """A database with no schema yet, on each backend."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
        yield eng
        eng.dispose()
        return
    admin = request.getfixturevalue("pg_admin")
    name = f"warmth_m_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    eng = make_engine(admin.url.set(database=name).render_as_string(False))
    yield eng
    eng.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


def _migrate(engine: sa.Engine, revision: str, *, down: bool = False) -> None:
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _register(conn: sa.Connection, campaign: int, number: str, ben_id: int):
    conn.execute(
        sa.text(
            "INSERT INTO beneficiaries (id, campaign_id, id_number, name, district_code,"
            " street_code) VALUES (:i, :c, :n, '测试', '310101', '310101002')"
        ),
        {"i": ben_id, "c": campaign, "n": number},
    )


def _rows(engine: sa.Engine) -> tuple[list, list]:
    with engine.connect() as conn:
        people = conn.execute(
            sa.text("SELECT id, campaign_id, id_number FROM beneficiaries ORDER BY id")
        ).all()
        cats = conn.execute(
            sa.text(
                "SELECT beneficiary_id, category_code FROM beneficiary_categories ORDER BY 1, 2"
            )
        ).all()
    return people, cats


def _assert_unique(engine: sa.Engine, campaigns: tuple[int, int]) -> None:
    """A second registration of a number in its campaign is refused, in another is not."""
    first, second = campaigns
    with pytest.raises(sa.exc.IntegrityError, match="(?i)unique"), engine.begin() as conn:
        _register(conn, first, "H-1", 901)
    with engine.begin() as conn:
        _register(conn, second, "H-1", 900)
        conn.execute(sa.text("DELETE FROM beneficiaries WHERE id = 900"))


def test_upgrade_keeps_every_row_and_the_rule_and_downgrade_restores_it(empty_engine):
    _migrate(empty_engine, "0014")
    with empty_engine.begin() as conn:
        reference.load(conn)
        ids = dict(conn.execute(sa.text("SELECT code, id FROM campaigns")).all())
        campaigns = (ids["2005"], ids["2004"])
        for n in range(1, 6):
            _register(conn, campaigns[0], f"H-{n}", n)
            for code in ("DBU", "CJR")[: 1 + n % 2]:
                conn.execute(
                    sa.text("INSERT INTO beneficiary_categories VALUES (:b, :c)"),
                    {"b": n, "c": code},
                )
    before = _rows(empty_engine)
    assert len(before[1]) == 8

    _migrate(empty_engine, "0015")
    assert _rows(empty_engine) == before
    found = sa.inspect(empty_engine)
    assert {i["name"]: i["unique"] for i in found.get_indexes("beneficiaries")}[NAME]
    assert NAME not in {u["name"] for u in found.get_unique_constraints("beneficiaries")}
    _assert_unique(empty_engine, campaigns)

    _migrate(empty_engine, "0014", down=True)
    assert _rows(empty_engine) == before
    found = sa.inspect(empty_engine)
    assert NAME in {u["name"] for u in found.get_unique_constraints("beneficiaries")}
    _assert_unique(empty_engine, campaigns)

    bootstrap.init_database(empty_engine)  # warmth init: to the head again
    assert _rows(empty_engine) == before
    _assert_unique(empty_engine, campaigns)


def test_a_new_database_has_the_unique_index(engine):
    found = sa.inspect(engine)
    assert {i["name"]: i["unique"] for i in found.get_indexes("beneficiaries")}[NAME]
    with engine.connect() as conn:
        ids = dict(conn.execute(sa.text("SELECT code, id FROM campaigns")).all())
    with engine.begin() as conn:
        _register(conn, ids["2005"], "H-1", 1)
    _assert_unique(engine, (ids["2005"], ids["2004"]))
