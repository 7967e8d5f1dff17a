"""Loading a validated upload in one transaction, undoing a batch, and the batch history.

Imports are serialised (SQLite: BEGIN IMMEDIATE; PostgreSQL: a transaction-level advisory
lock), so two uploads at once give the same totals as one after the other, and what is
already in the database is decided under the lock.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import pandas as pd
import sqlalchemy as sa

from warmth import audit, idkey, schema, versions
from warmth.audit import write_audit
from warmth.intake.reading import safe_file_name
from warmth.intake.reasons import Reason, Term
from warmth.intake.validation import Validation, classify
from warmth.scope import Scope

MODES = ("strict", "quarantine", "correct")
CHUNK = 5000
LOCK_KEY = 0x57A4_1417  # pg_advisory_xact_lock key shared by every import and undo
REPORT_ERRORS_KEPT = 1000

Progress = Callable[[int, int], None]


class ImportFailedError(RuntimeError):
    """The database failed during an import or undo; the transaction was rolled back and
    nothing was written, so the same upload can simply be tried again."""

    def __init__(self, message: str, reason: Reason | None = None):
        super().__init__(message)
        self.reason = reason

    def text(self, lang: str = "en") -> str:
        return self.reason.text(lang) if self.reason is not None else str(self)


class AccountingError(AssertionError):
    """rows_in != inserted + already_present + rejected: a bug, never committed."""


@dataclass
class ImportResult:
    status: str  # imported | already_imported | refused
    message: str
    batch_id: int | None = None
    rows_in: int = 0
    inserted: int = 0  # rows written (replacements included)
    already_present: int = 0  # rows whose record or registration was already there
    rejected: int = 0  # rows with problems (quarantined in quarantine mode)
    replaced: int = 0  # of the inserted, those that replaced an existing row (correct mode)
    cross_district: int = 0  # of the already present, IDs registered in another district
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    note: Reason | None = None  # the message as a code, for the reader's language

    @classmethod
    def of(cls, status: str, note: Reason, *args, **kwargs) -> ImportResult:
        return cls(status, note.text("en"), *args, note=note, **kwargs)

    @property
    def ok(self) -> bool:
        return self.status in ("imported", "already_imported")

    def text(self, lang: str = "en") -> str:
        """The message in lang."""
        return self.note.text(lang) if self.note is not None else self.message

    def as_dict(self) -> dict:
        out = asdict(self)
        out["submitted_at"] = self.submitted_at.isoformat() if self.submitted_at else None
        out["note"] = self.note.as_dict() if self.note is not None else None
        return out


def lock_for_import(conn: sa.Connection) -> None:
    """Begin the transaction holding the import lock (waits for any other import)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})


@dataclass
class Rows:
    """Rows to insert: column names and one tuple of values per row."""

    columns: tuple[str, ...]
    values: list[tuple]

    def __len__(self) -> int:
        return len(self.values)


def insert_rows(conn: sa.Connection, table: sa.Table, rows: Rows) -> None:
    """One chunk of rows, straight to the driver's executemany (a seam for tests that make
    the database fail mid-import)."""
    if not rows.values:
        return
    quote = conn.dialect.identifier_preparer.quote
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in rows.columns)}) "
        f"VALUES ({', '.join([mark] * len(rows.columns))})"
    )
    conn.exec_driver_sql(sql, rows.values)


def _chunks(rows: Rows):
    size = CHUNK
    for start in range(0, len(rows.values), size):
        yield Rows(rows.columns, rows.values[start : start + size])


def _rows(conn: sa.Connection, frame: pd.DataFrame, columns: list[str], **constant) -> Rows:
    """The frame's columns (missing values as NULL) and the constants, as Rows."""
    sqlite = conn.dialect.name == "sqlite"
    lists = []
    for column in columns:
        values = frame[column].tolist()
        missing = frame[column].isna().to_numpy()
        if missing.any():
            values = [None if gone else v for v, gone in zip(values, missing, strict=True)]
        if sqlite and column == "date":
            values = [v.isoformat() if v is not None else None for v in values]
        lists.append(values)
    lists += [[value] * len(frame) for value in constant.values()]
    return Rows((*columns, *constant), list(zip(*lists, strict=True)))


def _dict_rows(records: list[dict]) -> Rows:
    if not records:
        return Rows((), [])
    columns = tuple(records[0])
    return Rows(columns, [tuple(r[c] for c in columns) for r in records])


