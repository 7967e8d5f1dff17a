"""`migrate.upgrade`: a database at the newest revision is left alone (an upgrade that runs
checks every row's foreign keys, which at full city scale reads millions of rows), and an
upgraded SQLite database has the planner's statistics of every table that holds rows."""

from __future__ import annotations

import sqlalchemy as sa

from tests.test_migration_0015 import _migrate, _register
from warmth import migrate, reference
from warmth.database import make_engine


def _statements(engine: sa.Engine, run) -> list[str]:
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        run()
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return seen


def test_an_upgrade_to_where_the_database_is_runs_nothing(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    first = _statements(engine, lambda: migrate.upgrade(engine))
    assert any("foreign_key_check" in s for s in first)  # a real upgrade checks its rows
    assert migrate.current_revision(engine) == migrate.head_revision()
    again = _statements(engine, lambda: migrate.upgrade(engine))
    assert not any("foreign_key_check" in s or "CREATE" in s.upper() for s in again)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_a_database_behind_is_still_upgraded(tmp_path):
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    cfg = migrate.alembic_config(str(engine.url))
    command.upgrade(cfg, "0014")
    assert migrate.current_revision(engine) == "0014"
    ran = _statements(engine, lambda: migrate.upgrade(engine))
    assert any("foreign_key_check" in s for s in ran)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_an_upgraded_database_has_statistics_of_its_filled_tables(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    _migrate(engine, "0014")
    with engine.begin() as conn:
        reference.load(conn)
        cid = conn.execute(sa.text("SELECT id FROM campaigns WHERE code = '2005'")).scalar()
        for n in range(1, 6):
            _register(conn, cid, f"H-{n}", n)
        has = "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"
        assert conn.execute(sa.text(has)).scalar() == 0  # made before statistics were kept
    migrate.upgrade(engine)  # 0015 rebuilds the register
    with engine.connect() as conn:
        stats = dict(
            conn.execute(
                sa.text("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'beneficiaries'")
            ).all()
        )
        tables = {t for (t,) in conn.execute(sa.text("SELECT DISTINCT tbl FROM sqlite_stat1"))}
    assert stats["uq_beneficiaries_campaign_id_id_number"].startswith("5 ")
    assert {"campaigns", "districts", "streets"} <= tables
    assert "aid_records" not in tables  # empty: left for the load that fills it
    engine.dispose()
