"""The one door from the UI to the core, and the one place that caches.

Pages and other components never open an engine or write SQL: everything they read or write
goes through a function here. Every cached answer is keyed by
- the database URL (two databases in one process never share entries);
- the data version, read once per script run (`read_version`, called by app.py), so an
  import made anywhere (the command line, another server) shows on the next run;
- what the viewer's scope allows (districts, departments, role, may_unmask), never who the
  viewer is: ten city officials share one answer, and a district never gets a city one;
- the filters, the language and the function's own arguments.
The users table is read on every run (not cached), so access taken away or changed holds
from the next click. When the database cannot be reached, the page shows a short bilingual
message and stops: no traceback. Every run also notices a database swapped underneath: a
SQLite file replaced, deleted or made read-only (its file identity), or any database made
again (its identity token): the engine's connections are closed and every cached answer
dropped, so the next run reads the database that is there now.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from components.figures import FIGURES, figure  # noqa: F401  (data.figure, for pages)
from components.outage import UNAVAILABLE_ERRORS, guarded, show_unavailable
from warmth import audit, bootstrap, config, database, i18n, intake, queries, versions
from warmth import campaigns as core_campaigns
from warmth.config import database_url
from warmth.database import DatabaseUnavailableError, check, make_engine
from warmth.scope import Filters, Scope, city_scope, scope_for_email

TTL = "1h"  # only to free entries of superseded versions: the version keeps answers fresh
MAX_ENTRIES = 2000
# a page never hangs on a locked SQLite file: a write waits this long, then says it failed
BUSY_TIMEOUT_S = 3
DEMO_SCALE = 0.02
VERSION_KEY = "_warmth_data_version"


def _scope_key(scope: Scope) -> tuple:
    """What a scope allows; the user is left out on purpose (see `_allowed`)."""
    return (
        scope.role,
        tuple(sorted(scope.districts)),
        tuple(sorted(scope.departments)),
        scope.may_unmask,
    )


def _allowed(scope: Scope) -> Scope:
    """The scope without the viewer's name: what a cached answer is computed from, so that
    it cannot depend on who asked first."""
    return replace(scope, user="")


def _filters_key(filters: Filters) -> tuple:
    return tuple(getattr(filters, f) for f in Filters.__dataclass_fields__)


HASH_FUNCS = {Scope: _scope_key, Filters: _filters_key}
cached = st.cache_data(ttl=TTL, max_entries=MAX_ENTRIES, hash_funcs=HASH_FUNCS, show_spinner=False)


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> sa.Engine:
    return make_engine(url, busy_timeout_s=BUSY_TIMEOUT_S)


def _with_name(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A `name` column in the viewer's language next to name_zh / name_en."""
    if "name_zh" in df.columns and "name" not in df.columns:
        df = df.copy()
        en = df["name_en"] if "name_en" in df.columns else df["name_zh"]
        df["name"] = (
            df["name_zh"] if lang == "zh" else en.where(en.notna() & (en != ""), df["name_zh"])
        )
    return df


# ---- first run and the data version -------------------------------------------------------

_first_run_lock = threading.Lock()


@st.cache_resource(show_spinner=False)
def _ready_urls() -> set[str]:
    return set()


def _prepare(eng: sa.Engine) -> None:
    """Bring the schema up to date (safe on any database); load the demo only into a
    database that holds no register at all, so real data is never replaced. Each step bumps
    the data version, so no answer cached before it is served after."""
    from warmth import demo  # only the first run needs it

    check(eng)  # unreachable: the friendly message, not a "first run" that cannot start
    if bootstrap.is_ready(eng):
        return
    both = lambda key: f"{i18n.t(key, 'zh')} / {i18n.t(key, 'en')}"  # noqa: E731
    label = both("dash_upgrading" if bootstrap.has_data(eng) else "dash_first_run")
    with st.status(label, expanded=True) as status:
        st.write(both("dash_first_run_schema"))
        bootstrap.init_database(eng)
        if not bootstrap.has_data(eng):
            st.write(both("dash_first_run_demo"))
            bar = st.progress(0.0)
            demo.load_demo(eng, scale=DEMO_SCALE, progress=lambda _s, done: bar.progress(done))
        else:  # an upgraded schema: the snapshot is read afresh
            st.write(both("dash_first_run_summaries"))
            bootstrap.rebuild_snapshots(eng)
        status.update(label=both("dash_first_run_done"), state="complete", expanded=False)


