"""Schema creation and upgrade through Alembic (the only way the schema is changed)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from warmth import plan_stats

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def upgrade(engine: sa.Engine) -> bool:
    """Bring the schema to the newest revision (a no-op when it is there already: nothing
    run, not even the foreign-key check of a real upgrade, which reads every row); returns
    whether it ran any migration."""
    cfg = alembic_config()
    before = current_revision(engine) if sa.inspect(engine).has_table("alembic_version") else None
    if before is not None and before == head_revision():
        return False
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        if sqlite:
            # SQLite's table rebuilds (Alembic's batch mode) with foreign keys off, as its
            # ALTER TABLE documentation prescribes: with them on, dropping the old table
            # deletes its rows one by one first and cascades to the rows that refer to them.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.commit()  # the pragma takes effect outside a transaction only
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise RuntimeError("the upgrade left rows whose foreign keys do not match")
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.commit()
    if sqlite and before is not None and before < CLEAR_IDS_GONE:
        _wipe_free_pages(engine)
    if before is not None:  # the tables an upgrade rebuilt have lost their statistics
        plan_stats.gather_missing(engine)
    return True


CLEAR_IDS_GONE = "0014"  # the revision that replaced clear ID numbers by hashes and seals


def _wipe_free_pages(engine: sa.Engine) -> None:
    """Rewrite the SQLite file and empty its WAL: pages freed before the upgrade (earlier
    loads, dropped indexes) still held clear ID numbers, and VACUUM cannot run inside the
    migration's transaction."""
    with engine.connect() as conn:
        conn.exec_driver_sql("VACUUM")
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
