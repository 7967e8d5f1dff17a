"""Engines and transactions for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from warmth import rls
from warmth.config import database_url
from warmth.errors import DatabaseUnavailableError

__all__ = ["DatabaseUnavailableError", "check", "is_sqlite", "make_engine", "redact"]


def redact(url: str | URL) -> str:
    """The URL as safe to print: the password replaced by ***."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def is_sqlite(engine_or_conn: Engine | sa.Connection) -> bool:
    return engine_or_conn.dialect.name == "sqlite"


def make_engine(url: str | None = None, *, create_dir: bool = True) -> Engine:
    """One engine for the given URL (default: the configured one), with a checked pool."""
    target = make_url(database_url(url))
    if target.get_backend_name() == "sqlite":
        path = target.database
        if path and path != ":memory:" and create_dir:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(target, connect_args={"timeout": 30})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    engine = sa.create_engine(
        target, pool_size=5, max_overflow=5, pool_timeout=10, pool_pre_ping=True
    )
    if target.get_backend_name() == "postgresql":
        rls.install(engine)  # every transaction starts with its districts (warmth.rls)
    return engine


def check(engine: Engine) -> None:
    """Raise DatabaseUnavailableError with a one-line reason when the database cannot be used."""
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise DatabaseUnavailableError(
            f"cannot use database {redact(engine.url)}: {reason}"
        ) from exc
