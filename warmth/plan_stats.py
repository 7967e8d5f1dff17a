"""SQLite's planner statistics (ANALYZE): without any, SQLite weighs two indexes of a table
alike and takes the one made last, so a list can read a whole district's register where a
street's index would do. The demo gathers them after its load, `warmth init` after an
upgrade (a rebuilt table loses its statistics); PostgreSQL's autovacuum keeps its own."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa


def analyze(conn: sa.Connection, tables: Sequence[str] | None = None) -> None:
    """Statistics of the tables (default: all), so that the lists' reads are planned on them.
    Every row is read: a sampled ANALYZE (analysis_limit) reads only the first entries of
    each index, which here claims that a campaign is a thousand rows and sends the
    cross-district list through the whole register."""
    for table in tables if tables is not None else [None]:
        conn.exec_driver_sql("ANALYZE" if table is None else f'ANALYZE "{table}"')


def without_statistics(conn: sa.Connection) -> list[str]:
    """The SQLite tables that have no statistics yet."""
    names = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    tables = [name for (name,) in conn.exec_driver_sql(names)]
    if not conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").first():
        return tables
    done = {t for (t,) in conn.exec_driver_sql("SELECT DISTINCT tbl FROM sqlite_stat1")}
    return [t for t in tables if t not in done]


def gather_missing(engine: sa.Engine) -> list[str]:
    """On SQLite, the statistics of every table that holds rows and has none (a table
    rebuilt by an upgrade, or a database made before they were gathered); returns those
    tables. Empty tables are left for the load that fills them."""
    if engine.dialect.name != "sqlite":
        return []
    with engine.connect() as conn:
        filled = [
            t
            for t in without_statistics(conn)
            if conn.exec_driver_sql(f'SELECT 1 FROM "{t}" LIMIT 1').first()  # noqa: S608
        ]
        analyze(conn, filled)
        conn.commit()
    return filled
