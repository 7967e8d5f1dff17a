"""An import's commit leaves SQLite's checkpoint to one run right after it (warmth.intake.wal)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.intake.support import AID_HEADER, aid_rows, upload
from warmth import schema
from warmth.intake import wal


def test_the_checkpoint_runs_after_the_commit_and_the_threshold_comes_back(engine, monkeypatch):
    if engine.dialect.name != "sqlite":
        # PostgreSQL has no such checkpoint in a commit: the block does nothing there
        with engine.connect() as conn, wal.checkpoint_behind(conn):
            conn.commit()
        assert wal._running == []
        return
    ran: list[sa.Engine] = []
    real = wal._checkpoint
    monkeypatch.setattr(wal, "_checkpoint", lambda e: (ran.append(e), real(e)))
    with engine.connect() as conn:
        threshold = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
    result = upload(engine, "aid", AID_HEADER, aid_rows(5))
    wal.settle()
    assert ran == [engine] and wal._running == []
    with engine.connect() as conn:  # the pooled connection the import used
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == threshold
        busy, log, copied = conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").one()
        a = schema.aid_records
        stored = conn.execute(sa.select(sa.func.count()).where(a.c.batch_id == result.batch_id))
        assert stored.scalar() == 5
    assert (busy, log) == (0, copied)  # everything in the log is in the database file


def threshold(conn: sa.Connection) -> int | None:
    if conn.dialect.name != "sqlite":
        return None
    return conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()


def test_a_failed_commit_gives_the_threshold_back_and_starts_nothing(engine):
    with engine.connect() as conn:
        before = threshold(conn)
        with pytest.raises(RuntimeError, match="refused"), wal.checkpoint_behind(conn):
            raise RuntimeError("commit refused")
        assert threshold(conn) == before
    assert wal._running == []
