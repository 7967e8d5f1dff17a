"""An aid import knows its records' ids and people before it writes them, and trusts the
check's status of each row only while nothing was written since (both backends)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.intake.support import (
    AID_HEADER,
    REGISTER_HEADER,
    aid_rows,
    person,
    prepare,
    register_rows,
    upload,
)
from warmth import idkey, intake, schema
from warmth.intake import loading


def offered(monkeypatch) -> list[dict]:
    """The records each import hands to this process's snapshot (loading.offer_batch)."""
    seen: list[dict] = []
    real = loading.offer_batch

    def spy(conn, version, batch_id, records):
        seen.append(records)
        real(conn, version, batch_id, records)

    monkeypatch.setattr(loading, "offer_batch", spy)
    return seen


def stored(engine, batch_id: int) -> dict[int, tuple[str, int]]:
    """Record id -> (its ID number's hash, beneficiary id or -1), as the database has them."""
    a, b = schema.aid_records, schema.beneficiaries
    joined = a.outerjoin(b, (b.c.campaign_id == a.c.campaign_id) & (b.c.id_number == a.c.id_number))
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(a.c.id, a.c.id_number, sa.func.coalesce(b.c.id, -1))
            .select_from(joined)
            .where(a.c.batch_id == batch_id)
        ).all()
    return {rec: (number, ben) for rec, number, ben in rows}


def test_the_ids_handed_to_the_snapshot_are_the_database_s(engine, monkeypatch):
    seen = offered(monkeypatch)
    upload(engine, "register", REGISTER_HEADER, register_rows(3))

    def imported(rows) -> tuple[int, dict]:
        result = upload(engine, "aid", AID_HEADER, rows)
        records = seen[-1]
        given = {
            int(rec): (number, int(ben))
            for rec, number, ben in zip(
                records["rec_id"], records["id_number"], records["ben_id"], strict=True
            )
        }
        assert given == stored(engine, result.batch_id)
        assert list(records["rec_id"]) == sorted(records["rec_id"])  # in the file's order
        return result.batch_id, dict(zip(records["id_number"], records["ben_id"], strict=True))

    # three registered people and one registered nowhere (the last row)
    rows = aid_rows(3) + [["R9", person(900), "MZ01", "300", "2005-01-05", "黄浦区"]]
    first, people = imported(rows)
    imported(aid_rows(2, start=1, prefix="S"))
    intake.undo_batch(engine, first, user="u")
    imported(aid_rows(2, start=20, prefix="T"))  # after an undo: ids of its own again
    assert len(seen) == 3
    with engine.connect() as conn:
        key = idkey.for_conn(conn)
        b = schema.beneficiaries
        registered = {n: i for n, i in conn.execute(sa.select(b.c.id_number, b.c.id))}
        ids = conn.execute(sa.select(schema.aid_records.c.id)).scalars().all()
    assert people[key.hash(person(900))] == -1
    assert {n: people[n] for n in registered} == registered
    assert len(ids) == len(set(ids)) == 4


def test_the_checks_status_is_trusted_only_while_nothing_was_written(engine, monkeypatch):
    calls: list[int] = []
    real = loading.classify

    def spy(conn, v, submitter=None):
        calls.append(len(v.clean))
        return real(conn, v, submitter)

    monkeypatch.setattr(loading, "classify", spy)
    raw, v = prepare(engine, "aid", AID_HEADER, aid_rows(10))
    first = intake.import_batch(engine, v, user="u", file_name="a", file_sha256=raw.sha256)
    assert (first.inserted, calls) == (10, [])  # nothing written since the check
    raw, v = prepare(engine, "aid", AID_HEADER, aid_rows(10, start=5))
    upload(engine, "aid", AID_HEADER, aid_rows(3, start=12))  # a write after that check
    second = intake.import_batch(engine, v, user="u", file_name="b", file_sha256=raw.sha256)
    assert calls == [10]  # worked out again under the lock
    assert (second.inserted, second.already_present) == (2, 8)
    with engine.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(schema.aid_records)).scalar() == 15
        )
