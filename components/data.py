"""The one app-side place that reaches the database, and the one place that caches.

Every cached function takes the viewer's Scope as a *hashed* argument (never ``_scope``), so
one district's rows can never be served to another district's screen; Filters and the
language are hashed too. The engine is the only cached resource. When the database cannot
be reached, the page shows a short bilingual message and stops: no traceback.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from datetime import date
from typing import ParamSpec, TypeVar

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from warmth import bootstrap, i18n, queries, schema
from warmth.config import database_url
from warmth.database import DatabaseUnavailableError, check, make_engine
from warmth.scope import Filters, Scope, city_scope, district_scope

P = ParamSpec("P")
R = TypeVar("R")

TTL = "10m"
MAX_ENTRIES = 2000
DEMO_SCALE = 0.02
UNAVAILABLE_ERRORS = (
    sa.exc.OperationalError,
    sa.exc.InterfaceError,
    DatabaseUnavailableError,
)


def _scope_key(scope: Scope) -> tuple:
    return (
        scope.role,
        scope.user,
        tuple(sorted(scope.districts)),
        tuple(sorted(scope.departments)),
        scope.may_unmask,
    )


def _filters_key(filters: Filters) -> tuple:
    return tuple(getattr(filters, f) for f in Filters.__dataclass_fields__)


HASH_FUNCS = {Scope: _scope_key, Filters: _filters_key}
cached = st.cache_data(ttl=TTL, max_entries=MAX_ENTRIES, hash_funcs=HASH_FUNCS, show_spinner=False)


@st.cache_resource(show_spinner=False)
def _engine(url: str) -> sa.Engine:
    return make_engine(url)


def engine() -> sa.Engine:
    """The engine for the configured database (one per URL per process)."""
    return _engine(database_url())


def show_unavailable() -> None:
    """A friendly message in both languages, then stop the page."""
    st.error(
        f"**{i18n.t('dash_db_down_title', 'zh')}** / {i18n.t('dash_db_down_title', 'en')}\n\n"
        f"{i18n.t('dash_db_down_body', 'zh')}\n\n{i18n.t('dash_db_down_body', 'en')}",
        icon=":material/cloud_off:",
    )
    st.stop()


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """fn, but a database outage shows the friendly message instead of a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except UNAVAILABLE_ERRORS:
            show_unavailable()
            raise  # st.stop() raises; this line is never reached

    return wrapper


