"""Rows as the driver takes them: a frame's columns as value tuples, in chunks, and the ids
an insert will give them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa

PART = 900  # values looked up at a time: under SQLite's bound-parameter limit


@dataclass
class Rows:
    """Rows to insert: column names and one tuple of values per row (and, when made from a
    frame, each column's values as a list, by name)."""

    columns: tuple[str, ...]
    values: list[tuple]
    by_column: dict[str, list] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.values)


def insert_rows(conn: sa.Connection, table: sa.Table, rows: Rows) -> None:
    """One chunk of rows, straight to the driver's executemany."""
    if not rows.values:
        return
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in rows.columns)}) "
        f"VALUES ({', '.join([mark] * len(rows.columns))})"
    )
    conn.exec_driver_sql(sql, rows.values)


def chunks(rows: Rows, size: int):
    for start in range(0, len(rows.values), size):
        yield Rows(rows.columns, rows.values[start : start + size])


def in_parts(values: list[str]):
    for start in range(0, len(values), PART):
        yield values[start : start + PART]


def frame_rows(conn: sa.Connection, frame: pd.DataFrame, columns: list[str], **constant) -> Rows:
    """The frame's columns (missing values as NULL) and the constants, as Rows."""
    sqlite = conn.dialect.name == "sqlite"
    lists = []
    for column in columns:
        values = frame[column].tolist()
        missing = frame[column].isna().to_numpy()
        if missing.any():
            values = [None if gone else v for v, gone in zip(values, missing, strict=True)]
        if sqlite and column == "date":
            values = [v.isoformat() if v is not None else None for v in values]
        lists.append(values)
    lists += [[value] * len(frame) for value in constant.values()]
    names = (*columns, *constant)
    return Rows(names, list(zip(*lists, strict=True)), dict(zip(names, lists, strict=True)))


def dict_rows(records: list[dict]) -> Rows:
    if not records:
        return Rows((), [])
    columns = tuple(records[0])
    return Rows(columns, [tuple(r[c] for c in columns) for r in records])


def new_ids(conn: sa.Connection, table: sa.Table, n: int) -> np.ndarray:
    """Ids for n rows about to be inserted into the table, in order, so that nothing is read
    back to learn them. The caller holds the import lock (warmth.intake.loading): on SQLite
    it is the database's one writer, and the ids follow the largest there; on PostgreSQL
    they are drawn from the table's own sequence, as an insert would draw them."""
    if n == 0:
        return np.zeros(0, dtype="int64")
    if conn.dialect.name == "sqlite":
        top = conn.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar_one()
        return np.arange(top + 1, top + 1 + n, dtype="int64")
    drawn = conn.execute(
        sa.text(
            "SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n) AS g(i)"
            " ORDER BY g.i"
        ),
        {"t": table.name, "n": n},
    ).scalars()
    return np.fromiter(drawn, dtype="int64", count=n)
