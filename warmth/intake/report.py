"""The error report of an upload, as a table, CSV or Excel, with spreadsheet formulas defused."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pandas as pd

from warmth import i18n
from warmth.intake.reasons import Reason

# A cell starting with one of these is run as a formula by Excel, WPS or LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
REPORT_COLUMNS = ["row", "column", "value", "reason"]
CODE_COLUMN = "code"  # kept beside the reason, so a report can be read back in either language


def escape_cell(value: object) -> object:
    """Text that a spreadsheet would run as a formula, prefixed with ' so it shows as text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class RowError:
    """One problem in one cell: the sheet row, the column as headed in the file, the value
    (masked when it is an ID number or a name) and the why (a coded Reason)."""

    row: int
    column: str
    value: str
    why: Reason

    @property
    def reason(self) -> str:
        """The reason in English."""
        return self.why.text("en")

    def text(self, lang: str = "en") -> str:
        return self.why.text(lang)

    def line(self, lang: str = "en") -> str:
        shown = f" ({self.value})" if self.value else ""
        return (
            i18n.t("upload_line", lang, row=self.row, column=self.column, reason=self.text(lang))
            + shown
        )

    def as_dict(self) -> dict:
        """As stored: the code and its values, and the English text for older readers."""
        return {"row": self.row, "column": self.column, "value": self.value} | (
            self.why.as_dict() | {"reason": self.reason}
        )

    @classmethod
    def from_dict(cls, stored: dict) -> RowError:
        """A stored error, from a report with codes or an older one with English text."""
        return cls(stored.get("row"), stored.get("column", ""), stored.get("value", ""),
                   Reason.from_dict(stored))  # fmt: skip


def error_frame(
    errors: list[RowError], file_errors: list[Reason] = (), lang: str = "en"
) -> pd.DataFrame:
    """One row per problem, the reason in lang and its code; problems with the whole file
    first, with no row number."""
    rows = [(None, "", "", r.text(lang), r.code) for r in file_errors]
    rows += [(e.row, e.column, e.value, e.text(lang), e.why.code) for e in errors]
    frame = pd.DataFrame(rows, columns=[*REPORT_COLUMNS, CODE_COLUMN])
    frame["row"] = frame["row"].astype("Int64")
    return frame


def stored_report_frame(report: dict, lang: str = "en") -> pd.DataFrame:
    """The error report of a stored batch report (import_batches.report, or the JSON that
    `warmth import --report` writes) in lang; reports written before the codes show their
    English text as it was stored."""
    file_errors = [Reason.from_dict(r) for r in report.get("file_errors") or []]
    errors = [RowError.from_dict(e) for e in report.get("errors") or []]
    return error_frame(errors, file_errors, lang)


def labelled(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The report's columns headed in lang (行号, 列, 值（已脱敏）, 原因, 代码)."""
    return frame.rename(columns={c: i18n.t(f"submit_col_{c}", lang) for c in frame.columns})


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
