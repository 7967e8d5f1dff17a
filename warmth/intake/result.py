"""What an import or undo tells its caller: the result with its counts and message, and
the failures."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from warmth.intake.reasons import Reason, Term


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
    # of the inserted registrations, those kept as second registrations of an ID registered
    # in another district the scope can see (never counted for a district it cannot see)
    cross_district: int = 0
    held: int = 0  # aid records held for the district where the person is registered
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


def message(kind: str, rows_in: int, counts: dict) -> Reason:
    """The import's summary: what was written, replaced, present, quarantined or held."""
    parts = [Reason.of("imported_count", n=counts["inserted"], what=Term(f"upload_term_{kind}s"))]
    if counts["replaced"]:
        parts.append(Reason.of("replaced_count", n=counts["replaced"]))
    if counts["already_present"]:
        parts.append(Reason.of("present_count", n=counts["already_present"]))
    if counts["cross_district"]:
        parts.append(Reason.of("cross_district_count", n=counts["cross_district"]))
    if counts.get("rejected"):
        parts.append(Reason.of("quarantined_count", n=counts["rejected"]))
    if counts.get("held"):
        parts.append(Reason.of("held_count", n=counts["held"]))
    return Reason.of("import_summary", rows=rows_in, parts=tuple(parts))
