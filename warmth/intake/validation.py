"""Checking every row of an upload against FORMATS.md, collecting every problem.

Columns are checked as whole arrays; checks on codes, names, amounts and dates run once per
distinct value (a file has few), so 200,000 rows validate in seconds.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warmth import campaigns, idkey, ids, schema
from warmth.intake.columns import FORMATS, HeaderMap, map_headers
from warmth.intake.reading import RawTable
from warmth.intake.reasons import Names, Reason, Term
from warmth.intake.report import RowError, error_frame, frame_csv, frame_xlsx, labelled
from warmth.intake.status import classify
from warmth.scope import Scope

FORMS = {
    "cash": "现金",
    "in_kind": "实物",
    "service": "劳务",
    "pairing": "结对",
    "visit": "慰问",
    "medical": "医疗",
    "scholarship": "奖学金",
}
CATEGORY_SEPARATORS = re.compile(r"[;；、]")
MAX_DIGITS_YUAN = 12
AMOUNT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
DATE = re.compile(r"([0-9]{4})([-/])([0-9]{1,2})\2([0-9]{1,2})")
FULL_WIDTH_DIGITS = re.compile(r"[０-９]")
ID_FORMAT = r"[0-9]{17}[0-9X]"
TEXT_LIMITS = {"name": 60, "address": 200, "record_no": 40}


REQUIRED = Reason.of("required")
FIELD_ZH = {kind: {c.field: c.zh for c in cols} for kind, cols in FORMATS.items()}


def _id_reason(value: str) -> Reason:
    """The coded form of ids.id_problem (kept in step by tests/intake/test_reasons.py)."""
    norm = ids.normalise(value)
    if len(norm) != 18:
        return Reason.of("id_length", length=len(norm))
    if not (norm[:17].isascii() and norm[:17].isdigit()) or norm[17] not in "0123456789X":
        return Reason.of("id_characters")
    try:
        date(int(norm[6:10]), int(norm[10:12]), int(norm[12:14]))
    except ValueError:
        return Reason.of("id_birth_date", value=norm[6:14])
    if norm[17] != ids.check_char(norm[:17]):
        return Reason.of("id_check")
    return Reason.of("id_birth_range", value=norm[6:14])


def _key(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


@dataclass
class Reference:
    """The code lists an upload is checked against, loaded once per validation."""

    districts: dict[str, str]  # code, name or short name -> code
    district_names: dict[str, Names]  # code -> name in both languages
    streets: dict[tuple[str, str], str]  # (district code, code / name / short) -> street code
    street_district: dict[str, str]  # street code -> district code
    street_names: dict[str, list[str]]  # name -> district codes that have it
    categories: dict[str, str]
    programmes: dict[str, str]
    programme_forms: dict[str, str]
    forms: dict[str, str]
    departments: set[str]

    @classmethod
    def load(cls, conn: sa.Connection) -> Reference:
        districts: dict[str, str] = {}
        names: dict[str, Names] = {}
        for code, zh, en in conn.execute(
            sa.select(
                schema.districts.c.code, schema.districts.c.name_zh, schema.districts.c.name_en
            )
        ):
            names[code] = Names(zh, en)
            short = re.sub(r"(新区|区|县)$", "", zh)
            for label in (
                code,
                zh,
                short,
                en.lower(),
                re.sub(r" district$| county$", "", en.lower()),
            ):
                districts.setdefault(_key(label), code)
        streets: dict[tuple[str, str], str] = {}
        street_district: dict[str, str] = {}
        street_names: dict[str, list[str]] = {}
        for dcode, code, zh in conn.execute(
            sa.select(
                schema.streets.c.district_code, schema.streets.c.code, schema.streets.c.name_zh
            )
        ):
            street_district[code] = dcode
            short = re.sub(r"(街道|镇|乡)$", "", zh)
            for label in (code, zh, short):
                streets.setdefault((dcode, _key(label)), code)
            street_names.setdefault(_key(zh), []).append(dcode)
        categories = {}
        for code, zh in conn.execute(
            sa.select(schema.categories.c.code, schema.categories.c.name_zh)
        ):
            categories[code.upper()] = code
            categories[_key(zh)] = code
        programmes: dict[str, str] = {}
        forms_of: dict[str, str] = {}
        for code, zh, form in conn.execute(
            sa.select(
                schema.programmes.c.code, schema.programmes.c.name_zh, schema.programmes.c.form
            )
        ):
            programmes[code.upper()] = code
            programmes[_key(zh)] = code
            forms_of[code] = form
        forms = {code: code for code in FORMS} | {zh: code for code, zh in FORMS.items()}
        departments = set(conn.execute(sa.select(schema.departments.c.code)).scalars())
        return cls(
            districts,
            names,
            streets,
            street_district,
            street_names,
            categories,
            programmes,
            forms_of,
            forms,
            departments,
        )


@dataclass
class Campaign:
    id: int
    code: str
    start: date
    end: date


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


class _Problems:
    """Problems gathered column by column: (positions, field, reasons)."""

    def __init__(self, row_numbers: list[int]):
        self.n = len(row_numbers)
        self.row_numbers = row_numbers
        self.parts: list[tuple[np.ndarray, str, np.ndarray]] = []

    def add(self, mask: np.ndarray | pd.Series, column: str, reason: Reason | np.ndarray) -> None:
        mask = np.asarray(mask, dtype=bool)
        positions = np.flatnonzero(mask)
        if not len(positions):
            return
        if isinstance(reason, Reason):
            reasons = np.empty(len(positions), dtype=object)
            reasons[:] = [reason] * len(positions)
        else:
            reasons = np.asarray(reason, dtype=object)[positions]
        self.parts.append((positions, column, reasons))

    def bad(self) -> np.ndarray:
        mask = np.zeros(self.n, dtype=bool)
        for positions, _, _ in self.parts:
            mask[positions] = True
        return mask


def _has(reasons: np.ndarray) -> np.ndarray:
    return pd.notna(reasons)


def _per_value(values: pd.Series, check: Callable[[str], tuple[object, Reason | None]]):
    """check() run once per distinct value: (results, reasons) arrays in row order."""
    codes, uniques = pd.factorize(values, sort=False)
    results = [check(u) for u in uniques]
    out = np.empty(len(results), dtype=object)
    why = np.empty(len(results), dtype=object)
    for i, (value, reason) in enumerate(results):
        out[i] = value
        why[i] = reason
    return out[codes], why[codes]


def _campaign(conn: sa.Connection, code: str | None) -> Campaign | None:
    found = campaigns.campaign(conn, code)
    if found is None:
        return None
    return Campaign(found["id"], found["code"], found["window_start"], found["window_end"])


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
    v.status = classify(conn, v) if not v.refused else pd.Series(dtype=object)
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


def masked(reason: Reason) -> Reason:
    """The reason with any ID number among the values it quotes from the file masked."""

    def mask(value: object) -> object:
        if isinstance(value, str):
            return ids.mask_ids_in(value)
        if isinstance(value, tuple):
            return tuple(mask(v) for v in value)
        return value

    return Reason(reason.code, tuple((k, mask(v)) for k, v in reason.values), reason.legacy)


def _protect_ids(conn: sa.Connection, v: Validation) -> None:
    """From here on the clean rows hold each ID number as its keyed hash (what the database
    matches on) and its seal (warmth.idkey): the clear number goes no further."""
    hashes, seals = idkey.for_conn(conn).protect(v.clean["id_number"].tolist())
    v.clean["id_number"] = pd.Series(hashes, index=v.clean.index, dtype=object)
    v.clean["id_cipher"] = pd.Series(seals, index=v.clean.index, dtype=object)


def _check_ids(values: pd.Series, problems: _Problems) -> pd.Series:
    raw = values.str.strip()
    norm = raw.str.replace("x", "X", regex=False)
    good = norm.str.fullmatch(ID_FORMAT).to_numpy(dtype=bool, copy=True)
    if good.any():
        sub = norm[good]
        digits = np.frombuffer("".join(sub).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        total = (digits[:, :17].astype(np.int64) - 48) @ np.array(ids.WEIGHTS) % 11
        expected = np.frombuffer(ids.CHECK_CHARS.encode("ascii"), dtype=np.uint8)[total]
        born = pd.to_datetime(sub.str.slice(6, 14), format="%Y%m%d", errors="coerce")
        fine = (digits[:, 17] == expected) & born.notna().to_numpy()
        good[np.flatnonzero(good)[~fine]] = False
    bad = ~good
    problems.add(bad & (raw == "").to_numpy(), "id_number", REQUIRED)
    reasons = np.empty(len(raw), dtype=object)
    for position in np.flatnonzero(bad & (raw != "").to_numpy()):
        value = raw.iat[position]
        if FULL_WIDTH_DIGITS.search(value):
            reason = Reason.of("id_full_width")
        elif len(ids.normalise(value)) == 15 and value.isdigit():
            reason = Reason.of("id_15_digits")
        else:
            reason = _id_reason(value)
        reasons[position] = reason
    problems.add(bad & (raw != "").to_numpy(), "id_number", reasons)
    return norm


def _required_text(values: pd.Series, column: str, problems: _Problems, *, required: bool):
    """Text kept as entered (only surrounding spaces trimmed); formulas are escaped on export."""
    kept = values.str.strip(" \u3000")
    if required:
        problems.add((values.str.strip() == "").to_numpy(), column, REQUIRED)
    limit = TEXT_LIMITS.get(column)
    if limit:
        problems.add(
            (kept.str.len() > limit).to_numpy(), column, Reason.of("too_long", limit=limit)
        )
    return kept


def _district_check(ref: Reference, scope: Scope, *, required: bool):
    def check(value: str):
        key = _key(value)
        if not key:
            return None, REQUIRED if required else None
        code = ref.districts.get(key) or ref.districts.get(key.lower())
        if code is None:
            return None, Reason.of("unknown_district")
        if code not in scope.districts:
            return code, Reason.of(
                "district_outside_scope", district=ref.district_names[code], code=code
            )
        return code, None

    return check


def _street_check(ref: Reference):
    def check(pair: str):
        district, _, value = pair.partition("|")
        key = _key(value)
        if not key:
            return None, REQUIRED
        if not district:
            return None, None  # the district's own problem is reported
        code = ref.streets.get((district, key))
        if code:
            return code, None
        other = ref.street_district.get(key)
        dname = ref.district_names[district]
        if other:
            return None, Reason.of(
                "street_other_district", street=key, other=ref.district_names[other], district=dname
            )
        if key in ref.street_names:
            where = tuple(ref.district_names[d] for d in ref.street_names[key])
            return None, Reason.of("street_elsewhere", street=key, district=dname, where=where)
        return None, Reason.of("unknown_street", district=dname)

    return check


def _categories_check(ref: Reference):
    def check(value: str):
        tokens = [_key(t) for t in CATEGORY_SEPARATORS.split(value)]
        tokens = [t for t in tokens if t]
        if not tokens:
            return None, REQUIRED
        codes, unknown = [], []
        for token in tokens:
            code = ref.categories.get(token) or ref.categories.get(token.upper())
            if code is None:
                unknown.append(token)
            elif code not in codes:
                codes.append(code)
        if unknown:
            return None, Reason.of("unknown_category", values=tuple(unknown))
        return ";".join(codes), None

    return check


def _household_check(value: str):
    text = value.strip()
    if not text:
        return None, None
    if re.fullmatch(r"[0-9]{1,2}", text) and 1 <= int(text) <= 20:
        return int(text), None
    return None, Reason.of("household_size")


def _check_register(cells, ref, campaign, scope, problems, today) -> pd.DataFrame:
    id_number = _check_ids(cells["id_number"], problems)
    name = _required_text(cells["name"], "name", problems, required=True)
    district, why = _per_value(cells["district"], _district_check(ref, scope, required=True))
    problems.add(_has(why), "district", why)
    usable = np.where(_has(why), "", district)
    pairs = pd.Series(usable, dtype=object).fillna("") + "|" + cells["street"]
    street, why = _per_value(pairs, _street_check(ref))
    problems.add(_has(why), "street", why)
    categories, why = _per_value(cells["categories"], _categories_check(ref))
    problems.add(_has(why), "categories", why)
    household, why = _per_value(cells["household_size"], _household_check)
    problems.add(_has(why), "household_size", why)
    address = _required_text(cells["address"], "address", problems, required=False)
    _in_file_duplicates(id_number, "id_number", problems)
    return pd.DataFrame(
        {
            "id_number": id_number,
            "name": name,
            "district_code": district,
            "street_code": street,
            "categories": categories,
            "household_size": household,
            "address": address.where(address != "", None),
        }
    )


def _in_file_duplicates(values: pd.Series, column: str, problems: _Problems) -> None:
    present = values != ""
    dup = values.duplicated(keep=False) & present
    if not dup.any():
        return
    reasons = np.empty(len(values), dtype=object)
    groups = pd.Series(np.flatnonzero(dup.to_numpy())).groupby(values[dup].to_numpy())
    for _, positions in groups:
        rows = positions.tolist()
        for p in rows:
            others = tuple(problems.row_numbers[q] for q in rows if q != p)[:5]
            reasons[p] = Reason.of(
                "duplicate_in_file",
                what=Term(f"upload_term_{column}"),
                times=len(rows),
                rows=others,
            )
    problems.add(dup, column, reasons)


def _programme_check(ref: Reference):
    def check(value: str):
        key = _key(value)
        if not key:
            return None, REQUIRED
        code = ref.programmes.get(key.upper()) or ref.programmes.get(key)
        return (code, None) if code else (None, Reason.of("unknown_programme"))

    return check


def _amount_check(value: str):
    text = value.strip()
    if not text:
        return None, REQUIRED
    if AMOUNT.fullmatch(text):
        whole, _, cents = text.partition(".")
        if len(whole.lstrip("0")) > MAX_DIGITS_YUAN:
            return None, Reason.of("amount_too_large")
        return int(whole) * 100 + int((cents + "00")[:2]), None
    lower = text.lower()
    if lower in {"nan", "inf", "-inf", "infinity", "null", "none", "n/a", "-"}:
        code = "amount_not_a_number"
    elif re.fullmatch(r"-\s*[0-9]+(\.[0-9]+)?", text):
        code = "amount_negative"
    elif re.search(r"[¥￥$€元]|rmb|cny", lower):
        code = "amount_currency"
    elif re.search(r"[0-9][,，][0-9]", text):
        code = "amount_thousands"
    elif re.fullmatch(r"[0-9.]+e[+-]?[0-9]+", lower):
        code = "amount_exponent"
    elif re.fullmatch(r"[0-9]+\.[0-9]{3,}", text):
        code = "amount_decimals"
    elif FULL_WIDTH_DIGITS.search(text):
        code = "amount_full_width"
    else:
        code = "amount_form"
    return None, Reason.of(code)


def _form_check(ref: Reference):
    def check(pair: str):
        programme, _, value = pair.partition("|")
        key = _key(value)
        if not key:
            return ref.programme_forms.get(programme), None
        code = ref.forms.get(key) or ref.forms.get(key.lower())
        if code is None:
            return None, Reason.of(
                "unknown_form", forms=tuple(f"{c} {z}" for c, z in FORMS.items())
            )
        return code, None

    return check


def _date_check(campaign: Campaign, today: date):
    window = {"start": f"{campaign.start:%Y-%m-%d}", "end": f"{campaign.end:%Y-%m-%d}"}

    def check(value: str):
        text = value.strip()
        if not text:
            return None, REQUIRED
        match = DATE.fullmatch(text)
        if not match:
            return None, Reason.of("not_a_date")
        try:
            day = date(int(match[1]), int(match[3]), int(match[4]))
        except ValueError:
            return None, Reason.of("no_such_date", value=text)
        if day > today:
            return None, Reason.of("date_future", value=f"{day:%Y-%m-%d}")
        if not campaign.start <= day <= campaign.end:
            return None, Reason.of("date_outside_window", value=f"{day:%Y-%m-%d}", **window)
        return day, None

    return check


def _check_aid(cells, ref, campaign, scope, problems, today) -> pd.DataFrame:
    record_no = _required_text(cells["record_no"], "record_no", problems, required=True)
    record_no = record_no.str.strip()
    id_number = _check_ids(cells["id_number"], problems)
    programme, why = _per_value(cells["programme"], _programme_check(ref))
    problems.add(_has(why), "programme", why)
    amount, why = _per_value(cells["amount_yuan"], _amount_check)
    problems.add(_has(why), "amount_yuan", why)
    pairs = pd.Series(programme, dtype=object).fillna("") + "|" + cells["form"]
    form, why = _per_value(pairs, _form_check(ref))
    problems.add(_has(why), "form", why)
    day, why = _per_value(cells["date"], _date_check(campaign, today))
    problems.add(_has(why), "date", why)
    district, why = _per_value(cells["district"], _district_check(ref, scope, required=False))
    problems.add(_has(why), "district", why)
    _in_file_duplicates(record_no, "record_no", problems)
    return pd.DataFrame(
        {
            "record_no": record_no,
            "id_number": id_number,
            "programme_code": programme,
            "amount_fen": amount,
            "form": form,
            "date": day,
            "district_code": district,
        }
    )


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
