"""A download button whose file exists only when asked for, only after its audit row, and
only for a few seconds.

`st.download_button(data=<bytes>)` keeps the bytes in the media store from the moment the
page is drawn, at a `/media/<id>` URL that anyone on the server's network can fetch without
the session, until the session ends. Here the data is a callable, which Streamlit 1.67 runs
when the button is clicked, on a request of the session's own WebSocket and without a rerun
of the page: it makes the file, writes the audit row, and only then returns the bytes. When
the audit row cannot be written it returns nothing, and the page says why in both languages.
Streamlit then stores the bytes and hands the browser a `/media/` URL, which the browser
fetches at once; the stored file is held until then and removed EXPIRY_S seconds later, so
the URL is useless to anyone after that.

Why no rerun: a click that reruns the page (Streamlit's default) registers the button again
under a new file id, and the end of that run drops the old one, so under load the browser's
request for the file could arrive after its id was gone ("Deferred file not found"). And
the made file is named by no session, so the end of any two other sessions' runs removed it
(a 404) unless it is held here.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable

import streamlit as st

from warmth import i18n

EXPIRY_S = 5.0  # the browser fetches the file within milliseconds of getting its URL
HOLDER = "warmth-downloads"  # the media store's reference to files handed out, not yet expired


class AuditNotWrittenError(RuntimeError):
    """The audit row of a download could not be written, so no file was made."""


def _media():
    """Streamlit's media file manager and its store, or (None, None) outside a server.

    Streamlit has no public way to hold or expire one download, so this uses the media store
    of its runtime (Streamlit 1.67: MemoryMediaFileStorage.load_and_get_id names the file by
    its content, delete_file removes it; the manager keeps the files a session refers to by
    coordinates, under its lock). tests/test_downloads.py fails loudly when an upgrade
    changes that."""
    from streamlit import runtime

    if not runtime.exists():
        return None, None
    manager = runtime.get_instance().media_file_mgr
    return manager, manager._storage  # noqa: SLF001 (see above)


def _file_id(storage, data: bytes, mimetype: str, file_name: str) -> str:
    from streamlit.runtime.media_file_storage import MediaFileKind

    return storage.load_and_get_id(data, mimetype, MediaFileKind.DOWNLOADABLE, file_name)


def hold(data: bytes, mimetype: str, file_name: str, coordinate: str) -> None:
    """Keep the stored copy of a download that is being handed out: a file no session refers
    to is removed by the end of any two script runs, maybe before the browser fetched it."""
    manager, storage = _media()
    if manager is None:
        return
    file_id = _file_id(storage, data, mimetype, file_name)
    with manager._lock:  # noqa: SLF001 (see _media)
        manager._files_by_session_and_coord[HOLDER][coordinate] = file_id  # noqa: SLF001


def forget_stored(data: bytes, mimetype: str, file_name: str, coordinate: str = "") -> None:
    """Let go of a made download and remove its stored copy from Streamlit's media store."""
    manager, storage = _media()
    if manager is None:
        return
    file_id = _file_id(storage, data, mimetype, file_name)
    with manager._lock:  # noqa: SLF001 (see _media)
        held = manager._files_by_session_and_coord.get(HOLDER, {})  # noqa: SLF001
        held.pop(coordinate, None)
        storage.delete_file(file_id)
        manager._file_metadata.pop(file_id, None)  # noqa: SLF001


# The media store names a file by its content, type and name, so two officials who download
# the same list a moment apart share one stored copy: it is held and removed EXPIRY_S seconds
# after the latest of them, never from under the later one's fetch.
_due: dict[tuple[bytes, str, str], float] = {}
_due_lock = threading.Lock()


def expire_later(payload: bytes, mimetype: str, file_name: str) -> None:
    """Hold the stored copy, and remove it EXPIRY_S seconds from now unless the same file is
    handed out again before then (its own seconds count from that later time)."""
    key = (hashlib.sha256(payload).digest(), mimetype, file_name)
    due = time.monotonic() + EXPIRY_S
    with _due_lock:
        _due[key] = due
        hold(payload, mimetype, file_name, _coordinate(key))
    timer = threading.Timer(EXPIRY_S, _expire, args=(key, due, payload))
    timer.daemon = True
    timer.start()


def _coordinate(key: tuple[bytes, str, str]) -> str:
    return f"{key[0].hex()}:{key[1]}:{key[2]}"


def _expire(key: tuple[bytes, str, str], due: float, payload: bytes) -> None:
    with _due_lock:
        if _due.get(key) != due:  # handed out again since: that later timer removes it
            return
        del _due[key]
        forget_stored(payload, key[1], key[2], _coordinate(key))


def _session_id() -> str | None:
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else None


def _rerun(session_id: str | None) -> None:
    """Ask the session to run its page again (to show a refusal). Streamlit's own file
    watcher asks for reruns from its threads the same way."""
    from streamlit import runtime

    if session_id is None or not runtime.exists():
        return
    session = runtime.get_instance().get_app_session(session_id)
    if session is not None:
        session.request_rerun(None)


def served(
    flags: dict,
    make: Callable[[], bytes],
    audit: Callable[[bytes], bool],
    *,
    mimetype: str,
    file_name: str,
    session_id: str | None = None,
) -> Callable[[], bytes]:
    """The callable a download button is given. Streamlit runs it when the browser asks
    for the file, on a worker thread, and the page does not rerun: it makes the bytes, writes
    their audit row, and only then hands them over. When the row cannot be written it
    raises AuditNotWrittenError (no file), sets flags["refused"] and asks the session to
    rerun, so that the page says why in both languages; when the file cannot be made (the
    database gone), the rerun shows the outage message."""

    def run() -> bytes:
        try:
            payload = make()
        except Exception:
            _rerun(session_id)  # the rerun shows what failed (the database's outage message)
            raise
        if not audit(payload):
            flags["refused"] = True
            _rerun(session_id)
            raise AuditNotWrittenError("the audit row was not written: no file")
        expire_later(payload, mimetype, file_name)
        return payload

    return run


def button(
    container,
    label: str,
    *,
    make: Callable[[], bytes],
    audit: Callable[[bytes], bool],
    file_name: str,
    mimetype: str,
    key: str,
    icon: str,
    lang: str,
    **style,
) -> None:
    """A download button in container whose file is made on click and audited first (see
    the module docstring); a refused download shows the bilingual error beside it. style:
    st.download_button's look (type, width)."""
    flags = st.session_state.setdefault(f"_download_{key}", {})
    container.download_button(
        label,
        data=served(
            flags, make, audit, mimetype=mimetype, file_name=file_name, session_id=_session_id()
        ),
        file_name=file_name,
        mime=mimetype,
        key=key,
        on_click="ignore",
        icon=icon,
        **style,
    )
    if flags.pop("refused", False):
        other = "en" if lang == "zh" else "zh"
        st.error(
            f"{i18n.t('dash_download_not_audited', lang)}\n\n"
            f"{i18n.t('dash_download_not_audited', other)}",
            icon=":material/block:",
        )
