"""Download buttons: CSV and Excel for exactly the frame on screen, PNG of a chart, the
briefing PDF; each download is written to the audit trail."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import data
from components.filters import describe
from components.session import View
from warmth import briefing, exports
from warmth.briefing import render

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


def png_button(fig: go.Figure, *, kind: str, key: str, view: View) -> None:
    """A chart as PNG, drawn on the server when clicked (the chart as the screen shows it,
    Chinese intact), audited like the tables' downloads."""
    st.download_button(
        view.t("chart_png"),
        data=lambda: render.png(fig, width=1200),
        file_name=exports.export_file_name(kind, view.filters.campaign, view.as_of, "png"),
        mime="image/png",
        key=key,
        on_click=data.record_export,
        args=(view.scope,),
        kwargs={"kind": kind, "fmt": "png", "rows": 0, "filters": describe(view.filters, "en")},
        type="tertiary",
        icon=":material/image:",
    )


def _record_briefing(scope, *, filters, lang: str) -> None:
    data.record_audit(
        scope, action="export", detail=briefing.audit_detail(filters, lang, "dashboard")
    )


def briefing_button(view: View, *, key: str = "briefing_pdf") -> None:
    """The briefing of the viewer's scope and filters (warmth.briefing), made when clicked;
    every briefing is audited."""
    st.sidebar.download_button(
        view.t("briefing_button"),
        data=data.briefing_maker(view.scope, view.filters, view.lang),
        file_name=exports.export_file_name("briefing", view.filters.campaign, view.as_of, "pdf"),
        mime="application/pdf",
        key=key,
        on_click=_record_briefing,
        args=(view.scope,),
        kwargs={"filters": view.filters, "lang": view.lang},
        icon=":material/picture_as_pdf:",
        width="stretch",
    )
