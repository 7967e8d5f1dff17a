"""Reading an uploaded file into rows of text, refusing anything unsafe or ambiguous.

The type comes from the bytes (magic numbers), never from the file name; the file name is
only sanitised for display and storage, never used as a path. Every cell is read as text.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time

from warmth.intake.columns import guess_kind, known_header_count
from warmth.intake.reasons import Reason

MAX_BYTES = 20 * 1024 * 1024  # also server.maxUploadSize (MB) in .streamlit/config.toml
MAX_COLUMNS = 200  # a register or aid file has 7; extra columns are reported, not read
MAX_UNZIPPED = 100 * 1024 * 1024
MAX_ZIP_ENTRIES = 1000
MAX_REFUSED_ROWS_NAMED = 20
HEADER_SEARCH_ROWS = 10
EXCEL_SUFFIXES = {"xlsx", "xls", "xlsm", "xlsb", "et"}
TEXT_SUFFIXES = {"csv", "txt", "tsv"}


class UploadRefusedError(ValueError):
    """The file cannot be read safely; the reason says why (and where, when it can), in
    either language: str(exc) is the English text, exc.text("zh") the Chinese."""

    def __init__(
        self, code: str, /, *, row: int | None = None, cell: str | None = None, **values: object
    ):
        where = {"row": row} if row is not None else {}
        self.reason = Reason.of(code, **where, **values)
        super().__init__(self.reason.text("en"))
        self.row = row
        self.cell = cell

    def text(self, lang: str = "en") -> str:
        return self.reason.text(lang)


@dataclass
class RawTable:
    """An uploaded table as text: the header row, the data rows and their sheet row numbers."""

    file_name: str  # sanitised: a display name, never a path
    file_type: str  # csv | xlsx
    encoding: str  # utf-8, utf-8-sig, gb18030 or xlsx
    headers: list[str]
    rows: list[list[str]]
    row_numbers: list[int]  # the sheet row (1-based, header included) of each data row
    sha256: str
    size: int
    header_row: int = 1
    kind_guess: str | None = None  # register | aid | None
    sheet_name: str | None = None
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)


def safe_file_name(name: str | None) -> str:
    """A display name: the last path component, without control characters or leading dots."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = text.strip().lstrip(".").strip()
    return text[:200] or "upload"


def check_size(size: int, max_bytes: int = MAX_BYTES) -> None:
    """UploadRefusedError for an empty file or one over the limit (the command line asks
    before reading the file at all)."""
    if size == 0:
        raise UploadRefusedError("file_empty")
    if size > max_bytes:
        raise UploadRefusedError("file_too_big", size=f"{size:,}", limit=f"{max_bytes:,}")


def _too_wide(row: int, columns: int) -> UploadRefusedError:
    return UploadRefusedError(
        "file_too_many_columns", row=row, columns=f"{columns:,}", limit=MAX_COLUMNS
    )


def _check_width(data: bytes) -> None:
    """Refuse a text file whose first lines hold more than MAX_COLUMNS cells, before the
    whole file is decoded and parsed (a million-column header costs seconds and memory)."""
    for number, line in enumerate(data[: 1 << 20].split(b"\n")[:HEADER_SEARCH_ROWS], 1):
        # counted on the raw bytes: a comma or tab is one byte in UTF-8 and GB18030 alike
        cells = max(line.count(b","), line.count(b"\t"), line.count(b";")) + 1
        if cells > MAX_COLUMNS:
            raise _too_wide(number, cells)


def read_upload(data: bytes, file_name: str, *, max_bytes: int = MAX_BYTES) -> RawTable:
    """The uploaded bytes as a RawTable, or UploadRefusedError saying why not."""
    name = safe_file_name(file_name)
    check_size(len(data), max_bytes)
    sha = hashlib.sha256(data).hexdigest()
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix == "xlsm":
        raise UploadRefusedError("file_xlsm")
    if data.startswith(b"PK\x03\x04"):
        if suffix in TEXT_SUFFIXES:
            raise UploadRefusedError("file_zip_named_text", suffix=suffix)
        table = _read_xlsx(data, name, sha)
    else:
        _refuse_binary(data)
        if suffix in EXCEL_SUFFIXES:
            raise UploadRefusedError("file_text_named_excel", suffix=suffix)
        table = _read_csv(data, name, sha)
    if not table.rows:
        raise UploadRefusedError("file_no_data_rows", row=table.header_row)
    table.kind_guess = guess_kind(table.headers)
    return table


