"""Aid records held for the district where the person is registered.

A district (or a department acting for one) that submits an aid record for a person
registered in a district outside its scope cannot change that district's figures: the
import keeps the record in `held_records` (counted as held in the batch) and tells the
uploader only that it was held, never where or whose. The person's district sees the
records waiting for it and accepts them (they are copied to aid_records with their batch
and submitter, and count from then on) or rejects them; either way is audited. Undoing the
batch removes its held records and the accepted ones with it.

    held_for(conn, scope, campaign_code)            # waiting for the scope's districts (masked)
    decide_held(engine, batch_id, accept=True, scope=scope)   # -> records decided
    batches(conn, scope)                            # per batch sent: held, accepted, rejected
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from warmth import campaigns, schema
from warmth.audit import write_audit
from warmth.intake.loading import (
    AID_COLUMNS,
    ImportFailedError,
    lock_for_import,
)
from warmth.intake.touched import districts_of, mark_changed
from warmth.scope import Scope

h = schema.held_records
HELD_COLUMNS = [
    "batch_id",
    "submitter",
    "record_no",
    "id_number",
    "name",
    "programme_code",
    "amount_yuan",
    "date",
    "owner_district",
]


def _campaign_id(conn: sa.Connection, code: str | None) -> int | None:
    found = campaigns.campaign(conn, code)
    return found["id"] if found else None


def held_for(conn: sa.Connection, scope: Scope, campaign_code: str | None = None) -> pd.DataFrame:
    """The aid records waiting for a decision of the scope's districts (the people are
    theirs), oldest batch first; ID numbers and names masked."""
    from warmth.worklists._common import mask_frame  # the lists' masking, imported late

    campaign_id = _campaign_id(conn, campaign_code)
    if campaign_id is None or scope.is_empty:
        return pd.DataFrame(columns=HELD_COLUMNS)
    b = schema.beneficiaries
    query = (
        sa.select(
            h.c.batch_id, h.c.submitter, h.c.record_no, h.c.id_number, b.c.name,
            h.c.programme_code, h.c.amount_fen, h.c.date, h.c.owner_district,
        )
        .join_from(h, b, sa.and_(b.c.campaign_id == h.c.campaign_id,
                                 b.c.id_number == h.c.id_number), isouter=True)
        .where(h.c.campaign_id == campaign_id, h.c.status == "held",
               h.c.owner_district.in_(sorted(scope.districts)))
        .order_by(h.c.batch_id, h.c.row_number)
    )  # fmt: skip
    rows = conn.execute(query).mappings().all()
    frame = pd.DataFrame(rows, columns=[*HELD_COLUMNS[:6], "amount_fen", "date", "owner_district"])
    frame.insert(6, "amount_yuan", frame.pop("amount_fen").astype(float) / 100)
    frame["name"] = frame["name"].astype(object).where(frame["name"].notna(), None)
    return mask_frame(conn, campaign_id, frame[HELD_COLUMNS], scope, unmask=False)


def decide_held(
    engine: sa.Engine, batch_id: int, *, accept: bool, scope: Scope, user: str | None = None
) -> int:
    """Accept (copy to aid_records: the records count from now on) or reject the records of
    one batch held for the scope's districts. Returns how many were decided (0 when none
    waits); audited as 'held_accept' or 'held_reject'. ImportFailedError when the database
    failed (nothing changed)."""
    user = user or scope.user
    if scope.is_empty:
        return 0
    waiting = sa.and_(
        h.c.batch_id == batch_id,
        h.c.status == "held",
        h.c.owner_district.in_(sorted(scope.districts)),
    )
    try:
        with engine.connect() as conn:
            lock_for_import(conn)
            ids = conn.execute(sa.select(h.c.id).where(waiting)).scalars().all()
            if not ids:
                conn.rollback()
                return 0
            campaign_id = conn.execute(
                sa.select(h.c.campaign_id).where(h.c.id == ids[0])
            ).scalar_one()
            chosen = h.c.id.in_(sa.select(h.c.id).where(waiting).scalar_subquery())
            districts: set[str] = set()
            if accept:
                columns = [*AID_COLUMNS, "campaign_id", "submitter", "batch_id"]
                conn.execute(
                    schema.aid_records.insert().from_select(
                        columns, sa.select(*(h.c[c] for c in columns)).where(chosen)
                    )
                )
                districts = districts_of(conn, sa.select(h.c.id_number).where(chosen), campaign_id)
                districts |= set(
                    conn.execute(
                        sa.select(sa.func.coalesce(h.c.district_code, h.c.submitter))
                        .distinct()
                        .where(chosen)
                    ).scalars()
                )
            status = "accepted" if accept else "rejected"
            conn.execute(
                h.update()
                .where(chosen)
                .values(status=status, decided_by=user[:120], decided_at=datetime.now(UTC))
            )
            every = set(conn.execute(sa.select(schema.districts.c.code)).scalars())
            mark_changed(conn, (districts & every) or set(sorted(scope.districts)[:1]))
            write_audit(
                conn, user=user, role=scope.role, scope=scope,
                action=f"held_{'accept' if accept else 'reject'}",
                detail={"batch_id": batch_id, "records": len(ids)}, row_count=len(ids),
            )  # fmt: skip
            conn.commit()
            return len(ids)
    except sa.exc.SQLAlchemyError as exc:
        raise ImportFailedError(f"the database failed while deciding batch {batch_id}") from exc
