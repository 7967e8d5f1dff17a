"""The data version: every write path outside the intake bumps it in its own transaction
(the demo load, `warmth refresh`, the first run's schema set-up and summary rebuild)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from warmth import bootstrap, demo, schema, versions
from warmth.cli import main


def version(engine) -> int:
    with engine.connect() as conn:
        return versions.current(conn)


def test_bump_counts_up_and_restores_a_missing_row(sqlite_engine):
    from warmth import schema

    with sqlite_engine.begin() as conn:
        conn.execute(schema.data_version.delete())
        assert versions.current(conn) == 0
        assert versions.bump(conn) == 1
        assert versions.bump(conn) == 2
    assert version(sqlite_engine) == 2


def test_init_database_bumps_only_when_it_changed_something(sqlite_engine):
    before = version(sqlite_engine)
    bootstrap.init_database(sqlite_engine)  # current schema, reference rows as shipped
    assert version(sqlite_engine) == before
    with sqlite_engine.begin() as conn:
        conn.execute(schema.districts.update().values(name_en="edited"))
    bootstrap.init_database(sqlite_engine)  # the names put back
    assert version(sqlite_engine) > before
    with sqlite_engine.connect() as conn:
        assert "edited" not in set(conn.execute(sa.select(schema.districts.c.name_en)).scalars())


def test_demo_load_bumps_and_a_failed_one_does_not(sqlite_engine, monkeypatch):
    before = version(sqlite_engine)
    demo.load_demo(sqlite_engine, scale=0.001)
    loaded = version(sqlite_engine)
    assert loaded > before

    def broken(conn, *args, **kwargs):
        raise RuntimeError("indexing failed")

    monkeypatch.setattr(demo.load, "_record_chunks", broken)
    with pytest.raises(RuntimeError):
        demo.load_demo(sqlite_engine, scale=0.001, seed=8)
    assert version(sqlite_engine) == loaded


def test_refresh_command_and_the_first_run_rebuild_bump(sqlite_engine, capsys):
    demo.load_demo(sqlite_engine, scale=0.001)
    before = version(sqlite_engine)
    url = sqlite_engine.url.render_as_string(hide_password=False)
    assert main(["refresh", "--db", url]) == 0
    refreshed = version(sqlite_engine)
    assert refreshed > before
    assert bootstrap.rebuild_snapshots(sqlite_engine) == 1
    assert version(sqlite_engine) > refreshed
    assert bootstrap.has_data(sqlite_engine) and bootstrap.is_ready(sqlite_engine)
