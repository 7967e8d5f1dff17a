"""信息报送: districts and departments upload their registers and aid records.

Check first, import second: an upload is read and validated, and its counts and error
report (sheet row, column, masked value, reason) shown with downloads, before anything is
written. Then an import in the chosen mode, with a progress bar; the upload history with
undo; and, for the city only, which district has reported what for which department."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.graph_objects as go
import sqlalchemy as sa
import streamlit as st

from components import charts, data, panels
from components.session import current
from warmth import audit, i18n, intake, schema
from warmth.intake.reading import MAX_BYTES

KINDS = ("register", "aid")
MODES = ("strict", "quarantine", "correct")
STATUS_COLOURS = {"on_time": "#2e7d32", "late": "#f0ad4e", "none": "#c9c9c9"}
HISTORY_COLUMNS = (
    "batch_id",
    "kind",
    "submitted_at",
    "submitted_by",
    "file_name",
    "district",
    "mode",
    "encoding",
    "rows_in",
    "inserted",
    "already_present",
    "rejected",
    "status",
)
HISTORY_LABELS = {"batch_id": "batch", "file_name": "file"}
ERROR_COLUMNS = ("row", "column", "value", "reason")


def audit_preview(raw, kind: str, counts: dict) -> None:
    """One 'upload' audit row per file checked (the import writes its own)."""
    seen = st.session_state.setdefault("submit_audited", set())
    if raw.sha256 in seen:
        return
    with data.engine().begin() as conn:
        audit.write_audit(
            conn,
            user=scope.user,
            role=scope.role,
            scope=scope,
            action="upload",
            detail={"stage": "preview", "kind": kind, "file_name": raw.file_name, "counts": counts},
            row_count=counts.get("rows"),
            file_sha256=raw.sha256,
        )
    seen.add(raw.sha256)


@data.guarded
def check(payload: bytes, file_name: str, kind: str, campaign: str | None):
    """(RawTable, Validation) for an upload, kept for the session so reruns do not
    validate again; UploadRefusedError when the file itself is unsafe or unreadable."""
    cache = st.session_state.setdefault("submit_checked", {})
    raw = intake.read_upload(payload, file_name)
    key = (raw.sha256, kind, campaign)
    if key not in cache:
        cache.clear()  # one file at a time
        with data.engine().connect() as conn:
            cache[key] = intake.validate(conn, campaign, kind, raw, scope=scope)
    return raw, cache[key]


def status_figure(status: pd.DataFrame, districts: dict, departments: dict) -> go.Figure:
    """District × department squares coloured on time / late / none, records as text."""
    d = status.assign(
        state=[
            "none" if r == 0 else ("on_time" if ok else "late")
            for r, ok in zip(status["records"], status["on_time"], strict=True)
        ]
    )
    fig = go.Figure()
    for state, colour in STATUS_COLOURS.items():
        part = d[d["state"] == state]
        fig.add_scatter(
            x=[departments.get(c, c) for c in part["department_code"]],
            y=[districts.get(c, c) for c in part["district_code"]],
            mode="markers+text",
            name=t(f"submit_status_{state}"),
            marker={"symbol": "square", "size": 27, "color": colour},
            text=[i18n.fmt_int(v, lang) if v else "" for v in part["records"]],
            textfont={"size": 9, "color": "#111"},
            hovertemplate="%{y} · %{x}<br>%{text}<extra>"
            + t(f"submit_status_{state}")
            + "</extra>",
        )
    order_x = [departments[c] for c in departments if c in set(d["department_code"])]
    order_y = [districts[c] for c in districts if c in set(d["district_code"])]
    fig.update_layout(
        title={"text": t("submit_status_title"), "font": {"size": 16}},
        font={"family": charts.FONT},
        height=max(360, 38 * len(order_y) + 160),
        margin={"l": 10, "r": 10, "t": 90, "b": 10},
        plot_bgcolor="white",
        legend={"orientation": "h", "y": 1.0, "x": 1, "xanchor": "right", "yanchor": "bottom"},
        xaxis={"categoryorder": "array", "categoryarray": order_x, "side": "top"},
        yaxis={"categoryorder": "array", "categoryarray": order_y, "autorange": "reversed"},
    )
    return fig


def reporting_deadline(code: str | None):
    """The campaign's reporting deadline (a date), or None."""
    c = schema.campaigns
    with data.engine().connect() as conn:
        q = sa.select(c.c.reporting_deadline)
        q = q.where(c.c.code == code) if code else q.order_by(c.c.window_start.desc()).limit(1)
        value = conn.execute(q).scalar()
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


# --- the page ------------------------------------------------------------------------------

view = current()
lang, t, scope, f = view.lang, view.t, view.scope, view.filters
st.title(t("submit_title"))
st.caption(t("submit_intro"))
if scope.role != "city":
    names = data.names("districts", lang)
    own = "、".join(names.get(d, d) for d in sorted(scope.districts))
    st.info(t("submit_own_district", districts=own), icon=":material/lock:")

kind = st.segmented_control(
    t("submit_kind"),
    options=list(KINDS),
    format_func=lambda k: t(f"submit_kind_{k}"),
    default="register",
    required=True,
    key="submit_kind",
)
upload = st.file_uploader(
    t("submit_file"),
    type=["csv", "xlsx"],
    key="submit_file",
    max_upload_size=MAX_BYTES // (1024 * 1024),
)

