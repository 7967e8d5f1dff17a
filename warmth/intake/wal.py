"""An import's commit without SQLite's checkpoint in it, and the checkpoint run right after
it, behind the answer.

In WAL mode (warmth.database) the commit that takes the log past its threshold copies the
whole log into the database file first (an automatic checkpoint): after a 50,000-record
import that is some 250 MB written and synced before the commit returns, about twice the
commit's own work. Here the commit leaves that copy to a checkpoint of the import's
own, started as it returns (in a thread of this process, on a connection of its own, the
PASSIVE kind: it waits for no reader). `settle()` waits for it. Nothing here changes what
any reader sees: the log holds the committed pages until they are copied.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

_guard = threading.Lock()
_running: list[threading.Thread] = []


@contextmanager
def checkpoint_behind(conn: sa.Connection) -> Iterator[None]:
    """Commit inside this block without the automatic checkpoint; once it is done, start
    the checkpoint (SQLite; elsewhere this does nothing)."""
    if conn.dialect.name != "sqlite":
        yield
        return
    threshold = conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
    restore = f"PRAGMA wal_autocheckpoint={int(threshold)}"
    conn.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
    try:
        yield
    except BaseException:
        if not conn.invalidated:  # the connection goes back to the pool as it came
            conn.exec_driver_sql(restore)
        raise
    conn.exec_driver_sql(restore)
    worker = threading.Thread(target=_checkpoint, args=(conn.engine,), daemon=True)
    with _guard:
        _running.append(worker)
    worker.start()


def _checkpoint(engine: sa.Engine) -> None:
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").all()
    except sa.exc.SQLAlchemyError:
        # the database went away (a test's engine disposed, the file removed): the next
        # commit past the threshold checkpoints as SQLite always does
        return


def settle() -> None:
    """Wait for the checkpoints started in this process (a command that exits right after,
    a benchmark that counts them)."""
    with _guard:
        running = list(_running)
        _running.clear()
    for worker in running:
        worker.join()