@st.cache_resource(show_spinner=False)
def _identities() -> database.Identities:
    return database.Identities()


def _forget(url: str) -> None:
    """The database under the URL is not the one seen before: close the engine's
    connections and drop every cached answer."""
    _engine(url).dispose()
    _ready_urls().discard(url)
    st.cache_data.clear()


def ensure_database() -> None:
    """On the first run against an empty database: create the schema and load the small demo,
    with a visible status message (unless config.auto_init() is off: then a database not at
    the newest schema is shown as unavailable). Later runs (of any session) check the file's
    identity and a set in memory."""
    url = database_url()
    try:
        if _identities().file_changed(url):
            _forget(url)
        ready = _ready_urls()
        if url in ready:
            return
        eng = _engine(url)
        if config.auto_init():
            with _first_run_lock:
                _prepare(eng)
            _identities().file_changed(url)  # a file the first run made is not a swap
        elif not bootstrap.is_initialised(eng):
            raise DatabaseUnavailableError(f"{database.redact(url)}: run warmth init first")
        ready.add(url)
    except UNAVAILABLE_ERRORS:
        show_unavailable()


def _fetch_version() -> int:
    url = database_url()
    with _engine(url).connect() as conn:
        version = versions.current(conn)
        token = versions.identity(conn)
    if _identities().token_changed(url, token):
        _forget(url)
    st.session_state[VERSION_KEY] = version
    return version


@guarded
def read_version() -> int:
    """Read the committed data version (one primary-key lookup) and keep it for this run:
    app.py calls this once at the top of every run, and every cached call below is keyed by
    the value kept. A write made by this session reads it again."""
    return _fetch_version()


def _read_version_after_write() -> None:
    """The data version again after a write, for the rest of the run; an outage here leaves
    the write's own outcome (an import failed, nothing written) as what the page says."""
    try:
        _fetch_version()
    except UNAVAILABLE_ERRORS:
        st.session_state.pop(VERSION_KEY, None)


def _version() -> int:
    """The data version read for this run (read now when app.py has not read it)."""
    version = st.session_state.get(VERSION_KEY)
    return version if version is not None else read_version()


# ---- who is looking ------------------------------------------------------------------------


@guarded
def viewer_scope(email: str) -> Scope | None:
    """The scope of a signed-in e-mail from the users table; None when not listed. Read on
    every run, never cached: a row removed or changed takes effect on the next click."""
    with _engine(database_url()).connect() as conn:
        return scope_for_email(conn, email)


@cached
def _demo_scope(url: str, version: int) -> Scope:
    with _engine(url).connect() as conn:
        return city_scope(conn, user="demo")


@guarded
def demo_scope() -> Scope:
    """The city-wide scope of the demo viewer (used only when no sign-in is configured)."""
    return _demo_scope(database_url(), _version())


# ---- reference and campaigns ---------------------------------------------------------------


@cached
def _campaigns(url: str, version: int) -> pd.DataFrame:
    with _engine(url).connect() as conn:
        return queries.campaigns(conn)


@guarded
def campaigns() -> pd.DataFrame:
    """Every campaign, oldest first."""
    return _campaigns(database_url(), _version())


@cached
def _campaign(url: str, version: int, code: str | None) -> dict | None:
    with _engine(url).connect() as conn:
        return core_campaigns.campaign(conn, code)


@guarded
def campaign(code: str | None) -> dict | None:
    """The campaign by code, else the newest (warmth.campaigns.campaign)."""
    return _campaign(database_url(), _version(), code)


