"""The one door from the UI to the core, and the one place that caches.

Pages and other components never open an engine or write SQL: everything they read or write
goes through a function here. Every cached answer is keyed by
- the database URL (two databases in one process never share entries);
- the data version, read once per script run (`read_version`, called by app.py), so an
  import made anywhere (the command line, another server) shows on the next run;
- what the viewer's scope allows (districts, departments, role, may_unmask, account), never who the
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
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from components.figures import figure  # noqa: F401  (data.figure, for pages)
from components.outage import UNAVAILABLE_ERRORS, guarded, show_unavailable
from warmth import (
    audit,
    bootstrap,
    briefing,
    config,
    database,
    i18n,
    intake,
    queries,
    rls,
    upload_rights,
    users,
    versions,
)
from warmth import campaigns as core_campaigns
from warmth.briefing import facts
from warmth.briefing.facts import Facts
from warmth.config import database_url
from warmth.database import DatabaseUnavailableError, check, make_engine
from warmth.scope import DEMO_USER, Filters, Scope, city_scope, scope_for_email

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
        scope.account,
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


@contextmanager
def _viewer(url: str, scope: Scope) -> Iterator[sa.Connection]:
    """A connection for a viewer's reads: on PostgreSQL each of its transactions may read
    the people of the scope's districts only (row-level security, warmth.rls), whatever SQL
    runs in it; the snapshot reads the city on a connection of its own."""
    wall = rls.CITY_WIDE if scope.role == "city" else scope.districts
    with rls.scoped(wall), _engine(url).connect() as conn:
        yield conn


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
    from warmth import demo_years  # only the first run needs it

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
            demo_years.load_campaigns(
                eng, scale=DEMO_SCALE, progress=lambda _s, done: bar.progress(done)
            )
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
            with _first_run_lock, rls.city_wide():  # the schema, the demo: the whole city
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


@guarded
def refusal(email: str) -> str:
    """Why an e-mail has no scope (warmth.users.why_refused), for the audit trail."""
    with _engine(database_url()).connect() as conn:
        return users.why_refused(conn, email)


@cached
def _is_demo(url: str, version: int) -> bool:
    with _engine(url).connect() as conn:
        return bootstrap.is_demo(conn)


@guarded
def is_demo_database() -> bool:
    """The demo made this database (the only one that opens without sign-in)."""
    return _is_demo(database_url(), _version())


@cached
def _demo_scope(url: str, version: int) -> Scope:
    with _engine(url).connect() as conn:
        return city_scope(conn, user=DEMO_USER)


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
    with _viewer(url, scope) as conn:
        return _with_name(queries.coverage(conn, scope, filters, by=by), lang)


@guarded
def coverage(scope: Scope, filters: Filters, by: str, lang: str) -> pd.DataFrame:
    return _coverage(database_url(), _version(), _allowed(scope), filters, lang, by)


@cached
def _headline(url: str, version: int, scope: Scope, filters: Filters) -> dict:
    with _viewer(url, scope) as conn:
        return queries.headline(conn, scope, filters)


@guarded
def headline(scope: Scope, filters: Filters, lang: str) -> dict:
    return _headline(database_url(), _version(), _allowed(scope), filters)


@cached
def _pacing(url: str, version: int, scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    with _viewer(url, scope) as conn:
        return _with_name(queries.pacing(conn, scope, filters), lang)


@guarded
def pacing(scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    return _pacing(database_url(), _version(), _allowed(scope), filters, lang)


@cached
def _timeline(
    url: str, version: int, scope: Scope, filters: Filters, lang: str, by: str
) -> pd.DataFrame:
    with _viewer(url, scope) as conn:
        return _with_name(queries.timeline(conn, scope, filters, by=by), lang)


@guarded
def timeline(scope: Scope, filters: Filters, by: str, lang: str) -> pd.DataFrame:
    return _timeline(database_url(), _version(), _allowed(scope), filters, lang, by)


@cached
def _overlap_matrix(
    url: str, version: int, scope: Scope, filters: Filters, lang: str
) -> pd.DataFrame:
    with _viewer(url, scope) as conn:
        return _with_name(queries.overlap_matrix(conn, scope, filters), lang)


@guarded
def overlap_matrix(scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    return _overlap_matrix(database_url(), _version(), _allowed(scope), filters, lang)


@cached
def _reporting_status(
    url: str, version: int, scope: Scope, filters: Filters, lang: str
) -> pd.DataFrame:
    with _viewer(url, scope) as conn:
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

    with _viewer(url, scope) as conn:
        page = worklists.street_people(conn, scope, filters, street, limit=limit, unmask=False)
    return page.rows, page.total


@guarded
def street_people(
    scope: Scope, filters: Filters, street: str, lang: str, limit: int = 1000
) -> tuple[pd.DataFrame, int]:
    """The first `limit` beneficiaries of a street (masked) and how many there are."""
    return _street_people(database_url(), _version(), _allowed(scope), filters, street, limit)


def _worklist_page(url, kind, scope, filters, limit, offset, cell, *, unmask: bool):
    from warmth import worklists

    with _viewer(url, scope) as conn:
        got = worklists.page(conn, kind, scope, filters, limit=limit, offset=offset, cell=cell,
                             unmask=unmask)  # fmt: skip
    return got.rows, got.total, got.more_than_total


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
    return _worklist_page(url, kind, scope, filters, limit, offset, cell, unmask=False)


@guarded
def worklist(
    kind: str,
    scope: Scope,
    filters: Filters,
    limit: int,
    offset: int,
    cell: tuple[str, str, str | None] | None = None,
    *,
    unmask: bool = False,
) -> tuple[pd.DataFrame, int, bool]:
    """One page of a people list (omission, repeat, overlap, leakage, cross-district):
    its rows (masked), how many there are, and whether that count stopped early. An overlap
    list takes its matrix cell (dept_a, dept_b, need or None). unmask=True: the page
    unmasked if the scope may unmask (the core decides), never cached."""
    if unmask:
        return _worklist_page(
            database_url(), kind, scope, filters, limit, offset, cell, unmask=True
        )
    return _worklist(
        database_url(), _version(), kind, _allowed(scope), filters, limit, offset, cell
    )


# ---- across campaigns and data quality (warmth.years, warmth.quality, warmth.indicators) ---


@cached
def _yearly(
    url: str, version: int, what: str, scope: Scope, filters: Filters, lang: str, by: str
) -> pd.DataFrame:
    from warmth import indicators, quality, years

    with _engine(url).connect() as conn:
        if what == "compare":
            frame = years.compare(conn, scope, filters, by)
        elif what == "pacing":
            frame = years.pacing_compare(conn, scope, filters)
        elif what == "scorecard":
            frame = quality.scorecard(conn, scope, filters)
        else:
            frame = indicators.indicators(conn, scope, filters, by)
    return _with_name(frame, lang)


@guarded
def yearly(what: str, scope: Scope, filters: Filters, lang: str, by: str = "district"):
    """ "compare" (this campaign beside the previous one, by `by`), "pacing" (both years by
    days to the Spring Festival), "scorecard" (data quality per district) or "indicators"
    (the standard indicators by `by`)."""
    return _yearly(database_url(), _version(), what, _allowed(scope), filters, lang, by)


@cached
def _previous(url: str, version: int, code: str | None) -> dict | None:
    from warmth import years

    with _engine(url).connect() as conn:
        return years.previous_campaign(conn, core_campaigns.campaign(conn, code))


@guarded
def previous_campaign(code: str | None) -> dict | None:
    """The campaign before the one with this code (else before the newest); None if none."""
    return _previous(database_url(), _version(), code)


# ---- uploads -------------------------------------------------------------------------------


@cached
def _batches(url: str, version: int, scope: Scope, campaign: str | None) -> pd.DataFrame:
    with _viewer(url, scope) as conn:
        return intake.batches(conn, scope, campaign)


@guarded
def batches(scope: Scope, campaign: str | None) -> pd.DataFrame:
    """The upload history the scope may see, newest first."""
    return _batches(database_url(), _version(), _allowed(scope), campaign)


@cached
def _held(url: str, version: int, scope: Scope, campaign: str | None) -> pd.DataFrame:
    with _viewer(url, scope) as conn:
        return intake.held_for(conn, scope, campaign)


@guarded
def held(scope: Scope, campaign: str | None) -> pd.DataFrame:
    """Aid records of other districts held for the scope's people to accept (masked)."""
    return _held(database_url(), _version(), _allowed(scope), campaign)


