"""The widgets of the reporting page (信息报送): the file picker, the check of an upload
(counts and error report before anything is written, one 'upload' audit row per file), the
import in the chosen mode with its progress bar, the upload history with undo, and the
city's district × department reporting status.

Each widget owns its session keys; the page hands in the View and the frames."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd
import streamlit as st

from components import data, panels
from components.session import View
from warmth import formatting, i18n, intake
from warmth.figures import gaps as gap_charts
from warmth.formatting import plain
from warmth.intake.reading import MAX_BYTES
from warmth.scope import Scope

KINDS = ("register", "aid")
MODES = ("strict", "quarantine", "correct")
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
    "held",
    "held_accepted",
    "held_rejected",
    "status",
)
HISTORY_LABELS = {"batch_id": "batch", "file_name": "file"}
ERROR_COLUMNS = ("row", "column", "value", "reason", "code")
COUNTS = (
    ("rows", "submit_count_rows"),
    ("valid", "submit_count_valid"),
    ("errors", "submit_count_errors"),
    ("new", "submit_count_new"),
    ("already_present", "submit_count_present"),
)


def audit_preview(raw, kind: str, counts: dict, *, scope: Scope) -> None:
    """One 'upload' audit row per file checked (the import writes its own)."""
    seen = st.session_state.setdefault("submit_audited", set())
    if raw.sha256 in seen:
        return
    written = data.record_audit(
        scope,
        action="upload",
        detail={"stage": "preview", "kind": kind, "file_name": raw.file_name, "counts": counts},
        row_count=counts.get("rows"),
        file_sha256=raw.sha256,
    )
    if written:  # else try again on the next run
        seen.add(raw.sha256)


@data.guarded
def check(payload: bytes, file_name: str, kind: str, campaign: str | None, *, scope: Scope):
    """(RawTable, Validation) for an upload, kept for the session so reruns do not
    validate again; UploadRefusedError when the file itself is unsafe or unreadable."""
    cache = st.session_state.setdefault("submit_checked", {})
    raw = intake.read_upload(payload, file_name)
    key = (raw.sha256, kind, campaign)
    if key not in cache:
        cache.clear()  # one file at a time
        cache[key] = data.validate(raw, kind, campaign, scope=scope)
    return raw, cache[key]


def picker(view: View):
    """The file type and the file: (kind, the uploaded file or None)."""
    t = view.t
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
    return kind, upload


def preview(upload, kind: str, *, view: View) -> None:
    """Check the upload and show what it holds; then the mode and the import. A refused
    file stops the page there."""
    t, lang, scope = view.t, view.lang, view.scope
    try:
        raw, v = check(upload.getvalue(), upload.name, kind, view.filters.campaign, scope=scope)
    except intake.UploadRefusedError as exc:
        st.error(t("submit_refused", reason=plain(exc.text(lang))), icon=":material/block:")
        st.stop()
    counts = v.counts
    audit_preview(raw, kind, counts, scope=scope)
    st.caption(
        t(
            "submit_file_info",
            name=plain(raw.file_name),
            type=raw.file_type,
            encoding=raw.encoding,
            rows=formatting.integer(v.rows, lang),
        )
    )
    for col, (key, label) in zip(st.columns(len(COUNTS)), COUNTS, strict=True):
        col.metric(t(label), formatting.integer(counts[key], lang), border=True)

    st.subheader(t("submit_errors_title"))
    if v.file_errors:
        reasons = [plain(r.text(lang)) for r in v.file_errors]  # they quote headers
        st.error("\n\n".join([f"**{t('submit_file_errors')}**", *reasons]))
    report = v.error_report_frame(lang)
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
    import_panel(raw, v, view=view)


def import_panel(raw, v, *, view: View) -> None:
    """The mode and the Import button (blocked while errors would be written); the import
    itself with its progress bar."""
    t, scope = view.t, view.scope
    mode = st.radio(
        t("submit_mode"),
        MODES,
        format_func=lambda m: t(f"submit_mode_{m}"),
        key="submit_mode",
        horizontal=True,
    )
    blocked = v.refused or (v.counts["errors"] > 0 and mode != "quarantine")
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
    if not st.session_state.pop("submit_go", False) or blocked:
        return
    bar = st.progress(0.0, text=t("submit_importing"))
    try:
        result = data.import_batch(
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
        st.error(t("submit_failed", message=plain(exc.text(view.lang))), icon=":material/error:")
        return
    bar.progress(1.0)
    if result.status == "imported":
        st.success(t("submit_done", message=result.text(view.lang)), icon=":material/done_all:")
        st.session_state.pop("submit_checked", None)  # re-check: rows now present
    elif result.status == "already_imported":
        st.info(t("submit_already", message=plain(result.text(view.lang))), icon=":material/info:")
    else:
        st.error(t("submit_refused", reason=plain(result.text(view.lang))), icon=":material/block:")


# A batch's kind, mode and status are codes: shown through the string table (an unknown
# code, from a newer version, as itself rather than an error on the page).
HISTORY_TERMS = {
    "kind": "submit_kind_",
    "mode": "submit_batch_mode_",
    "status": "submit_batch_status_",
}
# warmth demo records its batch as file_name "demo city, scale 0.005, seed 2005" and
# submitted_by "warmth demo": shown as a label in the language, not that English text.
DEMO_FILE = re.compile(r"scale (?P<scale>[^,\s]+), seed (?P<seed>\S+)")


def _term(prefix: str, code: object, lang: str) -> object:
    key = f"{prefix}{code}"
    return i18n.t(key, lang) if key in i18n.table() else code


def _demo_file(name: object, lang: str) -> object:
    found = DEMO_FILE.search(str(name))
    return i18n.t("submit_demo_file", lang, **found.groupdict()) if found else name


def history_table(history: pd.DataFrame, *, lang: str) -> pd.DataFrame:
    """The upload history as shown: its columns labelled in lang, kinds, modes and statuses
    in words, the demo city's batch described in lang, missing values blank."""
    shown = history.copy()
    for col, prefix in HISTORY_TERMS.items():
        shown[col] = [_term(prefix, v, lang) for v in history[col]]
    demo = (history["kind"] == "demo").to_numpy()
    if demo.any():
        shown.loc[demo, "submitted_by"] = i18n.t("submit_demo_by", lang)
        shown.loc[demo, "file_name"] = [_demo_file(v, lang) for v in history["file_name"][demo]]
    return pd.DataFrame(
        {
            i18n.t(f"submit_col_{HISTORY_LABELS.get(c, c)}", lang): shown[c]
            .astype(object)
            .where(history[c].notna(), "")
            .to_numpy()
            for c in HISTORY_COLUMNS
        }
    )