def reporting_deadline(code: str | None) -> date | None:
    """The campaign's reporting deadline (the newest campaign's when code is None), or None."""
    found = campaign(code)
    return found["reporting_deadline"] if found else None


@cached
def _reference(url: str, version: int, name: str, lang: str) -> pd.DataFrame:
    with _engine(url).connect() as conn:
        return _with_name(queries.reference(conn, name), lang)


@guarded
def reference(name: str, lang: str) -> pd.DataFrame:
    """A reference table (districts, streets, departments, categories, programmes) with a
    `name` column in lang."""
    return _reference(database_url(), _version(), name, lang)


def names(kind: str, lang: str) -> dict[str, str]:
    """code -> name in lang for a reference table, in its display order (departments by
    the notice's order, the rest by code)."""
    ref = reference(kind, lang)
    if "sort_order" in ref:
        ref = ref.sort_values("sort_order", kind="mergesort")
    return dict(zip(ref["code"].astype(str), ref["name"].astype(str), strict=True))


# ---- figures -------------------------------------------------------------------------------


@cached
def _coverage(
    url: str, version: int, scope: Scope, filters: Filters, lang: str, by: str
) -> pd.DataFrame:
    with _engine(url).connect() as conn:
        return _with_name(queries.coverage(conn, scope, filters, by=by), lang)


@guarded
def coverage(scope: Scope, filters: Filters, by: str, lang: str) -> pd.DataFrame:
    return _coverage(database_url(), _version(), _allowed(scope), filters, lang, by)


@cached
def _headline(url: str, version: int, scope: Scope, filters: Filters) -> dict:
    with _engine(url).connect() as conn:
        return queries.headline(conn, scope, filters)


@guarded
def headline(scope: Scope, filters: Filters, lang: str) -> dict:
    return _headline(database_url(), _version(), _allowed(scope), filters)