if upload is not None:
    try:
        raw, v = check(upload.getvalue(), upload.name, kind, f.campaign)
    except intake.UploadRefusedError as exc:
        st.error(t("submit_refused", reason=str(exc)), icon=":material/block:")
        st.stop()
    counts = v.counts
    audit_preview(raw, kind, counts)
    st.caption(
        t(
            "submit_file_info",
            name=raw.file_name,
            type=raw.file_type,
            encoding=raw.encoding,
            rows=i18n.fmt_int(v.rows, lang),
        )
    )
    cols = st.columns(5)
    for col, (key, label) in zip(
        cols,
        (
            ("rows", "submit_count_rows"),
            ("valid", "submit_count_valid"),
            ("errors", "submit_count_errors"),
            ("new", "submit_count_new"),
            ("already_present", "submit_count_present"),
        ),
        strict=True,
    ):
        col.metric(t(label), i18n.fmt_int(counts[key], lang), border=True)

    st.subheader(t("submit_errors_title"))
    if v.file_errors:
        st.error("\n\n".join([f"**{t('submit_file_errors')}**", *v.file_errors]))
    report = v.error_report_frame()
    if report.empty and not v.file_errors:
        st.success(t("submit_no_errors"), icon=":material/check_circle:")
    elif not report.empty:
        report = report.rename(columns={c: t(f"submit_col_{c}") for c in ERROR_COLUMNS})
        panels.table(
            report,
            key="submit_errors",
            kind="upload_errors",
            view=view,
            height=panels.fit_height(len(report), 400),
        )

    mode = st.radio(
        t("submit_mode"),
        MODES,
        format_func=lambda m: t(f"submit_mode_{m}"),
        key="submit_mode",
        horizontal=True,
    )
    blocked = v.refused or (counts["errors"] > 0 and mode != "quarantine")
    if blocked and not v.refused:
        st.warning(t("submit_import_blocked"), icon=":material/warning:")
    # the click only raises a flag (a callback survives any rerun); the import runs here,
    # where its progress bar can be drawn
    st.button(
        t("submit_import"),
        type="primary",
        disabled=blocked,
        key="submit_import",
        on_click=lambda: st.session_state.update(submit_go=True),
    )
    if st.session_state.pop("submit_go", False) and not blocked:
        bar = st.progress(0.0, text=t("submit_importing"))
        try:
            result = intake.import_batch(
                data.engine(),
                v,
                mode=mode,
                user=scope.user,
                file_name=raw.file_name,
                file_sha256=raw.sha256,
                progress=lambda done, total: bar.progress(
                    min(done / total, 1.0) if total else 1.0, text=t("submit_importing")
                ),
            )
        except intake.ImportFailedError as exc:
            st.error(t("submit_failed", message=str(exc)), icon=":material/error:")
        else:
            bar.progress(1.0)
            if result.status == "imported":
                st.success(t("submit_done", message=result.message), icon=":material/done_all:")
                st.cache_data.clear()  # every figure changes with new data
                st.session_state.pop("submit_checked", None)  # re-check: rows now present
            elif result.status == "already_imported":
                st.info(t("submit_already", message=result.message), icon=":material/info:")
            else:
                st.error(t("submit_refused", reason=result.message), icon=":material/block:")

st.subheader(t("submit_history"))
with data.engine().connect() as conn:
    history = intake.batches(conn, scope, f.campaign)
if history.empty:
    st.caption(t("submit_no_history"))
else:
    table = pd.DataFrame(
        {
            t(f"submit_col_{HISTORY_LABELS.get(c, c)}"): history[c]
            .astype(object)
            .where(history[c].notna(), "")
            .to_numpy()
            for c in HISTORY_COLUMNS
        }
    )
    st.dataframe(
        table, hide_index=True, key="submit_history", height=panels.fit_height(len(table), 360)
    )
    undoable = history.loc[history["status"] == "imported", "batch_id"].astype(int).tolist()
    if undoable:
        with st.expander(t("submit_undo"), icon=":material/undo:"):
            batch = st.selectbox(t("submit_undo_pick"), undoable, key="submit_undo_batch")
            sure = st.checkbox(t("submit_undo_confirm"), key="submit_undo_sure")
            st.button(
                t("submit_undo_button"),
                disabled=not sure,
                key="submit_undo_go",
                on_click=lambda: st.session_state.update(submit_undo_now=True),
            )
            if st.session_state.pop("submit_undo_now", False) and sure:
                try:
                    removed = intake.undo_batch(
                        data.engine(), int(batch), user=scope.user, scope=scope
                    )
                except PermissionError:
                    st.error(t("submit_undo_denied"), icon=":material/block:")
                else:
                    st.cache_data.clear()
                    st.success(t("submit_undone", batch=batch, rows=removed))

if scope.role == "city":
    status = data.reporting_status(scope, f, lang)
    if len(status):
        deadline = reporting_deadline(f.campaign)
        st.plotly_chart(
            status_figure(status, data.names("districts", lang), data.names("departments", lang)),
            key="submit_status",
            config=panels.PLOTLY_CONFIG,
        )
        st.caption(t("submit_status_help", deadline=i18n.fmt_date(deadline, lang)))
