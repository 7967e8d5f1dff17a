"""The checks of an upload's columns, for registers and for aid records: each column as a
whole array, checks on codes, names, amounts and dates once per distinct value; every
problem gathered in _Problems (warmth.intake.validation puts them together)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd

from warmth import ids
from warmth.intake.lookups import FORMS, Campaign, Reference, _key
from warmth.intake.reasons import Reason, Term
from warmth.scope import Scope

CATEGORY_SEPARATORS = re.compile(r"[;；、]")
MAX_DIGITS_YUAN = 12
AMOUNT = re.compile(r"[0-9]+(\.[0-9]{1,2})?")
DATE = re.compile(r"([0-9]{4})([-/])([0-9]{1,2})\2([0-9]{1,2})")
FULL_WIDTH_DIGITS = re.compile(r"[０-９]")
ID_FORMAT = r"[0-9]{17}[0-9X]"
TEXT_LIMITS = {"name": 60, "address": 200, "record_no": 40}


REQUIRED = Reason.of("required")


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


def masked(reason: Reason) -> Reason:
    """The reason with any ID number among the values it quotes from the file masked."""

    def mask(value: object) -> object:
        if isinstance(value, str):
            return ids.mask_ids_in(value)
        if isinstance(value, tuple):
            return tuple(mask(v) for v in value)
        return value

    return Reason(reason.code, tuple((k, mask(v)) for k, v in reason.values), reason.legacy)


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
