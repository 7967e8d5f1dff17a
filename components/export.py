"""Download buttons: CSV and Excel for exactly the frame on screen, PNG of a chart, the
briefing PDF. Each file is made when its button is clicked and served only once its audit
row is written (components.download): 'export', or 'reveal' with the purpose and reason for
an unmasked list, whose file names its viewer and time in its name and inside it."""

from __future__ import annotations

import hashlib
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import data, download
from components.filters import describe
from components.session import View
from warmth import briefing, exports
from warmth.briefing import render
from warmth.reveal import Reveal

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def meta(view: View, kind: str, rows: int, reveal: Reveal | None = None) -> dict[str, object]:
    """What the Excel file's first sheet (or the CSV's comment lines) records about it."""
    t = view.t
    campaign = view.campaign
    out = {
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
    if reveal is not None:
        out |= {
            t("dash_meta_note"): t("reveal_meta_note"),
            t("reveal_meta_viewer"): reveal.viewer,
            t("reveal_meta_granted"): reveal.at.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z"),
            t("reveal_meta_purpose"): t(f"reveal_purpose_{reveal.purpose}"),
            t("reveal_meta_reason"): reveal.reason,
        }
    return out


def buttons(df: pd.DataFrame, *, kind: str, key: str, view: View, reveal: Reveal | None = None):
    """CSV and Excel download buttons for df (the rows exactly as shown); reveal: df is an
    unmasked list, shown for that purpose and reason."""
    campaign, scope = view.filters.campaign, view.scope
    filters = describe(view.filters, "en")
    tag = reveal.file_tag() if reveal else ""

    def made(fmt: str):
        if fmt == "csv":
            comment = [f"{k}: {v}" for k, v in meta(view, kind, len(df), reveal).items()]
            return lambda: exports.to_csv_bytes(df, comment if reveal else ())
        return lambda: exports.to_xlsx_bytes(df, meta(view, kind, len(df), reveal))

    def audited(fmt: str):
        """The download's audit row, written before the file is served: 'export' (who took
        which table away, with how many rows), or 'reveal' with its purpose and reason for
        an unmasked list. False when it could not be written: then no file is served."""

        def audit(payload: bytes) -> bool:
            if reveal is not None:
                action = "reveal"
                detail = reveal.audit_detail(list_kind=kind, filters=filters, shown=fmt)
            else:
                action, detail = "export", {"table": kind, "filters": filters}
            return data.record_audit(
                scope, action=action, detail=detail | {"format": fmt}, row_count=len(df),
                file_sha256=hashlib.sha256(payload).hexdigest(),
            )  # fmt: skip

        return audit

    row = st.container(horizontal=True, gap="small")
    for fmt, mime, icon in (
        ("csv", "text/csv", ":material/download:"),
        ("xlsx", XLSX_MIME, ":material/table_view:"),
    ):
        download.button(
            row,
            view.t(f"dash_download_{fmt}") + (view.t("reveal_download_suffix") if reveal else ""),
            make=made(fmt),
            audit=audited(fmt),
            file_name=exports.export_file_name(kind, campaign, view.as_of, fmt, tag),
            mimetype=mime,
            key=f"{key}_{fmt}" + ("_unmasked" if reveal else ""),
            icon=icon,
            lang=view.lang,
        )


def _audited_export(scope, detail: dict, rows: int = 0):
    """An audit callable for download.button: an 'export' row with the file's hash."""

    def audit(payload: bytes) -> bool:
        return data.record_audit(
            scope,
            action="export",
            detail=detail,
            row_count=rows,
            file_sha256=hashlib.sha256(payload).hexdigest(),
        )

    return audit


def png_button(fig: go.Figure, *, kind: str, key: str, view: View) -> None:
    """A chart as PNG, drawn on the server when clicked (the chart as the screen shows it,
    Chinese intact), audited like the tables' downloads."""
    detail = {"table": kind, "format": "png", "filters": describe(view.filters, "en")}
    download.button(
        st,
        view.t("chart_png"),
        make=lambda: render.png(fig, width=1200),
        audit=_audited_export(view.scope, detail),
        file_name=exports.export_file_name(kind, view.filters.campaign, view.as_of, "png"),
        mimetype="image/png",
        key=key,
        icon=":material/image:",
        lang=view.lang,
        type="tertiary",
    )


def briefing_button(view: View, *, key: str = "briefing_pdf") -> None:
    """The briefing of the viewer's scope and filters (warmth.briefing), made when clicked;
    every briefing is audited before it is served."""
    detail = briefing.audit_detail(view.filters, view.lang, "dashboard")
    make = data.briefing_maker(view.scope, view.filters, view.lang)
    download.button(
        st.sidebar,
        view.t("briefing_button"),
        make=make,
        # with its number of pages, known once it is made (as the command line's row)
        audit=lambda payload: _audited_export(view.scope, detail, make.pages)(payload),
        file_name=exports.export_file_name("briefing", view.filters.campaign, view.as_of, "pdf"),
        mimetype="application/pdf",
        key=key,
        icon=":material/picture_as_pdf:",
        lang=view.lang,
        width="stretch",
    )
