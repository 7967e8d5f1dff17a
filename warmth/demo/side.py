"""Tables of one load written by a second process into a file of their own, then copied in.

SQLite has one writer per file, and most of a big load's cost is the Python side of its
inserts (the rows made and bound one by one). A fresh demo file (warmth.demo.fresh) is
written without a journal and thrown away on failure, so there the load forks: the child
writes some tables (the records) into `<file>.side` while the parent writes the register
and its categories, and the parent then copies them in with one INSERT ... SELECT each,
inside SQLite. The child inherits the generated city by fork (nothing is pickled) and
never touches the parent's connection.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

SCHEMA = "side"
Work = Callable[[sqlite3.Connection], None]


def path_for(conn: sa.Connection) -> Path:
    """The side file of the connection's SQLite database."""
    return Path(f"{conn.engine.url.database}.side")


class SideWriter:
    """The side file attached to the parent's connection, and the child that writes it."""

    def __init__(self, conn: sa.Connection, tables: tuple[str, ...]):
        """Attach a new side file (call outside a transaction); tables get the parent's DDL."""
        self.path = path_for(conn)
        for extra in ("", "-journal"):
            Path(f"{self.path}{extra}").unlink(missing_ok=True)
        self.tables = tables
        self.ddl = [
            conn.exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (t,)
            ).scalar_one()
            for t in tables
        ]
        conn.exec_driver_sql(f"ATTACH DATABASE ? AS {SCHEMA}", (str(self.path),))
        conn.commit()  # SQLAlchemy's transaction closed: ATTACH opened none in SQLite
        self.child: multiprocessing.Process | None = None

    def start(self, work: Work) -> None:
        """Fork the child that runs work(connection to the side file) and commits."""
        self.child = multiprocessing.get_context("fork").Process(
            target=_write, args=(str(self.path), self.ddl, work), daemon=True
        )
        self.child.start()

    def copy_in(self, conn: sa.Connection) -> None:
        """Wait for the child, then copy its tables into the parent's (same columns)."""
        if self.child is None:
            raise RuntimeError("the side writer was not started")
        self.child.join()
        if self.child.exitcode != 0:
            raise RuntimeError(f"the demo's second writer failed (exit {self.child.exitcode})")
        for table in self.tables:
            conn.exec_driver_sql(f"INSERT INTO main.{table} SELECT * FROM {SCHEMA}.{table}")

    def close(self, conn: sa.Connection) -> None:
        """Stop a child still running, detach and remove the side file (outside a transaction)."""
        if self.child is not None and self.child.is_alive():
            self.child.terminate()
            self.child.join()
        conn.exec_driver_sql(f"DETACH DATABASE {SCHEMA}")
        conn.commit()
        for extra in ("", "-journal"):
            Path(f"{self.path}{extra}").unlink(missing_ok=True)


def _write(path: str, ddl: list[str], work: Work) -> None:
    side = sqlite3.connect(path, isolation_level=None)
    try:
        side.execute("PRAGMA journal_mode=OFF")
        side.execute("PRAGMA synchronous=OFF")
        side.execute("PRAGMA cache_size=-262144")
        side.execute("BEGIN")
        for sql in ddl:
            side.execute(sql)
        work(side)
        side.execute("COMMIT")
    finally:
        side.close()
