"""Engines and transactions for SQLite (embedded) and PostgreSQL (production)."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url

from warmth import rls
from warmth.config import database_url
from warmth.errors import DatabaseUnavailableError

__all__ = [
    "MISSING",
    "DatabaseUnavailableError",
    "Identities",
    "check",
    "file_identity",
    "is_sqlite",
    "make_engine",
    "redact",
]

BUSY_TIMEOUT_S = 30  # a writer waits this long for another writer (SQLite)
MISSING = "missing"


def redact(url: str | URL) -> str:
    """The URL as safe to print: the password replaced by ***."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(busy_timeout_s: float):
    def on_connect(dbapi_conn, _record) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return on_connect


def is_sqlite(engine_or_conn: Engine | sa.Connection) -> bool:
    return engine_or_conn.dialect.name == "sqlite"


def make_engine(
    url: str | None = None, *, create_dir: bool = True, busy_timeout_s: float = BUSY_TIMEOUT_S
) -> Engine:
    """One engine for the given URL (default: the configured one), with a checked pool.
    busy_timeout_s: how long a SQLite write waits for another writer before it fails."""
    target = make_url(database_url(url))
    if target.get_backend_name() == "sqlite":
        path = target.database
        if path and path != ":memory:" and create_dir:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(target, connect_args={"timeout": busy_timeout_s})
        sa.event.listen(engine, "connect", _sqlite_pragmas(busy_timeout_s))
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


def file_identity(url: str | URL) -> tuple | str | None:
    """What the file of a SQLite URL is right now: (device, inode, write bits, writable),
    MISSING when there is no file, None for a server database. A file replaced, deleted or
    made read-only under a running server changes it (connections opened before keep the
    old file, or the old mode, until they are closed)."""
    target = make_url(url)
    path = target.database
    if target.get_backend_name() != "sqlite" or not path or path == ":memory:":
        return None
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return MISSING
    return (found.st_dev, found.st_ino, found.st_mode & 0o222, os.access(path, os.W_OK))


class Identities:
    """What a long-running process last saw of each database, to notice one swapped under it:
    `file_changed` (a SQLite file replaced, deleted or made read-only) and `token_changed`
    (any database made again: versions.identity). Each says True once per change."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], object] = {}

    def _changed(self, url: str, kind: str, now: object) -> tuple[bool, object]:
        before = self._seen.get((url, kind))
        self._seen[(url, kind)] = now
        return before is not None and now != before, before

    def file_changed(self, url: str) -> bool:
        """True when the file is not the one seen last time. DatabaseUnavailableError when
        it is gone after it was there (an outage, not a first run to make a new one)."""
        now = file_identity(url)
        changed, before = self._changed(url, "file", now)
        if now == MISSING and before is not None:
            raise DatabaseUnavailableError(f"cannot use database {redact(url)}: the file is gone")
        return changed

    def token_changed(self, url: str, token: str) -> bool:
        return self._changed(url, "token", token)[0]
