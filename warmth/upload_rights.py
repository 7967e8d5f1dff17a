"""What a role may upload, on top of the district checks of warmth.intake: a department's
staff submit aid records of their own department's programmes only, in its name, and no
register (registers are the districts'); a city_viewer uploads nothing."""

from __future__ import annotations

import sqlalchemy as sa

from warmth import schema
from warmth.intake.reasons import Reason
from warmth.scope import Scope


def validate(conn: sa.Connection, campaign: str | None, kind: str, raw, *, scope: Scope):
    """intake.validate for this scope, with what the role may not upload added to the
    file's problems (a refused Validation)."""
    from warmth import intake

    v = intake.validate(conn, campaign, kind, raw, scope=scope, submitter=submitter_for(scope))
    codes = v.clean.get("programme_code", ())
    v.file_errors += problems(conn, scope, kind, set(codes) - {None})
    return v


def submitter_for(scope: Scope) -> str | None:
    """The submitter an upload of this scope is made in the name of, when the role fixes it
    (a department user of one department), else None (warmth.intake chooses)."""
    if scope.role == "department" and len(scope.departments) == 1:
        return next(iter(scope.departments))
    return None


def problems(conn: sa.Connection, scope: Scope, kind: str, programmes: set[str]) -> list[Reason]:
    """The file-level reasons this scope may not load an upload of this kind holding these
    programme codes (empty: it may)."""
    if not scope.may_upload:
        return [Reason.of("role_cannot_upload")]
    if scope.role != "department":
        return []
    if kind != "aid":
        return [Reason.of("department_register_denied")]
    p = schema.programmes
    own = set(
        conn.execute(
            sa.select(p.c.code).where(p.c.department_code.in_(sorted(scope.departments)))
        ).scalars()
    )
    outside = sorted(programmes - own)
    if outside:
        return [Reason.of("programme_outside_scope", codes=", ".join(outside))]
    return []