def decide_held(batch_id: int, *, accept: bool, scope: Scope) -> int:
    """Accept or reject one batch's records held for the scope (intake.decide_held)."""
    try:
        with rls.city_wide():  # the held records move between districts' rows
            engine = _engine(database_url())
            return intake.decide_held(engine, batch_id, accept=accept, scope=scope)
    finally:
        read_version()


@guarded
def validate(raw, kind: str, campaign: str | None, *, scope: Scope):
    """Check an upload against the database (nothing written): an intake Validation, refused
    for what the viewer's role may not upload (warmth.upload_rights)."""
    # city-wide: duplicates are found across districts; what the viewer is told is the
    # intake's to limit (upload_rights, intake)
    with rls.city_wide(), _engine(database_url()).connect() as conn:
        return upload_rights.validate(conn, campaign, kind, raw, scope=scope)


def import_batch(v, *, mode: str, user: str, file_name: str, file_sha256: str, progress=None):
    """Import a checked upload (intake.import_batch); the rest of this run reads the new data
    version, so it shows what was just written. ImportFailedError when the database failed."""
    try:
        with rls.city_wide():  # the whole city: duplicates and figures across districts
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
    if not scope.may_upload:
        raise PermissionError("this role may not undo uploads")
    try:
        with rls.city_wide():
            engine = _engine(database_url())
            return intake.undo_batch(engine, batch_id, user=scope.user, scope=scope)
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
        role=scope.account or scope.role,
        scope=scope,
        action=action,
        detail=detail,
        row_count=row_count,
        file_sha256=file_sha256,
    )


