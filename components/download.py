"""A download button whose file exists only when asked for, only after its audit row, and
only for a few seconds.

`st.download_button(data=<bytes>)` keeps the bytes in the media store from the moment the
page is drawn, at a `/media/<id>` URL that anyone on the server's network can fetch without
the session, until the session ends. Here the data is a callable (Streamlit 1.67 runs it
when the button is clicked, on a request of the session's own WebSocket): it makes the file,
writes the audit row, and only then returns the bytes; when the audit row cannot be
written it returns nothing, and the page says why in both languages. Streamlit then stores
the bytes and hands the browser a `/media/` URL, which the browser fetches at once; the
stored file is removed EXPIRY_S seconds later, so the URL is useless to anyone after that.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable

import streamlit as st

from warmth import i18n

EXPIRY_S = 5.0  # the browser fetches the file within milliseconds of getting its URL
WAIT_S = 30.0  # how long the browser's request for the file waits for the click's callback


class AuditNotWrittenError(RuntimeError):
    """The audit row of a download could not be written, so no file was made."""


def forget_stored(data: bytes, mimetype: str, file_name: str) -> None:
    """Remove the stored copy of a made download from Streamlit's media store.

    Streamlit has no public way to expire one download, so this uses the media store of
    its runtime (Streamlit 1.67's MemoryMediaFileStorage: load_and_get_id names the file
    by its content, delete_file removes it); tests/test_downloads.py fails loudly when an
    upgrade changes that."""
    from streamlit import runtime
    from streamlit.runtime.media_file_storage import MediaFileKind

    if not runtime.exists():
        return
    storage = runtime.get_instance().media_file_mgr._storage  # noqa: SLF001 (see above)
    file_id = storage.load_and_get_id(data, mimetype, MediaFileKind.DOWNLOADABLE, file_name)
    storage.delete_file(file_id)


# The media store names a file by its content, type and name, so two officials who download
# the same list a moment apart share one stored copy: it is removed EXPIRY_S seconds after
# the latest of them, never from under the later one's fetch.
_due: dict[tuple[bytes, str, str], float] = {}
_due_lock = threading.Lock()


def expire_later(payload: bytes, mimetype: str, file_name: str) -> None:
    """Remove the stored copy EXPIRY_S seconds from now, unless the same file is handed
    out again before then (its own seconds count from that later time)."""
    key = (hashlib.sha256(payload).digest(), mimetype, file_name)
    due = time.monotonic() + EXPIRY_S
    with _due_lock:
        _due[key] = due
    timer = threading.Timer(EXPIRY_S, _expire, args=(key, due, payload))
    timer.daemon = True
    timer.start()


def _expire(key: tuple[bytes, str, str], due: float, payload: bytes) -> None:
    with _due_lock:
        if _due.get(key) != due:  # handed out again since: that later timer removes it
            return
        del _due[key]
    forget_stored(payload, key[1], key[2])


def made_on_click(outcome: dict, make: Callable[[], bytes], audit: Callable[[bytes], bool]):
    """The click's callback (in the session's script thread, before the page reruns): make
    the bytes and audit them; hand them to the download only when the row was written."""
    payload = make()
    written = audit(payload)
    outcome["payload"] = payload if written else None
    outcome["refused"] = not written
    outcome["ready"].set()


def deferred(outcome: dict, *, mimetype: str, file_name: str) -> Callable[[], bytes]:
    """The callable a download button is given (Streamlit runs it when the browser asks for
    the file): the bytes the click's callback made and audited, or AuditNotWrittenError (no
    file) when it could not write the audit row or did not run; their stored copy is
    removed EXPIRY_S seconds later."""

    def run() -> bytes:
        ready = outcome["ready"]
        if not ready.wait(WAIT_S):
            raise AuditNotWrittenError("the click was not audited: no file")
        payload = outcome.pop("payload", None)
        ready.clear()
        if payload is None:
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
    outcome = st.session_state.setdefault(f"_download_{key}", {"ready": threading.Event()})
    container.download_button(
        label,
        data=deferred(outcome, mimetype=mimetype, file_name=file_name),
        file_name=file_name,
        mime=mimetype,
        key=key,
        on_click=made_on_click,
        args=(outcome, make, audit),
        icon=icon,
        **style,
    )
    if outcome.pop("refused", False):
        other = "en" if lang == "zh" else "zh"
        st.error(
            f"{i18n.t('dash_download_not_audited', lang)}\n\n"
            f"{i18n.t('dash_download_not_audited', other)}",
            icon=":material/block:",
        )
