"""Downloads: nothing is stored before the click, the file is served only once its audit row
is written (no audit row, no file, and the page says so in both languages), and the stored
copy is gone seconds later. The media store used is Streamlit's own (1.67): when an upgrade
changes how a made download is stored, test_the_stored_copy_is_removed fails."""

from __future__ import annotations

import hashlib
import json
import threading
import time

import pytest
import sqlalchemy as sa
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from components import download
from tests.test_pages import opened, run
from warmth import audit, i18n, schema
from warmth.database import make_engine

pytestmark = pytest.mark.usefixtures("demo_db")
KEY = "overview_district_bar_dl_csv"


def test_no_click_no_audit_row_no_file(monkeypatch):
    monkeypatch.setattr(download, "WAIT_S", 0.1)
    outcome = {"ready": threading.Event()}
    fetch = download.deferred(outcome, mimetype="text/csv", file_name="x.csv")
    with pytest.raises(download.AuditNotWrittenError):
        fetch()  # the URL asked for without the session's click: nothing
    download.made_on_click(outcome, lambda: b"a,b\r\n", lambda payload: False)
    assert outcome["refused"] is True
    with pytest.raises(download.AuditNotWrittenError):
        fetch()  # the audit row was not written: nothing


def test_the_audit_row_comes_before_the_file(monkeypatch):
    monkeypatch.setattr(download, "EXPIRY_S", 60)
    events = []
    outcome = {"ready": threading.Event()}
    fetch = download.deferred(outcome, mimetype="text/csv", file_name="x.csv")

    def audited(payload: bytes) -> bool:
        events.append(("audit", hashlib.sha256(payload).hexdigest()))
        return True

    download.made_on_click(outcome, lambda: b"a,b\r\n", audited)
    got = fetch()
    events.append(("file", hashlib.sha256(got).hexdigest()))
    assert [e[0] for e in events] == ["audit", "file"] and events[0][1] == events[1][1]


def test_the_stored_copy_is_removed(monkeypatch):
    """Through Streamlit's own deferred download path and media store."""
    from streamlit import runtime

    storage = MemoryMediaFileStorage("/media")
    manager = MediaFileManager(storage)

    class FakeRuntime:
        media_file_mgr = manager

    monkeypatch.setattr(runtime, "exists", lambda: True)
    monkeypatch.setattr(runtime, "get_instance", lambda: FakeRuntime)
    monkeypatch.setattr(download, "EXPIRY_S", 0.3)
    outcome = {"ready": threading.Event()}
    fetch = download.deferred(outcome, mimetype="text/csv", file_name="x.csv")
    download.made_on_click(outcome, lambda: b"id,name\r\n1,2\r\n", lambda payload: True)
    file_id = manager.add_deferred(fetch, "text/csv", "coords", file_name="x.csv")
    url = manager.execute_deferred(file_id)  # what the browser's click asks over the WebSocket
    stored = url.removeprefix("/media/").rsplit(".", 1)[0]
    assert storage.get_file(stored).content == b"id,name\r\n1,2\r\n"
    time.sleep(0.8)
    with pytest.raises(MediaFileStorageError):
        storage.get_file(stored)  # the /media/ URL now serves nothing


def test_the_same_file_handed_out_again_is_kept_for_the_later_fetch(monkeypatch):
    """Two officials downloading the same list a moment apart share one stored copy (the
    media store names it by its content): the first's expiry does not remove it from under
    the second, whose own seconds count from its own click."""
    removed = []
    monkeypatch.setattr(download, "EXPIRY_S", 0.4)
    monkeypatch.setattr(download, "forget_stored", lambda *args: removed.append(time.monotonic()))
    began = time.monotonic()
    download.expire_later(b"same list", "text/csv", "x.csv")
    time.sleep(0.2)
    download.expire_later(b"same list", "text/csv", "x.csv")  # the second official
    download.expire_later(b"another list", "text/csv", "x.csv")
    time.sleep(0.3)  # the first expiry has passed: the shared copy is still there
    assert removed == []
    time.sleep(0.4)
    assert len(removed) == 2  # the shared copy once, at the second's expiry; the other list
    assert all(when - began >= 0.6 for when in removed)


def test_nothing_is_stored_when_the_page_is_drawn():
    at = run()
    button = at.get("download_button")[0]
    assert button.proto.deferred_file_id and button.proto.url == ""


def audit_rows(url: str, action: str) -> list:
    """The audit rows of one action, oldest first."""
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(schema.audit_log)
            .where(schema.audit_log.c.action == action)
            .order_by(schema.audit_log.c.id)
        ).all()
    engine.dispose()
    return rows


def test_a_click_writes_the_audit_row_with_the_files_hash(own_db):
    at = opened(run(), "overview_district_bar")
    at.download_button(key=KEY).click().run()
    assert not at.exception and not at.error
    (row,) = audit_rows(own_db, "export")
    assert row.row_count == 19 and len(row.file_sha256) == 64
    assert json.loads(row.detail)["format"] == "csv"


def test_when_the_audit_fails_the_page_says_so_in_both_languages(own_db, monkeypatch):
    at = opened(run(), "overview_district_bar")
    monkeypatch.setattr(audit, "record", lambda *a, **k: False)
    at.download_button(key=KEY).click().run()
    assert not at.exception
    (error,) = at.error
    assert i18n.t("dash_download_not_audited", "en") in error.value
    assert i18n.t("dash_download_not_audited", "zh") in error.value
    assert audit_rows(own_db, "export") == []