@cached
def _pacing(url: str, version: int, scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    with _engine(url).connect() as conn:
        return _with_name(queries.pacing(conn, scope, filters), lang)


@guarded
def pacing(scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    return _pacing(database_url(), _version(), _allowed(scope), filters, lang)


@cached
def _timeline(
    url: str, version: int, scope: Scope, filters: Filters, lang: str, by: str
) -> pd.DataFrame:
    with _engine(url).connect() as conn:
        return _with_name(queries.timeline(conn, scope, filters, by=by), lang)


@guarded
def timeline(scope: Scope, filters: Filters, by: str, lang: str) -> pd.DataFrame:
    return _timeline(database_url(), _version(), _allowed(scope), filters, lang, by)


@cached
def _overlap_matrix(
    url: str, version: int, scope: Scope, filters: Filters, lang: str
) -> pd.DataFrame:
    with _engine(url).connect() as conn:
        return _with_name(queries.overlap_matrix(conn, scope, filters), lang)


@guarded
def overlap_matrix(scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    return _overlap_matrix(database_url(), _version(), _allowed(scope), filters, lang)


@cached
def _reporting_status(
    url: str, version: int, scope: Scope, filters: Filters, lang: str
) -> pd.DataFrame:
    with _engine(url).connect() as conn:
        return _with_name(queries.reporting_status(conn, scope, filters), lang)


@guarded
def reporting_status(scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    return _reporting_status(database_url(), _version(), _allowed(scope), filters, lang)


# ---- people lists --------------------------------------------------------------------------


@cached
def _street_people(
    url: str, version: int, scope: Scope, filters: Filters, street: str, limit: int
) -> tuple[pd.DataFrame, int]:
    from warmth import worklists

    with _engine(url).connect() as conn:
        page = worklists.street_people(conn, scope, filters, street, limit=limit, unmask=False)
    return page.rows, page.total


@guarded
def street_people(
    scope: Scope, filters: Filters, street: str, lang: str, limit: int = 1000
) -> tuple[pd.DataFrame, int]:
    """The first `limit` beneficiaries of a street (masked) and how many there are."""
    return _street_people(database_url(), _version(), _allowed(scope), filters, street, limit)


@cached
def _worklist(
    url: str,
    version: int,
    kind: str,
    scope: Scope,
    filters: Filters,
    limit: int,
    offset: int,
    cell: tuple[str, str, str | None] | None = None,
) -> tuple[pd.DataFrame, int, bool]:
    from warmth import worklists

    extra = {}
    if cell is not None:
        extra = {"dept_a": cell[0], "dept_b": cell[1], "need": cell[2]}
    fn = {
        "omission": worklists.omission,
        "repeat": worklists.repeats,
        "overlap": worklists.overlaps,
        "leakage": worklists.leakage,
        "cross-district": worklists.cross_district,
    }[kind]
    with _engine(url).connect() as conn:
        page = fn(conn, scope, filters, limit=limit, offset=offset, **extra)
    return page.rows, page.total, page.more_than_total


@guarded
def worklist(
    kind: str,
    scope: Scope,
    filters: Filters,
    limit: int,
    offset: int,
    cell: tuple[str, str, str | None] | None = None,
) -> tuple[pd.DataFrame, int, bool]:
    """One page of a people list (omission, repeat, overlap, leakage, cross-district):
    its rows (masked), how many there are, and whether that count stopped early. An overlap
    list takes its matrix cell (dept_a, dept_b, need or None)."""
    return _worklist(
        database_url(), _version(), kind, _allowed(scope), filters, limit, offset, cell
    )


# ---- uploads -------------------------------------------------------------------------------


@cached
def _batches(url: str, version: int, scope: Scope, campaign: str | None) -> pd.DataFrame:
    with _engine(url).connect() as conn:
        return intake.batches(conn, scope, campaign)


@guarded
def batches(scope: Scope, campaign: str | None) -> pd.DataFrame:
    """The upload history the scope may see, newest first."""
    return _batches(database_url(), _version(), _allowed(scope), campaign)


@guarded
def validate(raw, kind: str, campaign: str | None, *, scope: Scope):
    """Check an upload against the database (nothing written): an intake Validation."""
    with _engine(database_url()).connect() as conn:
        return intake.validate(conn, campaign, kind, raw, scope=scope)


def import_batch(v, *, mode: str, user: str, file_name: str, file_sha256: str, progress=None):
    """Import a checked upload (intake.import_batch); the rest of this run reads the new data
    version, so it shows what was just written. ImportFailedError when the database failed."""
    try:
        return intake.import_batch(
            _engine(database_url()),
            v,
            mode=mode,
            user=user,
            file_name=file_name,
            file_sha256=file_sha256,
            progress=progress,
        )
    finally:
        _read_version_after_write()


def undo_batch(batch_id: int, *, scope: Scope) -> int:
    """Undo an imported batch the scope may undo (intake.undo_batch): rows removed.
    PermissionError outside the scope."""
    try:
        return intake.undo_batch(_engine(database_url()), batch_id, user=scope.user, scope=scope)
    finally:
        _read_version_after_write()


# ---- the audit trail -----------------------------------------------------------------------


def record_audit(
    scope: Scope,
    *,
    action: str,
    detail: dict,
    row_count: int | None = None,
    file_sha256: str | None = None,
) -> bool:
    """Append an audit row for the viewer (view, upload, export, ...), best effort: False
    when it could not be written, so the caller may try again on a later run."""
    return audit.record(
        _engine(database_url()),
        user=scope.user,
        role=scope.role,
        scope=scope,
        action=action,
        detail=detail,
        row_count=row_count,
        file_sha256=file_sha256,
    )


def record_export(
    scope: Scope, *, kind: str, fmt: str, rows: int, filters: str, sha256: str | None = None
) -> None:
    """An 'export' audit row (who took which table away, with how many rows). A failure to
    write it never blocks the download, which has already happened."""
    record_audit(
        scope,
        action="export",
        detail={"table": kind, "format": fmt, "filters": filters},
        row_count=rows,
        file_sha256=sha256,
    )
