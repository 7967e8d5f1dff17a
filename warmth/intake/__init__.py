"""Uploads of registers and aid records: read safely, validate every row, load atomically.

raw = read_upload(data, file_name)                      # UploadRefusedError if unsafe
v = validate(conn, campaign_code, "aid", raw, scope=scope)
result = import_batch(engine, v, mode="strict", user=..., file_name=..., file_sha256=...)
"""

from warmth.intake.loading import (
    ImportFailedError,
    ImportResult,
    batches,
    import_batch,
    undo_batch,
)
from warmth.intake.reading import RawTable, UploadRefusedError, read_upload, safe_file_name
from warmth.intake.report import RowError, escape_cell
from warmth.intake.validation import Validation, validate

__all__ = [
    "ImportFailedError",
    "ImportResult",
    "batches",
    "import_batch",
    "undo_batch",
    "RawTable",
    "RowError",
    "UploadRefusedError",
    "Validation",
    "escape_cell",
    "read_upload",
    "safe_file_name",
    "validate",
]
