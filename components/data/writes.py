"""Uploads, held records and the audit trail: the door's writes."""

from __future__ import annotations

import pandas as pd

from components.data.base import answer, cached, engine, read_version, reread_version
from components.figures import figure  # noqa: F401  (data.figure, for pages)
from components.outage import guarded
from warmth import (
    audit,
    intake,
    rls,
    upload_rights,
)
from warmth.config import database_url
from warmth.scope import Scope

# ---- uploads -------------------------------------------------------------------------------


@answer(cached)
def batches(conn, scope: Scope, campaign: str | None) -> pd.DataFrame:
    """The upload history the scope may see, newest first."""
    return intake.batches(conn, scope, campaign)


@answer(cached)
def held(conn, scope: Scope, campaign: str | None) -> pd.DataFrame:
    """Aid records of other districts held for the scope's people to accept (masked)."""
    return intake.held_for(conn, scope, campaign)


def decide_held(batch_id: int, *, accept: bool, scope: Scope) -> int:
    """Accept or reject one batch's records held for the scope (intake.decide_held)."""
    try:
        with rls.city_wide():  # the held records move between districts' rows
            eng = engine(database_url())
            return intake.decide_held(eng, batch_id, accept=accept, scope=scope)
    finally:
        read_version()


@guarded
def validate(raw, kind: str, campaign: str | None, *, scope: Scope):
    """Check an upload against the database (nothing written): an intake Validation, refused
    for what the viewer's role may not upload (warmth.upload_rights)."""
    # city-wide: duplicates are found across districts; what the viewer is told is the
    # intake's to limit (upload_rights, intake)
    with rls.city_wide(), engine(database_url()).connect() as conn:
        return upload_rights.validate(conn, campaign, kind, raw, scope=scope)


def import_batch(v, *, mode: str, user: str, file_name: str, file_sha256: str, progress=None):
    """Import a checked upload (intake.import_batch); the rest of this run reads the new data
    version, so it shows what was just written. ImportFailedError when the database failed."""
    try:
        with rls.city_wide():  # the whole city: duplicates and figures across districts
            return intake.import_batch(
                engine(database_url()),
                v,
                mode=mode,
                user=user,
                file_name=file_name,
                file_sha256=file_sha256,
                progress=progress,
            )
    finally:
        reread_version()


def undo_batch(batch_id: int, *, scope: Scope) -> int:
    """Undo an imported batch the scope may undo (intake.undo_batch): rows removed.
    PermissionError outside the scope."""
    if not scope.may_upload:
        raise PermissionError("this role may not undo uploads")
    try:
        with rls.city_wide():
            eng = engine(database_url())
            return intake.undo_batch(eng, batch_id, user=scope.user, scope=scope)
    finally:
        reread_version()


# ---- the audit trail -----------------------------------------------------------------------


def record_audit(
    scope: Scope,
    *,
    action: str,
    detail: dict,
    row_count: int | None = None,
    file_sha256: str | None = None,
) -> bool:
    """Append an audit row for the viewer (view, upload, export, ...), best effort: False
    when it could not be written, so the caller may try again on a later run."""
    return audit.record(
        engine(database_url()),
        user=scope.user,
        role=scope.account or scope.role,
        scope=scope,
        action=action,
        detail=detail,
        row_count=row_count,
        file_sha256=file_sha256,
    )


def record_refusal(user: str, detail: dict) -> bool:
    """A 'denied' audit row for someone who has no scope (a refused sign-in)."""
    eng = engine(database_url())
    return audit.record(eng, user=user, role="none", scope="none", action="denied", detail=detail)


@guarded
def audit_trail(query: audit.TrailQuery) -> tuple[pd.DataFrame, int]:
    """The audit rows asked for (never cached: the page shows the latest) and their count."""
    with engine(database_url()).connect() as conn:
        return audit.trail(conn, query)


@guarded
def audit_users() -> list[str]:
    with engine(database_url()).connect() as conn:
        return audit.trail_users(conn)
