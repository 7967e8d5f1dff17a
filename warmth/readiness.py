"""Readiness: may a load balancer send viewers to this server?

Ready means the database answers and its schema is at the newest migration. A server
that is up but not ready (the database stopped, or a new release whose migrations have not
been run yet) answers 503, so the balancer sends viewers to another replica. Liveness is
Streamlit's own `/_stcore/health`; this is the route beside it (see serve.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from warmth import migrate
from warmth.config import database_url
from warmth.database import redact

CONNECT_TIMEOUT_S = 3


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str  # one line, the password hidden

    @property
    def status(self) -> int:
        return 200 if self.ready else 503


@functools.cache
def _probe_engine(url: str) -> sa.Engine:
    """An engine without a pool: every check is a fresh connection, so a server that went
    away and came back is seen as it is now, never through a stale pooled connection."""
    target = make_url(url)
    if target.get_backend_name() == "sqlite":
        path = target.database
        # mode=ro: a check never creates a missing file
        uri = f"file:{path}?mode=ro" if path and path != ":memory:" else ":memory:"
        return sa.create_engine("sqlite://", creator=_sqlite_creator(uri), poolclass=NullPool)
    return sa.create_engine(
        target, poolclass=NullPool, connect_args={"connect_timeout": CONNECT_TIMEOUT_S}
    )


def _sqlite_creator(uri: str):
    import sqlite3

    return lambda: sqlite3.connect(uri, uri=True, timeout=CONNECT_TIMEOUT_S)


@functools.cache
def _head() -> str | None:
    return migrate.head_revision()


def check(url: str | None = None) -> Readiness:
    """Is the database at `url` (default: the configured one) reachable and at the head?"""
    url = database_url(url)
    try:
        with _probe_engine(url).connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            current = MigrationContext.configure(conn).get_current_revision()
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        return Readiness(False, f"database {redact(url)} unavailable: {reason}")
    head = _head()
    if current != head:
        return Readiness(
            False, f"schema at {current or 'nothing'}, code needs {head}: run warmth init"
        )
    return Readiness(True, f"ready: schema at {head}")
