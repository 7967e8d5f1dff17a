"""The door's own parts: the engine per URL, the cache and its keys, the first run, and the data
version read once per run (see the package's docstring)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from components.figures import figure  # noqa: F401  (data.figure, for pages)
from components.outage import UNAVAILABLE_ERRORS, guarded, show_unavailable
from warmth import (
    bootstrap,
    config,
    database,
    i18n,
    rls,
    versions,
)
from warmth.config import database_url
from warmth.database import DatabaseUnavailableError, check, make_engine
from warmth.scope import Filters, Scope

TTL = "1h"  # only to free entries of superseded versions: the version keeps answers fresh
MAX_ENTRIES = 2000
# a page never hangs on a locked SQLite file: a write waits this long, then says it failed
BUSY_TIMEOUT_S = 3
DEMO_SCALE = 0.02
VERSION_KEY = "_warmth_data_version"


def _scope_key(scope: Scope) -> tuple:
    """What a scope allows; the user is left out on purpose (see `allowed`)."""
    return (
        scope.role,
        tuple(sorted(scope.districts)),
        tuple(sorted(scope.departments)),
        scope.may_unmask,
        scope.account,
    )


def allowed(scope: Scope) -> Scope:
    """The scope without the viewer's name: what a cached answer is computed from, so that
    it cannot depend on who asked first."""
    return replace(scope, user="")


def _filters_key(filters: Filters) -> tuple:
    return tuple(getattr(filters, f) for f in Filters.__dataclass_fields__)


HASH_FUNCS = {Scope: _scope_key, Filters: _filters_key}
cached = st.cache_data(ttl=TTL, max_entries=MAX_ENTRIES, hash_funcs=HASH_FUNCS, show_spinner=False)

_shared_caches: list = []


def shared(func):
    """Like `cached`, for the small answers every page only reads (figures' frames and dicts,
    reference tables): kept as the object itself and handed to every run as it is, so a run
    reads it without a copy. A page never changes such an answer in place (pandas' copy on
    write keeps a frame made from it apart); `_forget` drops these with the rest."""
    kept = st.cache_resource(
        ttl=TTL, max_entries=MAX_ENTRIES, hash_funcs=HASH_FUNCS, show_spinner=False
    )(func)
    _shared_caches.append(kept)
    return kept


def answer(keep=shared):
    """A door function made from fn(conn, scope, *args): called as f(scope, *args), it reads
    on a viewer's connection (`viewer`) and its answer is kept (`shared`, or `cached` for a
    copy per run) by the database URL, this run's data version, what the scope allows
    (`allowed`) and the arguments; a database outage shows the friendly message."""

    def make(fn):
        def kept(url: str, version: int, scope: Scope, *args, **kwargs):
            with viewer(url, scope) as conn:
                return fn(conn, scope, *args, **kwargs)

        # Streamlit keys a cache by the function's module and qualified name (two nested
        # functions of one name would share entries): each answer's kept function is named
        # for its own function. No __wrapped__: the key's argument names are kept's own.
        kept.__module__, kept.__name__ = fn.__module__, f"{fn.__name__}_kept"
        kept.__qualname__ = f"{fn.__qualname__}_kept"
        kept = keep(kept)

        def door(scope: Scope, *args, **kwargs):
            return kept(database_url(), run_version(), allowed(scope), *args, **kwargs)

        door.__module__, door.__name__ = fn.__module__, fn.__name__
        door.__qualname__, door.__doc__ = fn.__qualname__, fn.__doc__
        return guarded(door)

    return make


@st.cache_resource(show_spinner=False)
def engine(url: str) -> sa.Engine:
    return make_engine(url, busy_timeout_s=BUSY_TIMEOUT_S)


@contextmanager
def viewer(url: str, scope: Scope) -> Iterator[sa.Connection]:
    """A connection for a viewer's reads: on PostgreSQL each of its transactions may read
    the people of the scope's districts only (row-level security, warmth.rls), whatever SQL
    runs in it; the snapshot reads the city on a connection of its own."""
    wall = rls.CITY_WIDE if scope.role == "city" else scope.districts
    with rls.scoped(wall), engine(url).connect() as conn:
        yield conn


def with_name(df: pd.DataFrame, lang: str) -> pd.DataFrame:
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
    engine(url).dispose()
    _ready_urls().discard(url)
    clear_answers()


def clear_answers() -> None:
    """Drop every cached answer, copied or shared (the engines and first-run state stay)."""
    st.cache_data.clear()
    for kept in _shared_caches:
        kept.clear()


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
        eng = engine(url)
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
    with engine(url).connect() as conn:
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


def reread_version() -> None:
    """The data version again after a write, for the rest of the run; an outage here leaves
    the write's own outcome (an import failed, nothing written) as what the page says."""
    try:
        _fetch_version()
    except UNAVAILABLE_ERRORS:
        st.session_state.pop(VERSION_KEY, None)


def run_version() -> int:
    """The data version read for this run (read now when app.py has not read it)."""
    version = st.session_state.get(VERSION_KEY)
    return version if version is not None else read_version()
