"""Checking every row of an upload against FORMATS.md, collecting every problem.

Columns are checked as whole arrays; checks on codes, names, amounts and dates run once per
distinct value (a file has few), so 200,000 rows validate in seconds. The checks themselves
are in warmth.intake.checks, the code lists they use in warmth.intake.lookups; here the
file's own problems, the rows put together, the ID numbers protected and the submitter.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warmth import idkey, ids, versions
from warmth.intake.checks import _check_aid, _check_register, _Problems, masked
from warmth.intake.columns import FORMATS, HeaderMap, map_headers
from warmth.intake.lookups import Campaign, Reference, _campaign
from warmth.intake.reading import RawTable
from warmth.intake.reasons import Reason, Term
from warmth.intake.report import RowError, error_frame, frame_csv, frame_xlsx, labelled
from warmth.intake.status import classify
from warmth.scope import Scope

FIELD_ZH = {kind: {c.field: c.zh for c in cols} for kind, cols in FORMATS.items()}


@dataclass
class Validation:
    """Everything learnt about an upload: problems, counts and the clean rows to load."""

    kind: str
    raw: RawTable
    scope: Scope
    campaign: Campaign | None
    headers: HeaderMap
    file_errors: list[Reason]
    errors: list[RowError]
    ok: np.ndarray  # per data row: no problem found
    clean: pd.DataFrame  # the rows without problems, typed, with their position and sheet row
    reasons: dict[int, str] = field(default_factory=dict)  # position -> reasons joined
    submitter: str | None = None
    district: str | None = None  # the one district every row names, if they all name one
    status: pd.Series | None = None  # per clean row (classify): new, present, cross_..., held
    # (database identity, data version) read before status was: while both stand, every
    # write since is none (each write moves the version) and status still holds
    status_as_of: tuple[str, int] | None = None

    @property
    def rows(self) -> int:
        return len(self.raw.rows)

    @property
    def refused(self) -> bool:
        """True when nothing in the file can be imported: a problem with the file itself."""
        return bool(self.file_errors)

    @property
    def counts(self) -> dict[str, int]:
        """rows, valid, errors (rows with a problem), new, already_present, cross_district:
        what the uploader may be told. Nothing here depends on people outside the scope: a
        register row registered in a district the scope cannot see counts as new, and an
        aid record for such a person too (the import holds it for that district)."""
        status = self.status if self.status is not None else pd.Series(dtype=object)
        valid = 0 if self.refused else int(self.ok.sum())
        return {
            "rows": self.rows,
            "valid": valid,
            "errors": self.rows - valid,
            "new": int(status.isin(["new", "cross_hidden", "held"]).sum()),
            "already_present": int(status.isin(["present", "cross_district"]).sum()),
            "cross_district": int((status == "cross_district").sum()),
        }

    def error_lines(self, limit: int | None = 20, lang: str = "en") -> list[str]:
        """'row N, column C: reason (value)' in lang, file problems first."""
        lines = [r.text(lang) for r in self.file_errors] + [e.line(lang) for e in self.errors]
        return lines if limit is None else lines[:limit]

    def error_report_frame(self, lang: str = "en") -> pd.DataFrame:
        """row, column, value (masked), reason in lang, code: one line per problem."""
        return error_frame(self.errors, self.file_errors, lang)

    def error_report_csv(self, lang: str = "en") -> bytes:
        """The error report as CSV, headed and worded in lang."""
        return frame_csv(labelled(self.error_report_frame(lang), lang))

    def error_report_xlsx(self, lang: str = "en") -> bytes:
        """The error report as .xlsx, headed and worded in lang."""
        return frame_xlsx(labelled(self.error_report_frame(lang), lang))

    def report(self) -> dict:
        """Machine-readable: counts, columns and every problem (values masked)."""
        return {
            "file_name": self.raw.file_name,
            "file_sha256": self.raw.sha256,
            "kind": self.kind,
            "campaign": self.campaign.code if self.campaign else None,
            "encoding": self.raw.encoding,
            "submitter": self.submitter,
            "counts": self.counts,
            "missing_columns": self.headers.missing,
            "unknown_columns": self.headers.unknown,
            "file_errors": [r.as_dict() | {"reason": r.text("en")} for r in self.file_errors],
            "errors": [e.as_dict() for e in self.errors],
        }

    def raw_json(self, position: int) -> str:
        """The row as submitted, header -> cell, for the quarantine table."""
        cells = list(self.raw.rows[position])
        at = self.headers.positions.get("id_number")
        if at is not None and at < len(cells):  # an ID number is never kept in clear
            cells[at] = ids.mask_id(str(cells[at]).strip())
        return json.dumps(dict(zip(self.raw.headers, cells, strict=False)), ensure_ascii=False)


def validate(
    conn: sa.Connection,
    campaign_code: str | None,
    kind: str,
    raw: RawTable,
    *,
    scope: Scope,
    submitter: str | None = None,
    today: date | None = None,
) -> Validation:
    """Every problem of every row (and of the file), and the clean rows ready to load.

    campaign_code None means the newest campaign. For aid records the submitter (whose
    record numbers these are) is the district every row names, else the one district of the
    scope, else must be given."""
    if kind not in FORMATS:
        raise ValueError(f"kind must be register or aid, not {kind!r}")
    today = today or datetime.now(UTC).date()
    headers = map_headers(kind, raw.headers)
    campaign = _campaign(conn, campaign_code)
    file_errors = [masked(r) for r in headers.problems]
    file_errors += [
        Reason.of("missing_column", field=f, zh=FIELD_ZH[kind][f]) for f in headers.missing
    ]
    if headers.missing and raw.kind_guess and raw.kind_guess != kind:
        file_errors.append(
            Reason.of(
                "wrong_kind",
                guess=Term(f"upload_kind_{raw.kind_guess}"),
                kind=Term(f"upload_kind_{kind}"),
            )
        )
    if campaign is None:
        file_errors.append(
            Reason.of("no_campaign", code=campaign_code)
            if campaign_code
            else Reason.of("no_campaign_loaded")
        )
    if scope.is_empty:
        file_errors.append(Reason.of("scope_empty"))
    n = len(raw.rows)
    if n == 0:
        file_errors.append(Reason.of("no_data_rows"))
    if file_errors:
        nothing = np.zeros(n, dtype=bool)
        return Validation(
            kind, raw, scope, campaign, headers, file_errors, [], nothing, pd.DataFrame(),
            status=pd.Series(dtype=object),
        )  # fmt: skip
    ref = Reference.load(conn)
    columns = list(zip(*raw.rows, strict=True)) if n else []
    cells = {name: pd.Series(columns[i], dtype=object) for name, i in headers.positions.items()}
    blank = pd.Series([""] * n, dtype=object)
    for col in FORMATS[kind]:
        cells.setdefault(col.field, blank)
    problems = _Problems(raw.row_numbers)
    check = _check_register if kind == "register" else _check_aid
    clean = check(cells, ref, campaign, scope, problems, today)
    v = Validation(
        kind, raw, scope, campaign, headers, file_errors, [], np.ones(n, dtype=bool), clean
    )
    _finish(v, cells, problems)
    _protect_ids(conn, v)
    if kind == "aid":
        _choose_submitter(v, ref, submitter)
    else:
        found = set(v.clean["district_code"].unique())
        v.district = found.pop() if len(found) == 1 else None
    if v.refused:
        v.status = pd.Series(dtype=object)
    else:
        v.status_as_of = (versions.identity(conn), versions.current(conn))
        v.status = classify(conn, v)
    return v


def _finish(v: Validation, cells: dict[str, pd.Series], problems: _Problems) -> None:
    labels = v.headers.labels
    order = {col.field: i for i, col in enumerate(FORMATS[v.kind])}
    records: list[tuple[int, int, str, Reason]] = []
    for positions, column, reasons in problems.parts:
        records += zip(
            positions.tolist(),
            [order[column]] * len(positions),
            [column] * len(positions),
            reasons.tolist(),
            strict=True,
        )
    records.sort(key=lambda r: (r[0], r[1]))
    errors = []
    by_row: dict[int, list[str]] = {}  # for the quarantine table, in English
    for position, _, column, reason in records:
        raw_value = str(cells[column].iat[position])
        if column == "id_number":
            shown = ids.mask_id(raw_value.strip())
        elif column == "name":
            shown = ids.mask_name(raw_value.strip())
        elif column == "address":
            shown = raw_value.strip()[:6] + "…"  # personal data: enough to find the row
        else:
            shown = ids.mask_ids_in(raw_value[:80])
        label = labels.get(column, column)
        reason = masked(reason)
        errors.append(RowError(v.raw.row_numbers[position], label, shown, reason))
        by_row.setdefault(position, []).append(f"{label}: {reason.text('en')}")
    v.errors = errors
    v.reasons = {p: "; ".join(r) for p, r in by_row.items()}
    v.ok = ~problems.bad()
    clean = v.clean
    clean.insert(0, "row", v.raw.row_numbers)
    clean.insert(0, "pos", np.arange(len(clean)))
    v.clean = clean[v.ok].reset_index(drop=True)


def _protect_ids(conn: sa.Connection, v: Validation) -> None:
    """From here on the clean rows hold each ID number as its keyed hash (what the database
    matches on) and its seal (warmth.idkey): the clear number goes no further."""
    hashes, seals = idkey.for_conn(conn).protect(v.clean["id_number"].tolist())
    v.clean["id_number"] = pd.Series(hashes, index=v.clean.index, dtype=object)
    v.clean["id_cipher"] = pd.Series(seals, index=v.clean.index, dtype=object)


def _choose_submitter(v: Validation, ref: Reference, submitter: str | None) -> None:
    scope = v.scope
    named = set(v.clean["district_code"].dropna().unique())
    every_row = not v.clean["district_code"].isna().any()
    v.district = next(iter(named)) if len(named) == 1 and every_row else None
    if submitter:
        allowed = submitter in scope.districts or (
            submitter in ref.departments and scope.may_submit_for_department(submitter)
        )
        if not allowed:
            v.file_errors.append(Reason.of("submitter_denied", submitter=submitter))
        v.submitter = submitter
        return
    if len(named) == 1:
        v.submitter = named.pop()
    elif len(scope.districts) == 1:
        v.submitter = next(iter(scope.districts))
    elif named:
        v.file_errors.append(Reason.of("several_districts", districts=tuple(sorted(named))))
    elif len(v.clean):
        v.file_errors.append(Reason.of("no_district"))
