"""The error report of an upload, as a table, CSV or Excel, with spreadsheet formulas defused."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pandas as pd

# A cell starting with one of these is run as a formula by Excel, WPS or LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
REPORT_COLUMNS = ["row", "column", "value", "reason"]


def escape_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula, prefixed with ' so it shows as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class RowError:
    """One problem in one cell: the sheet row, the column as headed in the file, the value
    (masked when it is an ID number or a name) and the reason."""

    row: int
    column: str
    value: str
    reason: str

    def line(self) -> str:
        shown = f" ({self.value})" if self.value else ""
        return f"row {self.row}, column {self.column}: {self.reason}{shown}"


def error_frame(errors: list[RowError], file_errors: list[str] = ()) -> pd.DataFrame:
    """One row per problem; problems with the whole file first, with no row number."""
    rows = [(None, "", "", reason) for reason in file_errors]
    rows += [(e.row, e.column, e.value, e.reason) for e in errors]
    frame = pd.DataFrame(rows, columns=REPORT_COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    return frame


def _cells(frame: pd.DataFrame) -> list[list[object]]:
    out = []
    for record in frame.itertuples(index=False):
        out.append(["" if pd.isna(v) else escape_cell(v) for v in record])
    return out


def frame_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 with BOM (Excel opens it with the Chinese intact), every text cell escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(list(frame.columns))
    writer.writerows(_cells(frame))
    return buffer.getvalue().encode("utf-8-sig")


def frame_xlsx(frame: pd.DataFrame, *, sheet: str = "errors") -> bytes:
    """An .xlsx whose cells are all plain values: text is escaped and typed as a string, so
    the file holds no formula element."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    ws = book.create_sheet(sheet)
    ws.append(list(frame.columns))
    for record in _cells(frame):
        cells = []
        for value in record:
            cell = WriteOnlyCell(ws, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
            cells.append(cell)
        ws.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
