"""The append-only audit trail: who did what (sign_in, denied, view, export, upload, undo,
reveal, and the command line's user_* changes). The application only appends and reads it:
on PostgreSQL its role holds INSERT and SELECT on the table and nothing more
(warmth/sql/grants.sql)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import sqlalchemy as sa

from warmth import schema
from warmth.scope import Scope


def write_audit(
    conn: sa.Connection,
    *,
    user: str,
    role: str,
    scope: Scope | str,
    action: str,
    detail: dict,
    row_count: int | None = None,
    file_sha256: str | None = None,
) -> None:
    """Append one audit row in the caller's transaction (it commits or rolls back with it)."""
    conn.execute(
        schema.audit_log.insert().values(
            at=datetime.now(UTC),
            user=user[:120],
            role=role[:20],
            scope=scope.describe() if isinstance(scope, Scope) else str(scope),
            action=action[:20],
            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True, default=str),
            row_count=row_count,
            file_sha256=file_sha256,
        )
    )


def record(
    engine: sa.Engine,
    *,
    user: str,
    role: str,
    scope: Scope | str,
    action: str,
    detail: dict,
    row_count: int | None = None,
    file_sha256: str | None = None,
) -> bool:
    """Append one audit row in a transaction of its own, best effort: False (and nothing
    raised) when the database would not take it, so the caller decides whether to retry."""
    try:
        with engine.begin() as conn:
            write_audit(
                conn,
                user=user,
                role=role,
                scope=scope,
                action=action,
                detail=detail,
                row_count=row_count,
                file_sha256=file_sha256,
            )
    except sa.exc.SQLAlchemyError:
        return False
    return True


# What the audit page offers to filter by, in this order (the strings audit_action_<x>).
ACTIONS = (
    "sign_in", "denied", "view", "export", "reveal", "upload", "undo",
    "user_add", "user_set", "user_disable", "user_enable", "user_remove",
)  # fmt: skip
COLUMNS = ["at", "user", "role", "scope", "action", "detail", "row_count", "file_sha256"]


@dataclass(frozen=True)
class TrailQuery:
    """Which audit rows to read: users and actions (empty: all), days (UTC, inclusive)."""

    users: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    since: date | None = None
    until: date | None = None
    limit: int = 10_000


def trail(conn: sa.Connection, query: TrailQuery) -> tuple[pd.DataFrame, int]:
    """The matching audit rows, newest first (at most query.limit), and how many match."""
    a = schema.audit_log
    where = []
    if query.users:
        where.append(a.c.user.in_(query.users))
    if query.actions:
        where.append(a.c.action.in_(query.actions))
    if query.since:
        where.append(a.c.at >= datetime.combine(query.since, time.min, UTC))
    if query.until:
        where.append(a.c.at < datetime.combine(query.until + timedelta(days=1), time.min, UTC))
    count = sa.select(sa.func.count()).select_from(a).where(*where)
    rows = (
        sa.select(*(a.c[c] for c in COLUMNS))
        .where(*where)
        .order_by(a.c.at.desc(), a.c.id.desc())
        .limit(query.limit)
    )
    frame = pd.DataFrame(conn.execute(rows).all(), columns=COLUMNS)
    return frame, int(conn.execute(count).scalar_one())


def trail_users(conn: sa.Connection) -> list[str]:
    """Everyone the trail names, sorted."""
    a = schema.audit_log
    return list(conn.execute(sa.select(a.c.user).distinct().order_by(a.c.user)).scalars())
