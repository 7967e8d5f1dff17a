"""Tables of a new demo file written by child processes into a file of their own, then
copied in once, at the end.

SQLite has one writer per file, and most of a big load's cost is the Python side of its
inserts (the rows made and bound one by one) and the sorts of its indexes. A fresh demo file
(warmth.demo.fresh) is written without a journal and thrown away on failure, so there each
load forks: a child writes some tables (the records) into `<file>.side` while the parent
writes the register and its categories, and after the last load another child sorts the
indexes the side's tables defer (the records by person) while the parent sorts the
register's. The parent then copies each table in with one INSERT ... SELECT into its empty
table with the same indexes, which SQLite carries out as a transfer: rows and index entries
copied as they are, in order, nothing decoded or sorted again (tests/test_demo_fresh.py
checks that it prepares as one).
The children inherit the generated city by fork (nothing is pickled) and never touch the
parent's connection.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

import sqlalchemy as sa

SCHEMA = "side"
Work = Callable[[sqlite3.Connection], None]


def path_for(conn: sa.Connection) -> Path:
    """The side file of the connection's SQLite database."""
    return Path(f"{conn.engine.url.database}.side")


def ddl_of(conn: sa.Connection, table: str) -> list[str]:
    """The statements that make a table and its indexes (the constraints' own come with it)."""
    return [
        sql
        for (sql,) in conn.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL"
            " ORDER BY type = 'index', name",
            (table,),
        )
    ]


class SideWriter:
    """The side file of one new database, and the children that write it in turn."""

    def __init__(self, conn: sa.Connection, tables: Sequence[str], later: Sequence[str] = ()):
        """A new side file for the tables (their DDL and indexes read from the parent's,
        before the parent drops any), but the index statements in `later`: those are run
        by `index`, once the tables are whole."""
        self.path = path_for(conn)
        self._remove()
        self.tables, self.later = tuple(tables), tuple(later)
        self.ddl = [sql for t in self.tables for sql in ddl_of(conn, t) if sql not in later]
        self.child: multiprocessing.Process | None = None
        self.made = False  # whether a child has made the side's tables
        self.free: dict[str, int] = {}  # per table, the first id no load has given out

    def reserve(self, table: str, first: int, n: int) -> int:
        """The first of n ids for rows of the table, from `first` (the parent's next free
        id) or past the ids given to rows already written here, whichever is later."""
        first = max(first, self.free.get(table, first))
        self.free[table] = first + n
        return first

    def start(self, work: Work) -> None:
        """Fork a child that runs work(connection to the side file) and commits, after the
        one before it has finished."""
        self.join()
        ddl, self.made = ([] if self.made else self.ddl), True
        self.child = multiprocessing.get_context("fork").Process(
            target=_write, args=(str(self.path), ddl, work), daemon=True
        )
        self.child.start()

    def index(self, statements: Sequence[str]) -> None:
        """Build these indexes of the side's tables in a child, and then the tables'
        statistics (copied in with them): sorted on one core, the parent's sorts on the
        other."""

        def build(side: sqlite3.Connection) -> None:
            for sql in statements:
                side.execute(sql)
            for table in self.tables:
                side.execute(f'ANALYZE "{table}"')

        self.start(build)

    def join(self) -> None:
        """Wait for the running child; a failed one is an error."""
        if self.child is None:
            return
        self.child.join()
        code, self.child = self.child.exitcode, None
        if code != 0:
            raise RuntimeError(f"the demo's second writer failed (exit {code})")

    def copy_in(self, conn: sa.Connection) -> None:
        """Wait for the children, then copy the side's tables into the parent's (same
        columns; call outside a transaction, with foreign keys off)."""
        self.join()
        conn.exec_driver_sql(f"ATTACH DATABASE ? AS {SCHEMA}", (str(self.path),))
        conn.commit()  # SQLAlchemy's transaction closed: ATTACH opened none in SQLite
        try:
            with conn.begin():
                for table in self.tables:
                    conn.exec_driver_sql(f"INSERT INTO main.{table} SELECT * FROM {SCHEMA}.{table}")
                _statistics(conn, self.tables)
        finally:
            conn.exec_driver_sql(f"DETACH DATABASE {SCHEMA}")
            conn.commit()

    def close(self) -> None:
        """Stop a child still running and remove the side file."""
        if self.child is not None and self.child.is_alive():
            self.child.terminate()
            self.child.join()
        self.child = None
        self._remove()

    def _remove(self) -> None:
        for extra in ("", "-journal"):
            Path(f"{self.path}{extra}").unlink(missing_ok=True)


def _statistics(conn: sa.Connection, tables: Sequence[str]) -> None:
    """The side's statistics of the tables (the same rows, the same indexes: what ANALYZE
    would find here), in place of the parent's own."""
    has = f"SELECT 1 FROM {SCHEMA}.sqlite_master WHERE name = 'sqlite_stat1'"
    if not conn.exec_driver_sql(has).first():
        return
    conn.exec_driver_sql("ANALYZE main.sqlite_schema")  # makes sqlite_stat1 when missing
    marks = ", ".join("?" * len(tables))
    conn.exec_driver_sql(f"DELETE FROM main.sqlite_stat1 WHERE tbl IN ({marks})", tuple(tables))
    conn.exec_driver_sql(
        f"INSERT INTO main.sqlite_stat1 (tbl, idx, stat) SELECT tbl, idx, stat"
        f" FROM {SCHEMA}.sqlite_stat1 WHERE tbl IN ({marks})",
        tuple(tables),
    )


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
