"""The figures follow imports and undos: the snapshot re-reads what each write changed."""

from __future__ import annotations

from tests.intake.support import (
    AID_HEADER,
    REGISTER_HEADER,
    aid_rows,
    prepare,
    register_rows,
    upload,
)
from warmth import intake, queries
from warmth.scope import Filters, city_scope


def totals(engine) -> tuple[int, int]:
    """(records, eligible) of the city as the dashboard shows them."""
    with engine.connect() as conn:
        row = queries.coverage(conn, city_scope(conn), Filters(), "city")
    if row.empty:
        return 0, 0
    return int(row["records"].iloc[0]), int(row["eligible"].iloc[0])


def test_figures_follow_imports_and_undo(engine):
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