def _with_name(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """A `name` column in the viewer's language next to name_zh / name_en."""
    if "name_zh" in df.columns and "name" not in df.columns:
        df = df.copy()
        en = df["name_en"] if "name_en" in df.columns else df["name_zh"]
        df["name"] = (
            df["name_zh"] if lang == "zh" else en.where(en.notna() & (en != ""), df["name_zh"])
        )
    return df


# ---- first run -----------------------------------------------------------------------------

_first_run_lock = threading.Lock()


@st.cache_resource(show_spinner=False)
def _ready_urls() -> set[str]:
    return set()


def _has_data(eng: sa.Engine) -> bool:
    if not sa.inspect(eng).has_table(schema.beneficiaries.name):
        return False
    with eng.connect() as conn:
        return conn.execute(sa.select(schema.beneficiaries.c.id).limit(1)).first() is not None


def _refresh_summaries(eng: sa.Engine) -> None:
    """Rebuild the summary tables of every campaign that holds a register (after a schema
    upgrade that added summary tables; the demo load rebuilds its own)."""
    from warmth import summaries

    with eng.begin() as conn:
        ids = conn.execute(sa.select(schema.beneficiaries.c.campaign_id).distinct()).scalars()
        for campaign_id in list(ids):
            summaries.refresh(conn, campaign_id)


def _prepare(eng: sa.Engine) -> None:
    """Bring the schema up to date (safe on any database); load the demo only into a
    database that holds no register at all, so real data is never replaced."""
    from warmth import demo  # only the first run needs it

    check(eng)  # unreachable: the friendly message, not a "first run" that cannot start
    if bootstrap.is_initialised(eng) and _has_data(eng):
        return
    both = lambda key: f"{i18n.t(key, 'zh')} / {i18n.t(key, 'en')}"  # noqa: E731
    label = both("dash_upgrading" if _has_data(eng) else "dash_first_run")
    with st.status(label, expanded=True) as status:
        st.write(both("dash_first_run_schema"))
        bootstrap.init_database(eng)
        if not _has_data(eng):
            st.write(both("dash_first_run_demo"))
            bar = st.progress(0.0)
            demo.load_demo(eng, scale=DEMO_SCALE, progress=lambda _s, done: bar.progress(done))
        else:  # an upgraded schema may have new summary tables to fill
            st.write(both("dash_first_run_summaries"))
            _refresh_summaries(eng)
        status.update(label=both("dash_first_run_done"), state="complete", expanded=False)
    st.cache_data.clear()


def ensure_database() -> None:
    """On the first run against an empty database: create the schema and load the small demo,
    with a visible status message. Later runs only check a flag."""
    url = database_url()
    ready = _ready_urls()
    if url in ready:
        return
    try:
        eng = engine()
        with _first_run_lock:
            _prepare(eng)
        ready.add(url)
    except UNAVAILABLE_ERRORS:
        show_unavailable()


# ---- who is looking ------------------------------------------------------------------------
# Every cached function takes the database URL first, so two databases in one process (tests,
# a staging copy) never share entries.


@cached
def _viewer_scope(url: str, email: str) -> Scope | None:
    u = schema.users
    with _engine(url).connect() as conn:
        row = conn.execute(sa.select(u).where(sa.func.lower(u.c.email) == email.lower())).first()
        if row is None:
            return None
        if row.role == "city":
            scope = city_scope(conn, user=email)
        elif row.role == "district" and row.district_code:
            scope = district_scope(conn, row.district_code, user=email)
        else:
            return None
    return Scope(scope.districts, scope.departments, scope.role, scope.user, bool(row.may_unmask))


@guarded
def viewer_scope(email: str) -> Scope | None:
    """The scope of a signed-in e-mail from the users table; None when not listed."""
    return _viewer_scope(database_url(), email)


@cached
def _demo_scope(url: str) -> Scope:
    with _engine(url).connect() as conn:
        return city_scope(conn, user="demo")


@guarded
def demo_scope() -> Scope:
    """The city-wide scope of the demo viewer (used only when no sign-in is configured)."""
    return _demo_scope(database_url())


# ---- reference, campaigns and figures ------------------------------------------------------


@cached
def _campaigns(url: str) -> pd.DataFrame:
    with _engine(url).connect() as conn:
        return queries.campaigns(conn)


@guarded
def campaigns() -> pd.DataFrame:
    return _campaigns(database_url())


@cached
def _reference(url: str, name: str, lang: str) -> pd.DataFrame:
    with _engine(url).connect() as conn:
        return _with_name(queries.reference(conn, name), lang)


@guarded
def reference(name: str, lang: str) -> pd.DataFrame:
    """A reference table (districts, streets, departments, categories, programmes) with a
    `name` column in lang."""
    return _reference(database_url(), name, lang)


@cached
def _query(url: str, name: str, scope: Scope, filters: Filters, lang: str, **kwargs) -> object:
    """One warmth.queries function's answer, cached per database, scope, filters, language
    and arguments."""
    with _engine(url).connect() as conn:
        out = getattr(queries, name)(conn, scope, filters, **kwargs)
    return _with_name(out, lang) if isinstance(out, pd.DataFrame) else out


@guarded
def coverage(scope: Scope, filters: Filters, by: str, lang: str) -> pd.DataFrame:
    return _query(database_url(), "coverage", scope, filters, lang, by=by)


@guarded
def headline(scope: Scope, filters: Filters, lang: str) -> dict:
    return _query(database_url(), "headline", scope, filters, lang)


@guarded
def pacing(scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    return _query(database_url(), "pacing", scope, filters, lang)


@guarded
def timeline(scope: Scope, filters: Filters, by: str, lang: str) -> pd.DataFrame:
    return _query(database_url(), "timeline", scope, filters, lang, by=by)


@guarded
def overlap_matrix(scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    return _query(database_url(), "overlap_matrix", scope, filters, lang)


@guarded
def reporting_status(scope: Scope, filters: Filters, lang: str) -> pd.DataFrame:
    return _query(database_url(), "reporting_status", scope, filters, lang)


@cached
def _street_people(
    url: str, scope: Scope, filters: Filters, street: str, lang: str, limit: int
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
    return _street_people(database_url(), scope, filters, street, lang, limit)


@cached
def _worklist(
    url: str,
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
    return _worklist(database_url(), kind, scope, filters, limit, offset, cell)


def reporting_deadline(code: str | None) -> date | None:
    """The campaign's reporting deadline (the newest campaign's when code is None), or None."""
    c = schema.campaigns
    with engine().connect() as conn:
        q = sa.select(c.c.reporting_deadline)
        q = q.where(c.c.code == code) if code else q.order_by(c.c.window_start.desc()).limit(1)
        value = conn.execute(q).scalar()
    return date.fromisoformat(value[:10]) if isinstance(value, str) else value


def names(kind: str, lang: str) -> dict[str, str]:
    """code -> name in lang for a reference table, in its display order (departments by
    the notice's order, the rest by code)."""
    ref = reference(kind, lang)
    if "sort_order" in ref:
        ref = ref.sort_values("sort_order", kind="mergesort")
    return dict(zip(ref["code"].astype(str), ref["name"].astype(str), strict=True))


def record_export(
    scope: Scope, *, kind: str, fmt: str, rows: int, filters: str, sha256: str | None = None
) -> None:
    """Append an 'export' row to the audit trail (who took which table away, with how many
    rows). A failure to write it never blocks the download."""
    from warmth import audit

    try:
        with engine().begin() as conn:
            audit.write_audit(
                conn,
                user=scope.user,
                role=scope.role,
                scope=scope,
                action="export",
                detail={"table": kind, "format": fmt, "filters": filters},
                row_count=rows,
                file_sha256=sha256,
            )
    except sa.exc.SQLAlchemyError:
        pass  # the audit trail is best effort here; the download itself already happened
