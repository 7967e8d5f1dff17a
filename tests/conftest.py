"""Shared fixtures: a fresh, initialised database on SQLite and on PostgreSQL.

Tests that take `engine` run twice, once per backend. The PostgreSQL run needs
WARMTH_TEST_PG_URL (scripts/test.sh starts a server on loopback and sets it); without it,
those runs are skipped with the reason, so a missing server is visible, never silent.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.parallel_support import pytest_xdist_make_scheduler, worker_suffix  # noqa: F401
from warmth import bootstrap, demo_years, idkey, schema
from warmth.config import ENV_VAR
from warmth.database import make_engine

# One fixed key for ID numbers in every test (and every process a test starts); the tests
# of the key itself set their own.
TEST_ID_KEY = "dGVzdC1rZXktZm9yLXdhcm10aC1pZC1udW1iZXJzLTA"
os.environ.setdefault(idkey.ENV_VAR, TEST_ID_KEY)
# The briefing's cut fonts (warmth.briefing.fonts) in a folder of the run's own, removed at
# its end: every run makes them once, and the worktree's data/cache stays untouched.
if "WARMTH_CACHE_DIR" not in os.environ:
    os.environ["WARMTH_CACHE_DIR"] = tempfile.mkdtemp(prefix="warmth-test-cache-")
    atexit.register(shutil.rmtree, os.environ["WARMTH_CACHE_DIR"], ignore_errors=True)


def _scan_installed_components_once() -> None:
    """Each AppTest's first run scans every installed distribution for Streamlit components
    (streamlit.components.v2.manifest_scanner: 0.4 s of CPU, 1-2 s of wall with its
    threads, for each of the suite's page tests). What is installed does not change during
    a run: scan once and hand each AppTest a copy of the answer. A Streamlit function that
    its own code calls; tests/test_apptest_scan.py fails when an upgrade moves the scan."""
    from streamlit.components.v2 import manifest_scanner

    found = functools.cache(manifest_scanner.scan_component_manifests)
    manifest_scanner.scan_component_manifests = lambda max_workers=None: list(found())


_scan_installed_components_once()

PG_URL = os.environ.get("WARMTH_TEST_PG_URL")
PG_TEMPLATE = f"warmth_test_template{worker_suffix()}"  # one a worker: tests/parallel_support.py


@pytest.fixture(scope="session")
def pg_admin():
    if not PG_URL:
        pytest.skip("WARMTH_TEST_PG_URL is not set (scripts/test.sh starts PostgreSQL)")
    admin = sa.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {PG_TEMPLATE} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {PG_TEMPLATE}"))
    template = make_engine(sa.make_url(PG_URL).set(database=PG_TEMPLATE).render_as_string(False))
    bootstrap.init_database(template)
    template.dispose()
    yield admin
    admin.dispose()


def _pg_engine(admin: sa.Engine):
    name = f"warmth_t_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE DATABASE {name} TEMPLATE {PG_TEMPLATE}"))
    engine = make_engine(sa.make_url(PG_URL).set(database=name).render_as_string(False))
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """One SQLite file brought to the head by `init_database` for the whole run; each test's
    SQLite database is a copy of it, as each PostgreSQL one is a copy of PG_TEMPLATE."""
    path = tmp_path_factory.mktemp("sqlite-template") / "warmth.db"
    eng = make_engine(f"sqlite:///{path}")
    bootstrap.init_database(eng)
    with eng.connect() as conn:  # the whole file in the main database file: no WAL to copy
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    eng.dispose()
    return path


def _sqlite_engine(template: Path, path: Path):
    """A copy of the template with an identity of its own (a new database's is random)."""
    shutil.copyfile(template, path)
    eng = make_engine(f"sqlite:///{path}")
    with eng.begin() as conn:
        conn.execute(schema.database_identity.update().values(token=uuid.uuid4().hex))
    yield eng
    eng.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path):
    """A new database with the schema and the reference data, on each backend."""
    if request.param == "sqlite":
        yield from _sqlite_engine(
            request.getfixturevalue("sqlite_template"), tmp_path / "warmth.db"
        )
    else:
        yield from _pg_engine(request.getfixturevalue("pg_admin"))


@pytest.fixture
def sqlite_engine(sqlite_template, tmp_path):
    """A new initialised SQLite database, for tests that need only one backend."""
    yield from _sqlite_engine(sqlite_template, tmp_path / "warmth.db")


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory):
    """A small demo city (scale 0.005) of the 2004 and 2005 campaigns in SQLite, used by
    every page test."""
    path = tmp_path_factory.mktemp("pages") / "warmth.db"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    bootstrap.init_database(engine)
    demo_years.load_campaigns(engine, scale=0.005)
    engine.dispose()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV_VAR, url)
        yield url


@pytest.fixture
def own_db(demo_db, tmp_path, monkeypatch):
    """A private copy of the demo database, so an import does not change the figures the
    other page tests expect."""
    path = tmp_path / "own.db"
    shutil.copyfile(demo_db.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv(ENV_VAR, url)
    return url


from tests.stack_guard import left_running, stop_left  # noqa: E402
from tests.stack_support import MADE, stack  # noqa: E402, F401  (one stack for the session: tests/test_stack.py, tests/test_outages_pg.py)


@pytest.hookimpl(trylast=True)  # after the session's fixtures are torn down
def pytest_sessionfinish(session, exitstatus):
    """A run (each worker of it) leaves no process of a deploy stack it started; and under
    scripts/test.sh (WARMTH_TEST_NO_SKIP=1), which installs Chromium, nginx and PostgreSQL
    and starts the server, a skipped test means a broken environment, not a pass: the run
    fails and says which were skipped."""
    left = left_running(MADE)
    if left:
        stop_left(left)
        print(f"\nthe run left these deploy-stack processes running (now stopped): {left}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    if hasattr(session.config, "workerinput"):  # an xdist worker: the controller reports
        return
    if os.environ.get("WARMTH_TEST_NO_SKIP") != "1" or session.exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped:
        reporter.write_line("")
        reporter.write_line(
            f"{len(skipped)} skipped under scripts/test.sh, where nothing may be skipped:",
            red=True,
        )
        for report in skipped[:20]:
            reporter.write_line(f"  {report.nodeid}: {report.longrepr[-1]}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