def _refuse_binary(data: bytes) -> None:
    head = data[:8]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UploadRefusedError("file_utf16")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise UploadRefusedError("file_xls")
    if (head.startswith(b"MZ") and b"\x00" in data[:512]) or head.startswith(b"\x7fELF"):
        raise UploadRefusedError("file_program")
    if head.startswith((b"%PDF", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")):
        raise UploadRefusedError("file_not_table")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise UploadRefusedError("file_nul", row=line, offset=nul, line=line)


# --- CSV ---------------------------------------------------------------------------------


def _decode(data: bytes) -> tuple[str, str]:
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        _refuse_mixed(data, utf8_error)
        at = utf8_error.start
        line = data.count(b"\n", 0, at) + 1
        raise UploadRefusedError(
            "file_encoding", row=line, byte=data[at : at + 1].hex(), offset=at, line=line
        ) from None
    _refuse_mixed(data, utf8_error)
    return text, "gb18030"


def _refuse_mixed(data: bytes, utf8_error: UnicodeDecodeError) -> None:
    """Refuse a file where some lines are UTF-8 and others are not (two files pasted
    together): GB18030 would decode the UTF-8 lines into the wrong characters."""
    bad_line = data.count(b"\n", 0, utf8_error.start) + 1
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if sum(not ch.isascii() for ch in text) >= 3:
            raise UploadRefusedError(
                "file_mixed_encoding",
                row=bad_line,
                line=number,
                bad_line=bad_line,
                offset=utf8_error.start,
            )


def _read_csv(data: bytes, name: str, sha: str) -> RawTable:
    _check_width(data)
    text, encoding = _decode(data)
    if "\x00" in text:
        raise UploadRefusedError("file_nul_characters")
    try:  # the usual file, parsed in one call
        rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
        fine = max(map(len, rows), default=0) <= MAX_COLUMNS
    except csv.Error:
        fine = False
    if not fine:
        rows = _rows_at_fault(text)
    records = list(enumerate(rows, start=1))
    return _table_from_records(records, name, "csv", encoding, sha, len(data))


def _rows_at_fault(text: str) -> list[list[str]]:
    """The rows parsed one by one, to name the row and line of a wide or badly quoted
    row (UploadRefusedError)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[list[str]] = []
    last_line = 0
    try:
        for row in reader:
            if len(row) > MAX_COLUMNS:  # a wide row further down, or one quoted over lines
                raise _too_wide(reader.line_num, len(row))
            rows.append(row)
            last_line = reader.line_num
    except csv.Error as exc:
        record_no = len(rows) + 1
        raise UploadRefusedError(
            "file_quoting", row=record_no, line=last_line + 1, detail=str(exc)
        ) from exc
    return rows


def _is_blank(row: list[str]) -> bool:
    return not "".join(row).strip()


def _header_index(records: list[tuple[int, list[str]]]) -> int:
    """The header row: the first non-blank row, or a later one among the first few that
    holds known column names (a title row above the header is common)."""
    candidates = [
        i for i, (_, row) in enumerate(records[:HEADER_SEARCH_ROWS]) if not _is_blank(row)
    ]
    if not candidates:
        raise UploadRefusedError("file_all_blank")
    best = max(candidates, key=lambda i: (known_header_count(records[i][1]), -i))
    return best if known_header_count(records[best][1]) else candidates[0]


def _table_from_records(
    records: list[tuple[int, list[str]]],
    name: str,
    file_type: str,
    encoding: str,
    sha: str,
    size: int,
    sheet_name: str | None = None,
) -> RawTable:
    if not records:
        raise UploadRefusedError("file_no_rows")
    h = _header_index(records)
    header_row, header = records[h]
    while header and not header[-1].strip():
        header = header[:-1]
    headers = [cell.strip() for cell in header]
    width = len(headers)
    if width == 1 and re.search(r"[\t;|]", headers[0]):
        raise UploadRefusedError("file_one_column", row=header_row)
    # Blank rows are skipped (their row numbers are kept by the others).
    body = [(n, r) for n, r in records[h + 1 :] if r and (r[0].strip() or "".join(r).strip())]
    if all(len(r) == width for _, r in body):  # the usual case, quickly
        rows = [r for _, r in body]
        numbers = [n for n, _ in body]
        body = []
    else:
        rows, numbers = [], []
    ragged: list[tuple[int, Reason]] = []
    for number, row in body:
        if len(row) < width and file_type == "xlsx":
            row = row + [""] * (width - len(row))
        if len(row) < width:
            ragged.append((number, Reason.of("ragged_short", row=number, cells=len(row))))
            continue
        if len(row) > width:
            if any(c.strip() for c in row[width:]):
                ragged.append((number, Reason.of("ragged_long", row=number)))
                continue
            row = row[:width]
        rows.append(row)
        numbers.append(number)
    if ragged:
        shown = tuple(reason for _, reason in ragged[:MAX_REFUSED_ROWS_NAMED])
        extra = len(ragged) - MAX_REFUSED_ROWS_NAMED
        if extra > 0:
            shown += (Reason.of("ragged_more", more=extra),)
        raise UploadRefusedError(
            "file_ragged", row=ragged[0][0], header_row=header_row, width=width, rows=shown
        )
    notes = [f"rows above the header (row {header_row}) were skipped"] if h else []
    return RawTable(
        file_name=name,
        file_type=file_type,
        encoding=encoding,
        headers=headers,
        rows=rows,
        row_numbers=numbers,
        sha256=sha,
        size=size,
        header_row=header_row,
        sheet_name=sheet_name,
        notes=notes,
    )


# --- XLSX --------------------------------------------------------------------------------


def _check_zip(data: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UploadRefusedError("file_zip_damaged", detail=str(exc)) from exc
    if len(infos) > MAX_ZIP_ENTRIES:
        raise UploadRefusedError("file_zip_parts", parts=len(infos), limit=MAX_ZIP_ENTRIES)
    names = {info.filename for info in infos}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise UploadRefusedError("file_macros")
    if "xl/workbook.xml" not in names:
        raise UploadRefusedError("file_zip_not_xlsx")
    # Declared sizes are the uploader's word: count the bytes actually decompressed.
    budget = MAX_UNZIPPED
    for info in infos:
        keep = info.filename == "[Content_Types].xml"
        size, content = _inflate(archive, info, budget, keep=keep)
        budget -= size
        if keep and (b"macroEnabled" in content or b"vbaProject" in content):
            raise UploadRefusedError("file_macro_enabled")
    if FIRST_SHEET in names:
        _check_sheet_width(archive)


FIRST_SHEET = "xl/worksheets/sheet1.xml"  # the first sheet, as Excel, WPS and LibreOffice name it
ROW_END = re.compile(rb"</(?:\w+:)?row>")
CELL = re.compile(rb"<(?:\w+:)?c[ >/]")


def _check_sheet_width(archive: zipfile.ZipFile) -> None:
    """Refuse a sheet whose first rows hold more than MAX_COLUMNS cells, on the raw XML
    (parsing a 16,384-column row into a workbook takes seconds)."""
    with archive.open(FIRST_SHEET) as fh:
        head = fh.read(4 << 20)
    start = head.find(b"<sheetData")
    for number, row in enumerate(ROW_END.split(head[start:])[:HEADER_SEARCH_ROWS], 1):
        cells = len(CELL.findall(row))
        if cells > MAX_COLUMNS:
            raise _too_wide(number, cells)


def _inflate(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, *, keep: bool
) -> tuple[int, bytes]:
    """The decompressed size of a member (and its bytes when keep), stopping at the budget."""
    chunks = []
    total = 0
    try:
        with archive.open(info) as fh:
            while chunk := fh.read(1 << 20):
                total += len(chunk)
                if total > budget:
                    raise UploadRefusedError("file_zip_bomb", limit=MAX_UNZIPPED // 2**20)
                if keep:
                    chunks.append(chunk)
    except (zipfile.BadZipFile, OSError, RuntimeError, EOFError, ValueError) as exc:
        raise UploadRefusedError(
            "file_workbook_damaged", part=info.filename, detail=str(exc)
        ) from exc
    return total, b"".join(chunks)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _unreadable(exc: BaseException) -> UploadRefusedError:
    from defusedxml import DefusedXmlException

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DefusedXmlException):
            return UploadRefusedError("file_xml_entities")
        seen = seen.__cause__ or seen.__context__
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return UploadRefusedError("file_unreadable", detail=first)


def _read_xlsx(data: bytes, name: str, sha: str) -> RawTable:
    import openpyxl
    import openpyxl.xml

    if not openpyxl.xml.DEFUSEDXML:
        raise UploadRefusedError("file_no_defusedxml")
    _check_zip(data)
    try:
        book = openpyxl.load_workbook(
            io.BytesIO(data), read_only=True, data_only=False, keep_links=False
        )
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise _unreadable(exc) from exc
    try:
        sheet = book.worksheets[0]
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()  # the stored dimension is the uploader's word
        records: list[tuple[int, list[str]]] = []
        formulas: list[str] = []
        # Rows come consecutively from row 1 (missing rows as empty ones) once the
        # dimensions are reset, so the position is the sheet row number.
        # one column more than allowed is read, so that a wider sheet is refused without
        # its cells being kept
        for number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS + 1), start=1):
            if len(cells) > MAX_COLUMNS and cells[-1].value is not None:
                raise _too_wide(number, len(cells))
            texts = []
            for cell in cells:
                if getattr(cell, "data_type", None) == "f":
                    formulas.append(cell.coordinate)
                texts.append(_cell_text(cell.value))
            records.append((number, texts))
    except UploadRefusedError:
        raise
    except Exception as exc:
        raise _unreadable(exc) from exc
    finally:
        book.close()
    if formulas:
        shown = ", ".join(formulas[:MAX_REFUSED_ROWS_NAMED])
        if len(formulas) > MAX_REFUSED_ROWS_NAMED:
            more = Reason.of("formulas_more", more=len(formulas) - MAX_REFUSED_ROWS_NAMED)
            shown = (shown, more)
        raise UploadRefusedError("file_formulas", cell=formulas[0], cells=shown)
    width = max((len(r) for _, r in records), default=0)
    records = [(n, r + [""] * (width - len(r))) for n, r in records]
    table = _table_from_records(records, name, "xlsx", "xlsx", sha, len(data), sheet.title)
    return table
