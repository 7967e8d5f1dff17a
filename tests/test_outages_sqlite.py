"""A SQLite file swapped under the running dashboard is noticed at the next run: replaced
(the new file's figures, never the old one's cached answers or snapshot), deleted (the
bilingual outage message, and no empty database made in its place; back when the file is),
made read-only (the engine's connections reopened); and a locked file never holds a page
for the full busy wait."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from pathlib import Path

import pytest

from tests.test_fresh import metric
from tests.test_pages import run
from tests.test_pages_gaps_data import register_csv
from warmth import bootstrap, demo, i18n
from warmth.config import ENV_VAR
from warmth.database import MISSING, DatabaseUnavailableError, Identities, make_engine


@pytest.fixture(scope="module")
def other_db(tmp_path_factory) -> Path:
    """Another small demo city (another seed): other figures, the same data version."""
    path = tmp_path_factory.mktemp("other") / "other.db"
    engine = make_engine(f"sqlite:///{path}")
    bootstrap.init_database(engine)
    demo.load_demo(engine, scale=0.005, seed=11)
    engine.dispose()
    return path


def _path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _remove(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _copy(src: Path, dst: Path) -> None:
    _remove(dst)
    shutil.copyfile(src, dst.with_name(dst.name + ".new"))
    os.replace(dst.with_name(dst.name + ".new"), dst)  # as a deployment swaps a file in


def outage_shown(at) -> bool:
    title = (i18n.t("dash_db_down_title", "zh"), i18n.t("dash_db_down_title", "en"))
    return any(all(t in e.value for t in title) for e in at.error)


def test_a_replaced_file_shows_its_own_figures_at_the_next_run(own_db, other_db, monkeypatch):  # noqa: F811
    monkeypatch.setenv(ENV_VAR, f"sqlite:///{other_db}")
    theirs = metric(run(), "Reached")
    monkeypatch.setenv(ENV_VAR, own_db)
    mine = metric(run(), "Reached")
    assert mine != theirs
    _copy(other_db, _path(own_db))
    assert metric(run(), "Reached") == theirs


@pytest.mark.parametrize("page", [None, "data"])
def test_a_deleted_file_is_an_outage_until_it_is_back(own_db, tmp_path, page):  # noqa: F811
    path = _path(own_db)
    before = metric(run(), "Reached")
    kept = tmp_path / "kept.db"
    shutil.copyfile(path, kept)
    _remove(path)
    at = run(page)
    assert outage_shown(at), [e.value for e in at.error]
    assert not path.exists()  # no empty database made in its place
    _copy(kept, path)
    assert metric(run(), "Reached") == before


def test_a_locked_file_does_not_hold_the_upload_page(own_db):  # noqa: F811
    at = run("data")
    holder = sqlite3.connect(_path(own_db), timeout=1)
    holder.execute("BEGIN EXCLUSIVE")  # another writer holds the file (an import elsewhere)
    try:
        started = time.monotonic()
        at.file_uploader(key="submit_file").set_value(
            ("register.csv", register_csv("310101", "310101013"), "text/csv")
        ).run()
        took = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert not at.exception, [e.message for e in at.exception]
    assert took < 15, took  # the preview's audit write waits seconds, not the 30 s busy wait
    assert at.metric, "the check of the upload is on the page"


def test_identities_notice_a_file_replaced_deleted_or_made_read_only(tmp_path):
    path = tmp_path / "w.db"
    sqlite3.connect(path).close()
    url, seen = f"sqlite:///{path}", Identities()
    assert not seen.file_changed(url)  # the first look
    assert not seen.file_changed(url)
    path.chmod(0o444)
    assert seen.file_changed(url)
    path.chmod(0o644)
    assert seen.file_changed(url)
    other = tmp_path / "x.db"
    sqlite3.connect(other).close()
    os.replace(other, path)
    assert seen.file_changed(url)
    path.unlink()
    with pytest.raises(DatabaseUnavailableError, match="gone"):
        seen.file_changed(url)
    with pytest.raises(DatabaseUnavailableError):  # still gone
        seen.file_changed(url)
    assert not Identities().file_changed(url)  # a first look at no file: a first run
    assert seen.token_changed("postgresql://h/db", "a") is False
    assert seen.token_changed("postgresql://h/db", "b") is True
    assert MISSING == "missing"
