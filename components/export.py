"""Download buttons (CSV and Excel) for exactly the frame on screen; each download is
written to the audit trail."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pandas as pd
import streamlit as st

from components import data
from components.filters import describe
from components.session import View
from warmth import exports

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def meta(view: View, kind: str, rows: int) -> dict[str, object]:
    """What the Excel file's first sheet records about the export."""
    t = view.t
    campaign = view.campaign
    return {
        t("dash_meta_title"): t("app_title"),
        t("dash_meta_table"): kind,
        t(
            "dash_meta_campaign"
        ): f"{campaign.get('code', '')} {campaign.get(f'name_{view.lang}', '')}",
        t("dash_meta_filters"): describe(view.filters, view.lang),
        t("dash_meta_viewer"): view.viewer.label,
        t("dash_meta_exported_at"): datetime.now().astimezone().strftime("%Y-%m-%d %H:%M:%S %Z"),
        t("dash_meta_rows"): rows,
        t("dash_meta_note"): t("dash_meta_note_text"),
    }


def buttons(df: pd.DataFrame, *, kind: str, key: str, view: View) -> None:
    """CSV and Excel download buttons for df (the rows exactly as shown)."""
    campaign = view.filters.campaign
    info = meta(view, kind, len(df))
    csv = exports.to_csv_bytes(df)
    audit = {"kind": kind, "rows": len(df), "filters": describe(view.filters, "en")}
    row = st.container(horizontal=True, gap="small")
    row.download_button(
        view.t("dash_download_csv"),
        data=csv,
        file_name=exports.export_file_name(kind, campaign, view.as_of, "csv"),
        mime="text/csv",
        key=f"{key}_csv",
        on_click=data.record_export,
        args=(view.scope,),
        kwargs=audit | {"fmt": "csv", "sha256": hashlib.sha256(csv).hexdigest()},
        icon=":material/download:",
    )
    row.download_button(
        view.t("dash_download_xlsx"),
        data=lambda: exports.to_xlsx_bytes(df, info),
        file_name=exports.export_file_name(kind, campaign, view.as_of, "xlsx"),
        mime=XLSX_MIME,
        key=f"{key}_xlsx",
        on_click=data.record_export,
        args=(view.scope,),
        kwargs=audit | {"fmt": "xlsx"},
        icon=":material/table_view:",
    )
