"""What a browser's click on a download button gets, for AppTest pages.

A click asks the server for the file on the session's WebSocket, without a rerun; Streamlit
then calls the callable the button was drawn with (components.download.served). AppTest has
no WebSocket, so `fetch` reruns the page, keeps the callable Streamlit registered for the
button, and calls it as Streamlit would."""

from __future__ import annotations

from unittest import mock

from streamlit.runtime.media_file_manager import MediaFileManager


def fetch(at, key: str) -> bytes:
    """The bytes a click on the download button `key` is served (after its audit row);
    raises components.download.AuditNotWrittenError when it is refused."""
    made: dict[str, object] = {}
    register = MediaFileManager.add_deferred

    def keep(self, data_callable, mimetype, coordinates, file_name=None, *, element_id=""):
        made[element_id] = data_callable
        return register(
            self, data_callable, mimetype, coordinates, file_name, element_id=element_id
        )

    with mock.patch.object(MediaFileManager, "add_deferred", keep):
        at.run()
    button = at.download_button(key=key)
    assert button.proto.deferred_file_id, "the button's file is made on click"
    return made[button.id]()
