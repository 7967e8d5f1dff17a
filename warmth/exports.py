"""Files that officials take away: CSV (UTF-8 with BOM, RFC 4180) and Excel.

Both are safe to open in a spreadsheet: a text cell that a spreadsheet would read as a
formula (starting with = + - @ tab or CR, also after leading spaces) is neutralised, and
resident ID numbers stay text, so Excel cannot round 110105194912310021 to 15 digits.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FILE_NAME_PATTERN = re.compile(r"^[\w\u4e00-\u9fff-]+\.(csv|xlsx|pdf|png)$")
_UNSAFE_NAME_CHARS = re.compile(r"[^\w\u4e00-\u9fff-]+")
META_SHEET = "导出说明 Export"
DATA_SHEET = "数据 Data"


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet could read the text as a formula."""
    return text.lstrip(" ").startswith(FORMULA_TRIGGERS)


def escape_cell(value: object) -> object:
    """A text cell that looks like a formula, prefixed with ' ; anything else unchanged."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def _escaped(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    out.columns = [escape_cell(str(c)) for c in df.columns]
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(escape_cell)
    return out


def to_csv_bytes(df: pd.DataFrame, comment: Sequence[str] = ()) -> bytes:
    """The frame as CSV: UTF-8 with a byte-order mark (Excel reads Chinese correctly), CRLF
    line ends and minimal quoting (RFC 4180), formula-like text cells prefixed with '.
    Comment lines (an unmasked file's viewer and time) come first, each starting with #."""
    text = _escaped(df).to_csv(
        index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL, na_rep=""
    )
    lines = ["# " + " ".join(str(line).split()) for line in comment]
    return ("".join(f"{line}\r\n" for line in lines) + text).encode("utf-8-sig")


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def _write(cell: Cell, value: object) -> None:
    if _is_missing(value):
        return
    if hasattr(value, "item") and not isinstance(value, str):  # numpy scalars
        value = value.item()
    if isinstance(value, bool | int | float):
        cell.value = value
        return
    if isinstance(value, datetime | date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd" if not isinstance(value, datetime) else "yyyy-mm-dd hh:mm"
        return
    # Everything else is text, written as a string cell: openpyxl would otherwise store a
    # string starting with "=" as a formula. quotePrefix keeps Excel from reading it as one
    # even after the cell is edited, and the text number format keeps long digit strings
    # (ID numbers) as text.
    cell.value = str(value)
    cell.data_type = "s"
    cell.number_format = "@"
    if is_formula_like(cell.value):
        cell.quotePrefix = True


def to_xlsx_bytes(df: pd.DataFrame, meta: Mapping[str, object]) -> bytes:
    """The frame as an Excel workbook: a first sheet recording what was exported (campaign,
    filters, time of export, ...), then the data. Text stays text; no formula cells."""
    wb = Workbook()
    info = wb.active
    info.title = META_SHEET
    bold = Font(bold=True)
    for i, (key, value) in enumerate(meta.items(), start=1):
        _write(info.cell(row=i, column=1), str(key))
        info.cell(row=i, column=1).font = bold
        _write(info.cell(row=i, column=2), value)
    info.column_dimensions["A"].width = 24
    info.column_dimensions["B"].width = 80

    data = wb.create_sheet(DATA_SHEET)
    for j, col in enumerate(df.columns, start=1):
        _write(data.cell(row=1, column=j), str(col))
        data.cell(row=1, column=j).font = bold
        data.column_dimensions[data.cell(row=1, column=j).column_letter].width = max(
            12, min(40, len(str(col)) * 2)
        )
    for i, row in enumerate(df.itertuples(index=False, name=None), start=2):
        for j, value in enumerate(row, start=1):
            _write(data.cell(row=i, column=j), value)
    data.freeze_panes = "A2"

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_file_name(
    kind: str, campaign: str | None, as_of: date | None, ext: str = "csv", tag: str = ""
) -> str:
    """coverage_by_district_2005_20050125.csv: what, which campaign, as of which day (and a
    tag: an unmasked file's viewer and time); only letters, digits, _ and - (and Chinese
    characters), so it is safe on every system."""
    if ext not in ("csv", "xlsx", "pdf", "png"):
        raise ValueError(f"unknown export format {ext!r}")
    day = as_of.strftime("%Y%m%d") if as_of else "latest"
    parts = [kind, campaign or "campaign", day, *([tag] if tag else [])]
    stem = "_".join(_UNSAFE_NAME_CHARS.sub("_", p).strip("_") or "x" for p in parts)
    name = f"{stem}.{ext}"
    if not FILE_NAME_PATTERN.match(name):  # pragma: no cover - the substitution guarantees it
        raise ValueError(f"unsafe export file name {name!r}")
    return name