def record_refusal(user: str, detail: dict) -> bool:
    """A 'denied' audit row for someone who has no scope (a refused sign-in)."""
    eng = _engine(database_url())
    return audit.record(eng, user=user, role="none", scope="none", action="denied", detail=detail)


@guarded
def audit_trail(query: audit.TrailQuery) -> tuple[pd.DataFrame, int]:
    """The audit rows asked for (never cached: the page shows the latest) and their count."""
    with _engine(database_url()).connect() as conn:
        return audit.trail(conn, query)


@guarded
def audit_users() -> list[str]:
    with _engine(database_url()).connect() as conn:
        return audit.trail_users(conn)


# ---- the meeting: slides, briefing, chart pictures ------------------------------------------


@cached
def _facts(url: str, version: int, scope: Scope, filters: Filters) -> Facts | None:
    with _viewer(url, scope) as conn:
        return facts.gather(conn, scope, filters)


@guarded
def meeting_facts(scope: Scope, filters: Filters) -> Facts | None:
    """Everything the slides show (warmth.briefing.facts), for the scope and filters."""
    return _facts(database_url(), _version(), _allowed(scope), filters)


def briefing_maker(scope: Scope, filters: Filters, lang: str) -> Callable[[], bytes]:
    """A callable that makes the briefing PDF when called, for a deferred download: it opens
    the database itself (a download is served outside the script's run), and it is made
    afresh each time, so its figures and its time stamp are those of the click."""
    url, allowed = database_url(), _allowed(scope)

    def make() -> bytes:
        with _viewer(url, allowed) as conn:
            doc = briefing.briefing(conn, allowed, filters, lang)
        return doc.pdf if doc is not None else b""

    return make
