"""The append-only audit trail: who did what (view, export, upload, undo, reveal, denied)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

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
