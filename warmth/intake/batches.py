"""The upload history a scope may see, and undoing a batch (in one transaction, under the
import lock)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from warmth import audit, schema
from warmth.audit import write_audit
from warmth.intake.loading import (
    ImportFailedError,
    lock_for_import,
)
from warmth.intake.touched import batch_shards, districts_of, mark_changed
from warmth.scope import Scope


def undo_batch(engine: sa.Engine, batch_id: int, *, user: str, scope: Scope | None = None) -> int:
    """Delete the batch's records or registrations, mark it undone and the districts changed,
    and audit it. Returns the number of rows removed (0 when it was already undone)."""
    b = schema.import_batches
    try:
        with engine.connect() as conn:
            lock_for_import(conn)
            batch = conn.execute(sa.select(b).where(b.c.id == batch_id)).first()
            if batch is None:
                raise LookupError(f"no import batch {batch_id}")
            if not _may_undo(scope, batch):
                conn.rollback()
                _deny(engine, scope, batch)
                raise PermissionError(f"batch {batch_id} is outside your scope")
            if batch.status == "undone":
                conn.rollback()
                return 0
            removed, districts = _delete_batch_rows(conn, batch)
            conn.execute(b.update().where(b.c.id == batch_id).values(status="undone"))
            removed_aid = ("aid_removed", batch_id, batch.campaign_id)
            mark_changed(conn, districts, removed_aid if batch.kind == "aid" else None)
            role = scope.role if scope else "city"
            write_audit(
                conn, user=user, role=role, scope=scope or "city", action="undo",
                detail={"batch_id": batch_id, "kind": batch.kind, "file_name": batch.file_name,
                        "removed": removed},
                row_count=removed, file_sha256=batch.file_sha256,
            )  # fmt: skip
            conn.commit()
            return removed
    except sa.exc.SQLAlchemyError as exc:
        raise ImportFailedError(f"the database failed while undoing batch {batch_id}") from exc


def _may_undo(scope: Scope | None, batch) -> bool:
    if scope is not None and scope.role == "department":
        return batch.department_code in scope.departments
    return scope is None or scope.role == "city" or batch.district_code in scope.districts


def _deny(engine: sa.Engine, scope: Scope, batch) -> None:
    audit.record(
        engine, user=scope.user, role=scope.role, scope=scope, action="denied",
        detail={"wanted": "undo", "batch_id": batch.id, "district": batch.district_code},
        file_sha256=batch.file_sha256,
    )  # fmt: skip


def _delete_batch_rows(conn, batch) -> tuple[int, set[str]]:
    a, ben = schema.aid_records, schema.beneficiaries
    cats, dups = schema.beneficiary_categories, schema.duplicate_registrations
    mine = a.c.batch_id == batch.id
    districts = batch_shards(conn, batch.id)
    removed = conn.execute(a.delete().where(mine)).rowcount
    mine_b = ben.c.batch_id == batch.id
    if batch.kind != "aid":  # the registrants' records go to the shards that deliver them
        districts |= districts_of(conn, sa.select(ben.c.id_number).where(mine_b), batch.campaign_id)
    conn.execute(cats.delete().where(cats.c.beneficiary_id.in_(sa.select(ben.c.id).where(mine_b))))
    removed += conn.execute(ben.delete().where(mine_b)).rowcount
    conn.execute(dups.delete().where(dups.c.batch_id == batch.id))
    conn.execute(schema.quarantine.delete().where(schema.quarantine.c.batch_id == batch.id))
    conn.execute(schema.held_records.delete().where(schema.held_records.c.batch_id == batch.id))
    if batch.district_code:
        districts.add(batch.district_code)
    return removed, {d for d in districts if d}


def batches(conn: sa.Connection, scope: Scope, campaign_code: str | None = None) -> pd.DataFrame:
    """The upload history the scope may see, newest first: who, when, file, counts, status,
    and of the aid records held for another district how many it accepted and rejected."""
    b, c, h = schema.import_batches, schema.campaigns, schema.held_records

    def decided(status: str):
        return (
            sa.select(sa.func.count())
            .where(h.c.batch_id == b.c.id, h.c.status == status)
            .scalar_subquery()
            .label(f"held_{status}")
        )

    query = (
        sa.select(
            b.c.id.label("batch_id"),
            c.c.code.label("campaign"),
            b.c.kind,
            b.c.submitted_at,
            b.c.submitted_by,
            b.c.file_name,
            b.c.file_sha256,
            b.c.district_code.label("district"),
            b.c.department_code.label("department"),
            b.c.mode,
            b.c.encoding,
            b.c.rows_in,
            b.c.inserted,
            b.c.already_present,
            b.c.rejected,
            b.c.replaced,
            b.c.held,
            decided("accepted"),
            decided("rejected"),
            b.c.status,
        )
        .join(c, c.c.id == b.c.campaign_id)
        .order_by(b.c.submitted_at.desc(), b.c.id.desc())
    )
    if campaign_code:
        query = query.where(c.c.code == campaign_code)
    if scope.is_empty:
        query = query.where(sa.false())
    elif scope.role == "department":
        query = query.where(b.c.department_code.in_(sorted(scope.departments)))
    elif scope.role != "city":
        query = query.where(b.c.district_code.in_(sorted(scope.districts)))
    return pd.DataFrame(
        conn.execute(query).mappings().all(), columns=[col.name for col in query.selected_columns]
    )
