"""Downloads: nothing is stored before the click, a click does not rerun the page, the file is
served only once its audit row is written (no audit row, no file, and the page says so in both
languages), it is held while other sessions' runs end, and the stored copy is gone seconds
later. The media store used is Streamlit's own (1.67): when an upgrade
changes how a made download is stored, test_the_stored_copy_is_removed fails."""

from __future__ import annotations

import hashlib
import json
import time

import pytest
import sqlalchemy as sa
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.media_file_storage import MediaFileStorageError
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

from components import download
from tests.download_support import fetch
from tests.test_pages import opened, run
from warmth import audit, i18n, schema
from warmth.database import make_engine

pytestmark = pytest.mark.usefixtures("demo_db")
KEY = "overview_district_bar_dl_csv"


def test_no_audit_row_no_file():
    flags: dict = {}
    made = download.served(
        flags, lambda: b"a,b\r\n", lambda payload: False, mimetype="text/csv", file_name="x.csv"
    )
    with pytest.raises(download.AuditNotWrittenError):
        made()
    assert flags["refused"] is True


def test_the_audit_row_comes_before_the_file(monkeypatch):
    monkeypatch.setattr(download, "EXPIRY_S", 60)
    events = []

    def audited(payload: bytes) -> bool:
        events.append(("audit", hashlib.sha256(payload).hexdigest()))
        return True

    made = download.served({}, lambda: b"a,b\r\n", audited, mimetype="text/csv", file_name="x")
    got = made()
    events.append(("file", hashlib.sha256(got).hexdigest()))
    assert [e[0] for e in events] == ["audit", "file"] and events[0][1] == events[1][1]


class FakeSession:
    def __init__(self):
        self.reruns = 0

    def request_rerun(self, client_state):
        assert client_state is None  # with the widgets as they are
        self.reruns += 1


@pytest.fixture
def media(monkeypatch):
    """Streamlit's own media manager and store (1.67), as a server has them, with one
    session that can be asked to rerun."""
    from streamlit import runtime

    storage = MemoryMediaFileStorage("/media")
    manager = MediaFileManager(storage)
    session = FakeSession()

    class FakeRuntime:
        media_file_mgr = manager

        @staticmethod
        def get_app_session(session_id):
            return session if session_id == "s1" else None

    monkeypatch.setattr(runtime, "exists", lambda: True)
    monkeypatch.setattr(runtime, "get_instance", lambda: FakeRuntime)
    return manager, storage, session


def test_a_refusal_asks_the_page_to_rerun_and_say_so(media):
    _, _, session = media
    flags: dict = {}
    made = download.served(
        flags, lambda: b"x", lambda p: False, mimetype="text/csv", file_name="x", session_id="s1"
    )
    with pytest.raises(download.AuditNotWrittenError):
        made()
    assert flags == {"refused": True} and session.reruns == 1


def test_a_file_that_cannot_be_made_reruns_the_page(media):
    _, _, session = media

    def broken() -> bytes:
        raise OSError("the database went away")

    made = download.served(
        {}, broken, lambda p: True, mimetype="text/csv", file_name="x", session_id="s1"
    )
    with pytest.raises(OSError):
        made()
    assert session.reruns == 1  # the rerun shows the outage message


def test_the_made_file_outlives_other_sessions_runs_and_then_is_removed(media, monkeypatch):
    """Through Streamlit's own deferred download path and media store: the end of every
    script run of any session sweeps files no session refers to (the second sweep removes
    them). The made file is held until it expires, however many runs end before the
    browser fetches it, and then the /media/ URL serves nothing."""
    manager, storage, _ = media
    monkeypatch.setattr(download, "EXPIRY_S", 0.5)
    body = b"id,name\r\n1,2\r\n"
    made = download.served(
        {}, lambda: body, lambda p: True, mimetype="text/csv", file_name="x.csv"
    )  # as download.button registers it: the same type and name as the button's
    file_id = manager.add_deferred(made, "text/csv", "coords", file_name="x.csv")
    url = manager.execute_deferred(file_id)  # what the browser's click asks over the WebSocket
    stored = url.removeprefix("/media/").rsplit(".", 1)[0]
    for _ in range(3):
        manager.remove_orphaned_files()  # other sessions' runs ending
    assert storage.get_file(stored).content == body
    time.sleep(1.0)
    with pytest.raises(MediaFileStorageError):
        storage.get_file(stored)  # the /media/ URL now serves nothing
    manager.remove_orphaned_files()  # and Streamlit's own bookkeeping of it is gone too
    assert stored not in manager._file_metadata  # noqa: SLF001


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


def test_nothing_is_stored_when_the_page_is_drawn_and_a_click_does_not_rerun():
    at = opened(run())  # every chart's downloads drawn too
    buttons = at.get("download_button")
    assert buttons and all(b.proto.deferred_file_id and b.proto.url == "" for b in buttons)
    assert all(b.proto.ignore_rerun for b in buttons)  # the file id stays valid for the click


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
    body = fetch(at, KEY)
    (row,) = audit_rows(own_db, "export")
    assert row.row_count == 19 and row.file_sha256 == hashlib.sha256(body).hexdigest()
    assert json.loads(row.detail)["format"] == "csv"
    at.run()
    assert not at.exception and not at.error


def test_when_the_audit_fails_the_page_says_so_in_both_languages(own_db, monkeypatch):
    at = opened(run(), "overview_district_bar")
    monkeypatch.setattr(audit, "record", lambda *a, **k: False)
    with pytest.raises(download.AuditNotWrittenError):
        fetch(at, KEY)
    at.run()  # the rerun the refusal asks for
    assert not at.exception
    (error,) = at.error
    assert i18n.t("dash_download_not_audited", "en") in error.value
    assert i18n.t("dash_download_not_audited", "zh") in error.value
    assert audit_rows(own_db, "export") == []
    at.run()
    assert not at.error  # said once
