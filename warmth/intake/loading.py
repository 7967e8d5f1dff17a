"""Loading a validated upload in one transaction, undoing a batch, and the batch history.

Imports are serialised (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-level advisory
lock), so two uploads at once give the same totals as one after the other, and what is
already in the database is decided under the lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from warmth import audit, idkey, schema, versions
from warmth.audit import write_audit
from warmth.intake.reading import safe_file_name
from warmth.intake.reasons import Reason
from warmth.intake.result import AccountingError, ImportFailedError, ImportResult, message
from warmth.intake.rows import Rows, chunks, dict_rows, frame_rows, in_parts, insert_rows, new_ids
from warmth.intake.status import classify, registered_people
from warmth.intake.touched import (
    districts_of,
    mark_changed,
    offer_batch,
    record_shards,
    written_records,
)
from warmth.intake.validation import Validation
from warmth.intake.wal import checkpoint_behind
from warmth.scope import Scope

MODES = ("strict", "quarantine", "correct")
CHUNK = 5000  # rows a statement
LOCK_KEY = 0x57A4_1417  # pg_advisory_xact_lock key shared by every import and undo
REPORT_ERRORS_KEPT = 1000
WRITE_CACHE_KIB = 256 * 1024  # SQLite page cache of an import's or undo's transaction

Progress = Callable[[int, int], None]


def lock_for_import(conn: sa.Connection) -> None:
    """Begin the transaction holding the import lock (waits for any other import). On
    SQLite the transaction gets a page cache of WRITE_CACHE_KIB: inserts and deletes land
    all over the aid records' indexes, and the default 2 MB cache spills and reads their
    pages again (a 200,000-record import: a fifth of its CPU); the default comes back
    when the transaction ends."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        default = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql(f"PRAGMA cache_size=-{WRITE_CACHE_KIB}")

        def restore(c: sa.Connection) -> None:
            c.exec_driver_sql(f"PRAGMA cache_size={int(default)}")

        for ending in ("commit", "rollback"):
            sa.event.listen(conn, ending, restore, once=True)
    elif conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


def _allowed_submitter(conn: sa.Connection, scope: Scope, submitter: str) -> bool:
    if submitter in scope.districts:
        return True
    departments = set(conn.execute(sa.select(schema.departments.c.code)).scalars())
    return submitter in departments and scope.may_submit_for_department(submitter)


def _refuse(engine, v: Validation, user: str, name: str, sha: str, why: Reason) -> ImportResult:
    # the refusal stands even when the audit cannot be written
    audit.record(
        engine, user=user, role=v.scope.role, scope=v.scope, action="upload",
        detail={"status": "refused", "file_name": name, "kind": v.kind,
                "reason": why.text("en"), "code": why.as_dict(), "counts": v.counts},
        row_count=v.rows, file_sha256=sha,
    )  # fmt: skip
    return ImportResult.of("refused", why, rows_in=v.rows, rejected=v.counts["errors"])


