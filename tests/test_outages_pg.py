"""Outages on a real PostgreSQL server (the stack's own cluster, stopped and started here):
readiness follows the database; sessions open through nginx show the bilingual message,
never a traceback, and the next click after the server is back works; an import under way
when the server goes away leaves nothing written and says so on the upload page."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from tests.browser_support import CHROMIUM
from tests.stack_support import http_status
from tests.test_outages_sqlite import outage_shown
from tests.test_pages import run
from tests.test_pages_gaps_data import register_csv
from warmth import i18n, schema
from warmth.config import AUTO_INIT_ENV_VAR, ENV_VAR
from warmth.intake import loading

pytestmark = pytest.mark.postgres

if os.path.exists(CHROMIUM):  # the browser fixtures (Debian's chromium)
    from tests.test_browser import browser_context_args, browser_type_launch_args  # noqa: F401


def _ready(stack) -> list[int | None]:  # noqa: F811
    return [http_status(f"{stack.replica_url(i)}/_warmth/ready") for i in range(2)]


def test_readiness_is_503_while_the_database_is_stopped(stack):  # noqa: F811
    assert _ready(stack) == [200, 200]
    assert http_status(f"{stack.replica_url(0)}/_stcore/health") == 200
    stack.pg.stop()
    try:
        assert _ready(stack) == [503, 503]
        assert http_status(f"{stack.replica_url(0)}/_stcore/health") == 200  # alive, not ready
    finally:
        stack.pg.start()
    assert _ready(stack) == [200, 200]


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed")
def test_open_sessions_show_the_message_then_recover_on_the_next_click(page, stack):  # noqa: F811
    from playwright.sync_api import expect

    from tests.test_browser import wait_idle

    page.goto(f"{stack.url}/?lang=zh")
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible(timeout=60_000)
    wait_idle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    stack.pg.stop()
    try:
        sidebar.get_by_text("English", exact=True).click()
        for lang in ("zh", "en"):
            expect(page.get_by_text(i18n.t("dash_db_down_title", lang)).first).to_be_visible(
                timeout=30_000
            )
        wait_idle(page)
        assert not page.locator('[data-testid="stException"]').count()
    finally:
        stack.pg.start()
    sidebar.get_by_text("中文", exact=True).click()  # the next click, nothing restarted
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible(timeout=60_000)
    wait_idle(page)
    assert not page.get_by_text(i18n.t("dash_db_down_title", "en")).count()
    assert not page.locator('[data-testid="stException"]').count()


def _counts(url: str) -> dict[str, int]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
                for t in (
                    schema.beneficiaries,
                    schema.import_batches,
                    schema.quarantine,
                    schema.audit_log,
                    schema.data_version,
                )  # fmt: skip
            } | {"version": conn.execute(sa.select(schema.data_version.c.version)).scalar()}
    finally:
        engine.dispose()


def test_an_import_cut_by_the_server_going_away_writes_nothing_and_says_so(stack, monkeypatch):  # noqa: F811
    url = stack.pg.url()
    monkeypatch.setenv(ENV_VAR, url)
    monkeypatch.setenv(AUTO_INIT_ENV_VAR, "0")
    original, cut = loading._write, []

    def write_then_lose_the_server(conn, *args, **kwargs):
        if not cut:  # the batch row and the quarantine are written; the rows are next
            cut.append(True)
            stack.pg.stop()
        return original(conn, *args, **kwargs)

    monkeypatch.setattr(loading, "_write", write_then_lose_the_server)
    at = run("data", locale="en-US")
    at.file_uploader(key="submit_file").set_value(
        ("register.csv", register_csv("310101", "310101013"), "text/csv")
    )
    at.run()
    at.radio(key="submit_mode").set_value("quarantine").run()
    before = _counts(url)  # the check of the file is audited: that row stands
    try:
        at.button(key="submit_import").click().run()
    finally:
        if cut:
            stack.pg.start()
    assert cut, "the import reached its rows"
    assert not at.exception, [e.message for e in at.exception]
    said = [e.value for e in at.error]
    failed = i18n.t("submit_failed", "en", message="").rstrip(": ")
    assert any(failed in m for m in said), said
    assert outage_shown(at), said  # and the rest of the page: the outage message
    assert (
        _counts(url) == before
    )  # nothing half-written: no batch, rows, quarantine, audit, version
    at.run()  # the server is back: the page works again
    assert not at.exception and not outage_shown(at)
