"""A download in the real browser: nothing is stored when the page is drawn, the file the
browser gets was audited first (same SHA-256), and its /media/ URL, fetched from outside
the session (no cookie, no WebSocket), serves nothing a few seconds later."""

from __future__ import annotations

import hashlib
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
import sqlalchemy as sa

from components.download import EXPIRY_S
from tests.browser_support import ARTIFACTS, start_app
from tests.test_browser import browser_type_launch_args  # noqa: F401 (Debian's Chromium)
from warmth import bootstrap, demo, schema
from warmth.database import make_engine

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 720}, "locale": "en-US"}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    folder = tmp_path_factory.mktemp("downloads")
    url = f"sqlite:///{folder / 'warmth.db'}"
    engine = make_engine(url)
    bootstrap.init_database(engine)
    demo.load_demo(engine, scale=0.005)
    engine.dispose()
    proc, address = start_app(url, folder / "app.log")
    yield address, url
    proc.terminate()
    proc.wait(timeout=20)


def is_media(url: str) -> bool:
    """A file of Streamlit's media store (/media/<id>.<ext>), not the app's own /static/."""
    return urlparse(url).path.startswith("/media/")


def outside_fetch(url: str) -> int:
    """The status of a plain GET: no cookie, no session, as anyone on the network."""
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:  # noqa: S310 - loopback
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_a_download_is_audited_first_and_its_url_expires(page, app):
    address, db = app
    media: list[str] = []
    page.on("request", lambda r: media.append(r.url) if is_media(r.url) else None)
    page.goto(f"{address}/categories?lang=en")
    button = page.get_by_role("button", name="Download CSV").first
    button.wait_for(timeout=90_000)
    page.wait_for_timeout(1500)
    assert media == []  # the page is drawn and nothing is stored to fetch
    with page.expect_download(timeout=60_000) as info:
        button.click()
    body = Path(info.value.path()).read_bytes()
    got_at = time.monotonic()
    assert body.startswith(b"\xef\xbb\xbf")
    assert media, "the browser fetched the file from /media/"
    engine = make_engine(db)
    with engine.connect() as conn:
        audited = conn.execute(
            sa.select(schema.audit_log.c.file_sha256).where(schema.audit_log.c.action == "export")
        ).scalars()
        hashes = list(audited)
    engine.dispose()
    assert hashlib.sha256(body).hexdigest() in hashes  # this very file was audited
    page.screenshot(path=str(ARTIFACTS / "download_audited_en.png"))
    time.sleep(max(0.0, EXPIRY_S + 1.5 - (time.monotonic() - got_at)))
    assert {outside_fetch(u) for u in set(media)} == {404}