def import_batch(
    engine: sa.Engine,
    validation: Validation,
    *,
    mode: str = "strict",
    user: str,
    file_name: str,
    file_sha256: str,
    progress: Progress | None = None,
    submitter: str | None = None,
) -> ImportResult:
    """Load a validated upload in one transaction.

    strict: any problem refuses the whole file; quarantine: good rows are loaded and the
    others kept in `quarantine` with the reason; correct: like strict, and records (or
    same-district registrations) already present are replaced. The same bytes again for the
    campaign and kind change nothing. rows_in = inserted + already_present + rejected.
    progress(done, total) is called after each chunk of rows written. A database failure
    raises ImportFailedError with everything rolled back."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    v = validation
    name = safe_file_name(file_name)
    if file_sha256 != v.raw.sha256:
        raise ValueError("file_sha256 is not the SHA-256 of the validated upload's bytes")
    if v.refused:
        why = Reason.of("joined", parts=tuple(v.file_errors))
        return _refuse(engine, v, user, name, file_sha256, why)
    bad = v.counts["errors"]
    if bad and mode != "quarantine":
        why = Reason.of("rows_have_problems", bad=bad, rows=v.rows)
        return _refuse(engine, v, user, name, file_sha256, why)
    submitter = submitter or v.submitter
    try:
        with engine.connect() as conn:
            needs_submitter = v.kind == "aid" and not v.clean.empty
            if needs_submitter and not _allowed_submitter(conn, v.scope, submitter or ""):
                conn.rollback()
                why = Reason.of("submitter_denied", submitter=submitter)
                return _refuse(engine, v, user, name, file_sha256, why)
            lock_for_import(conn)
            result, written = _import_locked(
                conn, v, mode, user, name, file_sha256, progress, submitter
            )
            with checkpoint_behind(conn):
                conn.commit()
            if written is not None:
                offer_batch(conn, *written)
            return result
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        why = Reason.of("database_failed", detail=reason)
        raise ImportFailedError(why.text("en"), why) from exc


def _existing_batch(conn, campaign_id: int, kind: str, sha: str):
    b = schema.import_batches
    return conn.execute(
        sa.select(b.c.id, b.c.status, b.c.submitted_at, b.c.submitted_by).where(
            b.c.campaign_id == campaign_id, b.c.kind == kind, b.c.file_sha256 == sha
        )
    ).first()


def _when(at: datetime | None) -> str:
    if at is None:
        return "?"
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _import_locked(conn, v, mode, user, name, sha, progress, submitter) -> ImportResult:
    campaign_id = v.campaign.id
    now = datetime.now(UTC)
    earlier = _existing_batch(conn, campaign_id, v.kind, sha)
    if earlier is not None and earlier.status != "undone":
        note = Reason.of(
            "already_imported",
            at=_when(earlier.submitted_at),
            by=earlier.submitted_by,
            batch=earlier.id,
        )
        write_audit(
            conn, user=user, role=v.scope.role, scope=v.scope, action="upload",
            detail={"status": "already_imported", "file_name": name, "kind": v.kind,
                    "batch_id": earlier.id},
            row_count=0, file_sha256=sha,
        )  # fmt: skip
        return ImportResult.of(
            "already_imported", note, earlier.id, rows_in=v.rows,
            submitted_by=earlier.submitted_by, submitted_at=earlier.submitted_at,
        ), None  # fmt: skip
    departments = set(conn.execute(sa.select(schema.departments.c.code)).scalars())
    batch_values = {
        "campaign_id": campaign_id,
        "kind": v.kind,
        "file_name": name,
        "file_sha256": sha,
        "district_code": v.district if v.kind == "register" else (
            submitter if submitter not in departments else v.district
        ),
        "department_code": submitter if v.kind == "aid" and submitter in departments else None,
        "mode": mode,
        "submitted_by": user[:120],
        "submitted_at": now,
        "encoding": v.raw.encoding,
        "status": "importing",
    }  # fmt: skip
    b = schema.import_batches
    if earlier is not None:  # an undone batch uploaded again: the same row comes back
        batch_id = earlier.id
        conn.execute(b.update().where(b.c.id == batch_id).values(batch_values))
    else:
        batch_id = conn.execute(b.insert().values(batch_values).returning(b.c.id)).scalar_one()
    idkey.for_conn(conn, write=True)  # the ID numbers' key: checked, recorded on a first write
    status = v.status if _still_classified(conn, v, submitter) else classify(conn, v, submitter)
    load = _load_register if v.kind == "register" else _load_aid
    counts, districts, written = load(
        conn, v, status, mode, batch_id, campaign_id, submitter, progress
    )
    rejected = 0
    if mode == "quarantine":
        rejected = _quarantine(conn, v, batch_id)
    counts["rejected"] = rejected
    rows_in = v.rows
    held = counts.get("held", 0)
    if rows_in != counts["inserted"] + counts["already_present"] + rejected + held:
        # Checked even under python -O: a broken count rolls the whole import back.
        raise AccountingError(f"row accounting broken: {rows_in} rows in, {counts}")
    report = v.report()
    report["errors_total"] = len(report["errors"])
    report["errors"] = report["errors"][:REPORT_ERRORS_KEPT]
    conn.execute(
        b.update()
        .where(b.c.id == batch_id)
        .values(
            rows_in=rows_in,
            inserted=counts["inserted"],
            already_present=counts["already_present"],
            rejected=rejected,
            replaced=counts["replaced"],
            held=held,
            status="imported",
            report=json.dumps(report, ensure_ascii=False),
        )
    )
    # records only added: the snapshot can add this batch to what it holds
    appended = v.kind == "aid" and counts["replaced"] == 0
    version = mark_changed(
        conn, districts, ("aid_added", batch_id, campaign_id) if appended else None
    )
    result = ImportResult.of(
        "imported",
        message(v.kind, rows_in, counts),
        batch_id,
        rows_in=rows_in,
        inserted=counts["inserted"],
        already_present=counts["already_present"],
        rejected=rejected,
        replaced=counts["replaced"],
        cross_district=counts["cross_district"],
        held=held,
        submitted_by=user,
        submitted_at=now,
    )
    write_audit(
        conn, user=user, role=v.scope.role, scope=v.scope, action="upload",
        detail={"status": "imported", "file_name": name, "kind": v.kind, "mode": mode,
                "batch_id": batch_id, "campaign": v.campaign.code, "submitter": submitter,
                "encoding": v.raw.encoding} | {k: getattr(result, k) for k in (
                    "rows_in", "inserted", "already_present", "rejected", "replaced",
                    "cross_district", "held")} | {"second_registrations": counts.get(
                    "second_registrations", 0)},
        row_count=rows_in, file_sha256=sha,
    )  # fmt: skip
    # the records as written, for this process's snapshot to apply without reading them back
    return result, ((version, batch_id, written) if appended and written else None)


def _chunks(rows: Rows):
    return chunks(rows, CHUNK)


def _still_classified(conn: sa.Connection, v: Validation, submitter: str | None) -> bool:
    """Whether the validation's status still holds under the lock: nothing was written to
    this database since it was worked out (the data version has not moved) and the rows
    are for the submitter it was worked out for."""
    if v.status_as_of is None or v.status is None or submitter != v.submitter:
        return False
    return v.status_as_of == (versions.identity(conn), versions.current(conn))


def _write(conn, table, rows: Rows, progress: Progress | None, done: int, total: int) -> int:
    for chunk in _chunks(rows):
        insert_rows(conn, table, chunk)
        done += len(chunk)
        if progress:
            progress(done, total)
    return done


def _load_aid(conn, v, status, mode, batch_id, campaign_id, submitter, progress):
    a = schema.aid_records
    clean = v.clean
    present = (status == "present").to_numpy()
    held = (status == "held").to_numpy()
    replacing = mode == "correct"
    districts = set(clean.loc[~held, "district_code"].dropna())
    if submitter in v.scope.districts:
        districts.add(submitter)
    replaced = 0
    if replacing and present.any():
        numbers = clean.loc[present, "record_no"].tolist()
        for part in in_parts(numbers):
            where = sa.and_(
                a.c.campaign_id == campaign_id, a.c.submitter == submitter, a.c.record_no.in_(part)
            )
            districts |= districts_of(conn, sa.select(a.c.id_number).where(where), campaign_id)
            replaced += conn.execute(a.delete().where(where)).rowcount
            h = schema.held_records
            replaced += conn.execute(
                h.delete().where(
                    h.c.campaign_id == campaign_id, h.c.submitter == submitter,
                    h.c.record_no.in_(part), h.c.status == "held",
                )
            ).rowcount  # fmt: skip
        write = clean[~held]
    else:
        write = clean[~present & ~held]
    _hold(conn, clean[held], campaign_id, batch_id, submitter)
    # the ids the rows will have and their people, known before they are written: nothing
    # is read back (warmth.intake.touched.record_shards)
    rec_ids = new_ids(conn, a, len(write))
    person = registered_people(conn, campaign_id, write["id_number"]).reindex(write["id_number"])
    ben_ids = person["id"].fillna(-1).to_numpy(dtype="int64")
    delivered = write["district_code"].fillna(submitter).to_numpy(dtype=object)
    districts |= record_shards(conn, person["district_code"].to_numpy(dtype=object), delivered)
    rows = frame_rows(conn, write.assign(id=rec_ids), ["id", *AID_COLUMNS],
                      campaign_id=campaign_id, submitter=submitter, batch_id=batch_id)  # fmt: skip
    _write(conn, a, rows, progress, 0, len(rows))
    counts = {
        "inserted": len(rows),
        "already_present": 0 if replacing else int(present.sum()),
        "replaced": replaced,
        "cross_district": 0,
        "held": int(held.sum()),
    }
    return counts, {d for d in districts if d}, written_records(rows, rec_ids, ben_ids)


AID_COLUMNS = ["record_no", "id_number", "id_cipher", "programme_code", "amount_fen", "form",
               "date", "district_code"]  # fmt: skip


def _hold(conn, rows: pd.DataFrame, campaign_id: int, batch_id: int, submitter: str) -> None:
    """Keep aid records for people registered outside the uploader's scope aside, each
    with the district that decides on it (warmth.intake.held)."""
    if rows.empty:
        return
    b = schema.beneficiaries
    owner: dict[str, str] = {}
    for part in in_parts(sorted(set(rows["id_number"]))):
        owner.update(
            conn.execute(
                sa.select(b.c.id_number, b.c.district_code).where(
                    b.c.campaign_id == campaign_id, b.c.id_number.in_(part)
                )
            ).all()
        )
    frame = rows.assign(owner_district=rows["id_number"].map(owner), row_number=rows["row"])
    values = frame_rows(
        conn, frame, [*AID_COLUMNS, "owner_district", "row_number"],
        campaign_id=campaign_id, batch_id=batch_id, submitter=submitter, status="held",
    )  # fmt: skip
    for chunk in _chunks(values):
        insert_rows(conn, schema.held_records, chunk)


def _load_register(conn, v, status, mode, batch_id, campaign_id, submitter, progress):
    ben = schema.beneficiaries
    clean = v.clean
    present = (status == "present").to_numpy()
    cross = status.isin(["cross_district", "cross_hidden"]).to_numpy()
    replacing = mode == "correct"
    replaced = 0
    if replacing and present.any():
        numbers = clean.loc[present, "id_number"].tolist()
        for part in in_parts(numbers):
            where = sa.and_(ben.c.campaign_id == campaign_id, ben.c.id_number.in_(part))
            ids = sa.select(ben.c.id).where(where).scalar_subquery()
            conn.execute(
                schema.beneficiary_categories.delete().where(
                    schema.beneficiary_categories.c.beneficiary_id.in_(ids)
                )
            )
            replaced += conn.execute(ben.delete().where(where)).rowcount
        write = clean[~cross]
    else:
        write = clean[~present & ~cross]
    columns = ["id_number", "id_cipher", "name", "district_code", "street_code",
               "household_size", "address"]  # fmt: skip
    rows = frame_rows(conn, write, columns, campaign_id=campaign_id, batch_id=batch_id)
    total = len(rows)
    _write(conn, ben, rows, progress, 0, total)
    registered = dict(
        conn.execute(sa.select(ben.c.id_number, ben.c.id).where(ben.c.batch_id == batch_id)).all()
    )
    links = [
        {"beneficiary_id": registered[number], "category_code": code}
        for number, codes in zip(write["id_number"], write["categories"], strict=True)
        for code in codes.split(";")
    ]
    for chunk in _chunks(dict_rows(links)):
        insert_rows(conn, schema.beneficiary_categories, chunk)
    duplicates = _record_cross_district(conn, clean[cross], campaign_id, batch_id)
    # A second registration is this district's registration, recorded (as a cross-district
    # duplicate for the city to resolve): the uploader is told it as written, and only of
    # those in districts they can see that they are second registrations.
    counts = {
        "inserted": total + int(cross.sum()),
        "already_present": 0 if replacing else int(present.sum()),
        "replaced": replaced,
        "cross_district": int((status == "cross_district").sum()),
        "cross_district_new": duplicates,
        "second_registrations": int(cross.sum()),
    }
    districts = districts_of(
        conn, sa.select(ben.c.id_number).where(ben.c.batch_id == batch_id), campaign_id
    )
    districts |= set(clean.loc[cross, "district_code"]) | set(write["district_code"])
    return counts, districts, None


def _record_cross_district(conn, rows: pd.DataFrame, campaign_id: int, batch_id: int) -> int:
    """Keep second registrations from other districts for the report, once each."""
    if rows.empty:
        return 0
    d = schema.duplicate_registrations
    known = set()
    for part in in_parts(rows["id_number"].tolist()):
        known |= set(
            conn.execute(
                sa.select(d.c.id_number, d.c.district_code).where(
                    d.c.campaign_id == campaign_id, d.c.id_number.in_(part)
                )
            ).all()
        )
    fresh = rows[
        [(i, c) not in known for i, c in zip(rows["id_number"], rows["district_code"], strict=True)]
    ]
    records = frame_rows(
        conn,
        fresh, ["id_number", "id_cipher", "name", "district_code", "street_code", "categories"],
        campaign_id=campaign_id, batch_id=batch_id,
    )  # fmt: skip
    for chunk in _chunks(records):
        insert_rows(conn, d, chunk)
    return len(records)


def _quarantine(conn, v: Validation, batch_id: int) -> int:
    bad = [int(p) for p in (~v.ok).nonzero()[0]]
    rows = [
        {
            "batch_id": batch_id,
            "row_number": v.raw.row_numbers[p],
            "raw": v.raw_json(p),
            "reason": v.reasons.get(p, "rejected"),
        }
        for p in bad
    ]
    for chunk in _chunks(dict_rows(rows)):
        insert_rows(conn, schema.quarantine, chunk)
    return len(rows)
