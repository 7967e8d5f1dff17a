"""An import's or undo's SQLite transaction has a large page cache, and the connection
gets its default back when the transaction ends, committed or rolled back."""

from __future__ import annotations

import pytest

from warmth.intake.loading import WRITE_CACHE_KIB, lock_for_import


@pytest.mark.parametrize("ending", ["commit", "rollback"])
def test_the_write_cache_lasts_one_transaction(sqlite_engine, ending):
    with sqlite_engine.connect() as conn:
        default = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.rollback()
        lock_for_import(conn)
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -WRITE_CACHE_KIB
        getattr(conn, ending)()
        assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == default
        assert default != -WRITE_CACHE_KIB