def _allowed_submitter(conn: sa.Connection, scope: Scope, submitter: str) -> bool:
    if submitter in scope.districts:
        return True
    departments = set(conn.execute(sa.select(schema.departments.c.code)).scalars())
    return submitter in departments and scope.role == "city"


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
            result = _import_locked(conn, v, mode, user, name, file_sha256, progress, submitter)
            conn.commit()
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
        )  # fmt: skip
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
    status = classify(conn, v, submitter)
    load = _load_register if v.kind == "register" else _load_aid
    counts, districts = load(conn, v, status, mode, batch_id, campaign_id, submitter, progress)
    rejected = 0
    if mode == "quarantine":
        rejected = _quarantine(conn, v, batch_id)
    counts["rejected"] = rejected
    rows_in = v.rows
    if rows_in != counts["inserted"] + counts["already_present"] + rejected:
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
            status="imported",
            report=json.dumps(report, ensure_ascii=False),
        )
    )
    # records only added: the snapshot can add this batch to what it holds
    appended = v.kind == "aid" and counts["replaced"] == 0
    mark_changed(conn, districts, ("aid_added", batch_id, campaign_id) if appended else None)
    result = ImportResult.of(
        "imported",
        _message(v.kind, rows_in, counts),
        batch_id,
        rows_in=rows_in,
        inserted=counts["inserted"],
        already_present=counts["already_present"],
        rejected=rejected,
        replaced=counts["replaced"],
        cross_district=counts["cross_district"],
        submitted_by=user,
        submitted_at=now,
    )
    write_audit(
        conn, user=user, role=v.scope.role, scope=v.scope, action="upload",
        detail={"status": "imported", "file_name": name, "kind": v.kind, "mode": mode,
                "batch_id": batch_id, "campaign": v.campaign.code, "submitter": submitter,
                "encoding": v.raw.encoding} | {k: getattr(result, k) for k in (
                    "rows_in", "inserted", "already_present", "rejected", "replaced",
                    "cross_district")},
        row_count=rows_in, file_sha256=sha,
    )  # fmt: skip
    return result


def _message(kind: str, rows_in: int, counts: dict) -> Reason:
    parts = [Reason.of("imported_count", n=counts["inserted"], what=Term(f"upload_term_{kind}s"))]
    if counts["replaced"]:
        parts.append(Reason.of("replaced_count", n=counts["replaced"]))
    if counts["already_present"]:
        parts.append(Reason.of("present_count", n=counts["already_present"]))
    if counts["cross_district"]:
        parts.append(Reason.of("cross_district_count", n=counts["cross_district"]))
    if counts.get("rejected"):
        parts.append(Reason.of("quarantined_count", n=counts["rejected"]))
    return Reason.of("import_summary", rows=rows_in, parts=tuple(parts))


def _write(conn, table, rows: Rows, progress: Progress | None, done: int, total: int) -> int:
    for chunk in _chunks(rows):
        insert_rows(conn, table, chunk)
        done += len(chunk)
        if progress:
            progress(done, total)
    return done


def _in_chunks(values: list[str]):
    for start in range(0, len(values), 900):  # under SQLite's bound-parameter limit
        yield values[start : start + 900]


def _load_aid(conn, v, status, mode, batch_id, campaign_id, submitter, progress):
    a = schema.aid_records
    clean = v.clean
    present = (status == "present").to_numpy()
    replacing = mode == "correct"
    districts = set(clean["district_code"].dropna())
    if submitter in v.scope.districts:
        districts.add(submitter)
    replaced = 0
    if replacing and present.any():
        numbers = clean.loc[present, "record_no"].tolist()
        for part in _in_chunks(numbers):
            where = sa.and_(
                a.c.campaign_id == campaign_id, a.c.submitter == submitter, a.c.record_no.in_(part)
            )
            districts |= _districts_of(conn, sa.select(a.c.id_number).where(where), campaign_id)
            replaced += conn.execute(a.delete().where(where)).rowcount
        write = clean
    else:
        write = clean[~present]
    columns = ["record_no", "id_number", "id_cipher", "programme_code", "amount_fen", "form",
               "date", "district_code"]  # fmt: skip
    rows = _rows(conn, write, columns, campaign_id=campaign_id, submitter=submitter,
                    batch_id=batch_id)  # fmt: skip
    _write(conn, a, rows, progress, 0, len(rows))
    districts |= _districts_of(
        conn, sa.select(a.c.id_number).where(a.c.batch_id == batch_id), campaign_id
    )
    counts = {
        "inserted": len(rows),
        "already_present": 0 if replacing else int(present.sum()),
        "replaced": replaced,
        "cross_district": 0,
    }
    return counts, {d for d in districts if d}


