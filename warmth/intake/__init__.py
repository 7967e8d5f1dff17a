"""Uploads of registers and aid records: read safely, validate every row, load atomically.

    raw = read_upload(data, file_name)                  # UploadRefusedError when unsafe
    with engine.connect() as conn:
        v = validate(conn, campaign_code, "aid", raw, scope=scope)
    v.counts, v.errors, v.error_report_frame(), v.error_report_csv(), v.error_report_xlsx()
    result = import_batch(engine, v, mode="strict", user=scope.user,
                          file_name=raw.file_name, file_sha256=raw.sha256,
                          progress=lambda done, total: ...)   # ImportFailedError: retry
    undo_batch(engine, result.batch_id, user=..., scope=scope)
    batches(conn, scope, campaign_code)                 # the upload history
    held_for(conn, scope, campaign_code)                # aid records of other districts for
    decide_held(engine, batch_id, accept=True, scope=scope)  #  the scope's people: decide

Nothing here imports streamlit; error values are masked (ids.mask_id / mask_name) and the
report exports escape cells a spreadsheet would run as formulas.
"""

from warmth.intake.batches import batches, undo_batch
from warmth.intake.held import decide_held, held_for
from warmth.intake.loading import ImportFailedError, ImportResult, import_batch
from warmth.intake.reading import RawTable, UploadRefusedError, read_upload, safe_file_name
from warmth.intake.report import RowError, escape_cell
from warmth.intake.validation import Validation, validate

__all__ = [
    "ImportFailedError",
    "ImportResult",
    "batches",
    "decide_held",
    "held_for",
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
