"""The columns of the two upload formats (docs: FORMATS.md) and the header names accepted."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from warmth.intake.reasons import Reason


@dataclass(frozen=True)
class Column:
    field: str
    zh: str
    required: bool
    aliases: tuple[str, ...] = ()


REGISTER = (
    Column("id_number", "身份证号", True, ("身份证号码", "公民身份号码", "身份证")),
    Column("name", "姓名", True),
    Column("district", "区县", True, ("区", "区县代码", "district_code")),
    Column("street", "街道/镇", True, ("街道", "街镇", "街道镇", "街道(镇)", "street_code")),
    Column("categories", "对象类别", True, ("类别", "category")),
    Column("household_size", "家庭人口", False, ("家庭人口数",)),
    Column("address", "地址", False, ("家庭地址", "住址")),
)

AID = (
    Column("record_no", "发放编号", True, ("编号",)),
    Column("id_number", "身份证号", True, ("身份证号码", "公民身份号码", "身份证")),
    Column("programme", "项目", True, ("项目代码", "program", "programme_code")),
    Column("amount_yuan", "金额", True, ("金额(元)", "金额元", "amount")),
    Column("form", "形式", False, ("帮扶形式",)),
    Column("date", "发放日期", True, ("日期",)),
    Column("district", "区县", False, ("发放区县", "district_code")),
)

FORMATS: dict[str, tuple[Column, ...]] = {"register": REGISTER, "aid": AID}


def normalise_header(text: str) -> str:
    """Header text as compared: NFKC (full-width brackets and letters), trimmed, lower case,
    spaces and underscores as one underscore."""
    text = unicodedata.normalize("NFKC", text).replace("\ufeff", "").strip().lower()
    return re.sub(r"[\s_]+", "_", text)


def _lookup(columns: tuple[Column, ...]) -> dict[str, str]:
    out = {}
    for col in columns:
        for label in (col.field, col.zh, *col.aliases):
            out[normalise_header(label)] = col.field
    return out


LOOKUPS = {kind: _lookup(cols) for kind, cols in FORMATS.items()}
_ALL = set(LOOKUPS["register"]) | set(LOOKUPS["aid"])


def known_header_count(cells: list[str]) -> int:
    return sum(normalise_header(c) in _ALL for c in cells if c)


def guess_kind(headers: list[str]) -> str | None:
    """register or aid from the column names, None when neither fits."""
    fields = {
        kind: {lookup.get(normalise_header(h)) for h in headers} for kind, lookup in LOOKUPS.items()
    }
    if {"record_no", "amount_yuan"} & fields["aid"]:
        return "aid"
    if {"categories", "street"} & fields["register"]:
        return "register"
    return None


@dataclass
class HeaderMap:
    positions: dict[str, int]  # field -> column index in the file
    labels: dict[str, str]  # field -> header as written in the file
    missing: list[str]  # required fields with no column
    unknown: list[str]  # headers that mean nothing here (ignored)
    problems: list[Reason]  # e.g. two columns for the same field


def map_headers(kind: str, headers: list[str]) -> HeaderMap:
    """Which file column holds which field; names missing, unknown and doubled columns."""
    lookup = LOOKUPS[kind]
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    unknown: list[str] = []
    problems: list[Reason] = []
    for i, header in enumerate(headers):
        field = lookup.get(normalise_header(header))
        if field is None:
            unknown.append(header if header else f"(column {i + 1} has no header)")
        elif field in positions:
            problems.append(
                Reason.of("columns_doubled", first=labels[field], second=header, field=field)
            )
        else:
            positions[field] = i
            labels[field] = header
    missing = [c.field for c in FORMATS[kind] if c.required and c.field not in positions]
    return HeaderMap(positions, labels, missing, unknown, problems)
