"""The summary tables follow imports and undos, refreshed inside the import transaction."""

from __future__ import annotations

import sqlalchemy as sa

from tests.intake.support import (
    AID_HEADER,
    REGISTER_HEADER,
    aid_rows,
    prepare,
    register_rows,
    upload,
)
from warmth import intake, schema


def totals(engine) -> tuple[int, int]:
    """(records in summary_records, eligible people in summary_profile)."""
    s, p = schema.summary_records, schema.summary_profile
    with engine.connect() as conn:
        records = conn.execute(sa.select(sa.func.coalesce(sa.func.sum(s.c.records), 0)))
        eligible = conn.execute(
            sa.select(sa.func.coalesce(sa.func.sum(p.c.n), 0)).where(p.c.eligible)
        )
        return records.scalar_one(), eligible.scalar_one()


def test_summaries_follow_imports_and_undo(engine):
    register = upload(engine, "register", REGISTER_HEADER, register_rows(3))
    assert totals(engine) == (0, 3)
    rows = aid_rows(2) + aid_rows(1, start=2, district="徐汇区", prefix="X")
    raw, v = prepare(engine, "aid", AID_HEADER, rows, submitter="310101")
    records = intake.import_batch(engine, v, user="u", file_name="a", file_sha256=raw.sha256)
    assert totals(engine) == (3, 3)
    intake.undo_batch(engine, records.batch_id, user="u")
    assert totals(engine) == (0, 3)
    intake.undo_batch(engine, register.batch_id, user="u")
    assert totals(engine) == (0, 0)