def history(history: pd.DataFrame, *, view: View) -> None:
    """The upload history, and undo of an imported batch (confirmed first)."""
    t, scope = view.t, view.scope
    if history.empty:
        st.caption(t("submit_no_history"))
        return
    table = history_table(history, lang=view.lang)
    st.dataframe(
        table, hide_index=True, key="submit_history", height=panels.fit_height(len(table), 360)
    )
    undoable = history.loc[history["status"] == "imported", "batch_id"].astype(int).tolist()
    if not undoable:
        return
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
                removed = data.undo_batch(int(batch), scope=scope)
            except PermissionError:
                st.error(t("submit_undo_denied"), icon=":material/block:")
            except intake.ImportFailedError:
                st.error(t("submit_undo_failed"), icon=":material/error:")
            else:
                st.success(t("submit_undone", batch=batch, rows=removed))


HELD_KEY = "submit_held_done"


def _decide(batch: int, accept: bool, scope: Scope) -> None:
    try:
        n = data.decide_held(int(batch), accept=accept, scope=scope)
    except intake.ImportFailedError:
        n = None
    st.session_state[HELD_KEY] = (int(batch), n, accept)


def held_panel(waiting: pd.DataFrame, *, view: View) -> None:
    """Aid records other districts or departments submitted for this district's people:
    they count only once accepted here (a batch at a time)."""
    t, lang = view.t, view.lang
    st.subheader(t("submit_held_title"))
    done = st.session_state.pop(HELD_KEY, None)
    if done is not None:
        batch, n, accept = done
        if n is None:
            st.error(t("submit_held_failed"), icon=":material/error:")
        else:
            verb = "accepted" if accept else "rejected"
            st.success(t(f"submit_held_{verb}", batch=batch, n=n), icon=":material/done_all:")
    if waiting.empty:
        st.caption(t("submit_held_none"))
        return
    st.caption(t("submit_held_help"))
    senders = data.names("districts", lang) | data.names("departments", lang)
    programmes = data.names("programmes", lang)
    shown = {
        "batch_id": waiting["batch_id"],
        "submitter": waiting["submitter"].map(lambda c: senders.get(c, c)),
        "record_no": waiting["record_no"],
        "id_number": waiting["id_number"],
        "name": waiting["name"].map(lambda v: "—" if v is None or v != v else v),
        "programme_code": waiting["programme_code"].map(lambda c: programmes.get(c, c)),
        "amount_yuan": waiting["amount_yuan"].map(lambda v: formatting.yuan(v, lang)),
        "date": waiting["date"].map(lambda d: formatting.day(d, lang)),
    }
    table = pd.DataFrame({t(f"submit_held_col_{k}"): v.to_numpy() for k, v in shown.items()})
    st.dataframe(table, hide_index=True, key="submit_held", height=panels.fit_height(len(table)))
    counts = waiting.groupby("batch_id").size().to_dict()
    cols = st.columns([3, 1, 1], vertical_alignment="bottom")
    batch = cols[0].selectbox(
        t("submit_held_pick"),
        list(counts),
        format_func=lambda b: t("submit_held_batch", batch=b, n=counts[b]),
        key="submit_held_batch",
    )
    for col, accept, icon in ((cols[1], True, "check"), (cols[2], False, "block")):
        col.button(
            t("submit_held_accept" if accept else "submit_held_reject"),
            key=f"submit_held_{'accept' if accept else 'reject'}",
            icon=f":material/{icon}:",
            type="primary" if accept else "secondary",
            on_click=_decide,
            args=(batch, accept, view.scope),
        )


def status_panel(status: pd.DataFrame, *, deadline: date | None, view: View) -> None:
    """Which district has reported what for which department, against the deadline."""
    lang = view.lang
    fig = gap_charts.status_figure(
        status,
        districts=data.names("districts", lang),
        departments=data.names("departments", lang),
        title=view.t("submit_status_title"),
        lang=lang,
    )
    st.plotly_chart(fig, key="submit_status", config=panels.PLOTLY_CONFIG)
    st.caption(view.t("submit_status_help", deadline=formatting.day(deadline, lang)))