def _districts_of(conn, id_numbers: sa.Select, campaign_id: int) -> set[str]:
    """The registered and delivering districts of these ID numbers: the snapshot shards that
    hold a person's figures (warmth.snapshot.shards)."""
    ben, a = schema.beneficiaries, schema.aid_records
    wanted = id_numbers.scalar_subquery()
    found = set(
        conn.execute(
            sa.select(ben.c.district_code)
            .distinct()
            .where(ben.c.campaign_id == campaign_id, ben.c.id_number.in_(wanted))
        ).scalars()
    )
    every = set(conn.execute(sa.select(schema.districts.c.code)).scalars())
    if found >= every:  # a big file touches every district: no need to look further
        return found
    found |= set(
        conn.execute(
            # a record with no delivering district is delivered by its submitting district
            sa.select(sa.func.coalesce(a.c.district_code, a.c.submitter))
            .distinct()
            .where(a.c.campaign_id == campaign_id, a.c.id_number.in_(wanted))
        ).scalars()
    )
    return {d for d in found if d} & every


def _load_register(conn, v, status, mode, batch_id, campaign_id, submitter, progress):
    ben = schema.beneficiaries
    clean = v.clean
    present = (status == "present").to_numpy()
    cross = (status == "cross_district").to_numpy()
    replacing = mode == "correct"
    replaced = 0
    if replacing and present.any():
        numbers = clean.loc[present, "id_number"].tolist()
        for part in _in_chunks(numbers):
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
    rows = _rows(conn, write, columns, campaign_id=campaign_id, batch_id=batch_id)
    total = len(rows)
    _write(conn, ben, rows, progress, 0, total)
    new_ids = dict(
        conn.execute(sa.select(ben.c.id_number, ben.c.id).where(ben.c.batch_id == batch_id)).all()
    )
    links = [
        {"beneficiary_id": new_ids[number], "category_code": code}
        for number, codes in zip(write["id_number"], write["categories"], strict=True)
        for code in codes.split(";")
    ]
    for chunk in _chunks(_dict_rows(links)):
        insert_rows(conn, schema.beneficiary_categories, chunk)
    duplicates = _record_cross_district(conn, clean[cross], campaign_id, batch_id)
    counts = {
        "inserted": total,
        "already_present": int(cross.sum()) + (0 if replacing else int(present.sum())),
        "replaced": replaced,
        "cross_district": int(cross.sum()),
        "cross_district_new": duplicates,
    }
    districts = _districts_of(
        conn, sa.select(ben.c.id_number).where(ben.c.batch_id == batch_id), campaign_id
    )
    districts |= set(clean.loc[cross, "district_code"]) | set(write["district_code"])
    return counts, districts


def _record_cross_district(conn, rows: pd.DataFrame, campaign_id: int, batch_id: int) -> int:
    """Keep second registrations from other districts for the report, once each."""
    if rows.empty:
        return 0
    d = schema.duplicate_registrations
    known = set()
    for part in _in_chunks(rows["id_number"].tolist()):
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
    records = _rows(
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
    for chunk in _chunks(_dict_rows(rows)):
        insert_rows(conn, schema.quarantine, chunk)
    return len(rows)


def mark_changed(conn: sa.Connection, districts: set[str], change: tuple | None = None) -> None:
    """Say, in the caller's transaction, which districts' data changed and, when it is only
    an aid batch added or removed, which (versions.bump): the data version moves, and the
    snapshot applies the batch or re-reads those districts (warmth.snapshot)."""
    versions.bump(conn, sorted(districts), change)


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
    districts = set(conn.execute(sa.select(a.c.district_code).distinct().where(mine)).scalars())
    districts |= _districts_of(conn, sa.select(a.c.id_number).where(mine), batch.campaign_id)
    removed = conn.execute(a.delete().where(mine)).rowcount
    mine_b = ben.c.batch_id == batch.id
    districts |= set(
        conn.execute(sa.select(ben.c.district_code).distinct().where(mine_b)).scalars()
    )
    conn.execute(cats.delete().where(cats.c.beneficiary_id.in_(sa.select(ben.c.id).where(mine_b))))
    removed += conn.execute(ben.delete().where(mine_b)).rowcount
    conn.execute(dups.delete().where(dups.c.batch_id == batch.id))
    conn.execute(schema.quarantine.delete().where(schema.quarantine.c.batch_id == batch.id))
    if batch.district_code:
        districts.add(batch.district_code)
    return removed, {d for d in districts if d}


def batches(conn: sa.Connection, scope: Scope, campaign_code: str | None = None) -> pd.DataFrame:
    """The upload history the scope may see, newest first: who, when, file, counts, status."""
    b, c = schema.import_batches, schema.campaigns
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
            b.c.status,
        )
        .join(c, c.c.id == b.c.campaign_id)
        .order_by(b.c.submitted_at.desc(), b.c.id.desc())
    )
    if campaign_code:
        query = query.where(c.c.code == campaign_code)
    if scope.is_empty:
        query = query.where(sa.false())
    elif scope.role != "city":
        query = query.where(b.c.district_code.in_(sorted(scope.districts)))
    return pd.DataFrame(
        conn.execute(query).mappings().all(), columns=[col.name for col in query.selected_columns]
    )
