"""Every import and undo bumps the data version in its own transaction; a refused, repeated
or failed one leaves it where it was (on both backends)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.intake.support import (
    AID_HEADER,
    REGISTER_HEADER,
    aid_rows,
    prepare,
    register_rows,
    upload,
)
from warmth import intake, versions
from warmth.intake import loading


def version(engine) -> int:
    with engine.connect() as conn:
        return versions.current(conn)


def test_an_import_bumps_the_version_and_the_same_file_again_does_not(engine):
    before = version(engine)
    assert upload(engine, "register", REGISTER_HEADER, register_rows(3)).status == "imported"
    after_register = version(engine)
    assert after_register > before
    assert upload(engine, "aid", AID_HEADER, aid_rows(3)).status == "imported"
    after_aid = version(engine)
    assert after_aid > after_register
    again = upload(engine, "aid", AID_HEADER, aid_rows(3))
    assert again.status == "already_imported"
    assert version(engine) == after_aid


def test_a_refused_file_leaves_the_version(engine):
    before = version(engine)
    rows = register_rows(3) + [["123456789012345678", "坏", "黄浦区", "南京东路街道", "DBU"]]
    assert upload(engine, "register", REGISTER_HEADER, rows).status == "refused"
    assert version(engine) == before


def test_a_failed_import_is_rolled_back_with_its_bump(engine, monkeypatch):
    raw, v = prepare(engine, "aid", AID_HEADER, aid_rows(5))
    before = version(engine)

    def failing(conn, districts, change=None):
        versions.bump(conn)  # a bump already made in the transaction goes with it
        raise sa.exc.OperationalError("UPDATE", {}, Exception("server closed the connection"))

    monkeypatch.setattr(loading, "mark_changed", failing)
    with pytest.raises(intake.ImportFailedError):
        intake.import_batch(engine, v, user="u", file_name="a.csv", file_sha256=raw.sha256)
    assert version(engine) == before


def test_undo_bumps_the_version_once(engine):
    batch = upload(engine, "aid", AID_HEADER, aid_rows(4))
    before = version(engine)
    assert intake.undo_batch(engine, batch.batch_id, user="u") == 4
    undone = version(engine)
    assert undone > before
    assert intake.undo_batch(engine, batch.batch_id, user="u") == 0  # already undone
    assert version(engine) == undone
