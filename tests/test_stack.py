"""The deployment of deploy/ on this machine, driven in Chromium through nginx: the first
page, a drill to a street and its download (which must reach the replica that made it);
what nginx hides and the headers it adds; the application role that cannot change the
schema; a replica killed mid-session (the viewer lands on another, same view from the URL)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.browser_support import CHROMIUM
from tests.stack_support import active_sessions, http_status

pytestmark = [pytest.mark.browser, pytest.mark.postgres]

if not __import__("os").path.exists(CHROMIUM):
    pytest.skip("Debian's chromium is not installed", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

from tests.test_browser import (  # noqa: E402, F401  (fixtures)
    browser_context_args,
    browser_type_launch_args,
    click_bar,
    wait_idle,
)

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def test_nginx_adds_headers_and_hides_what_is_internal(stack):  # noqa: F811
    import urllib.request

    with urllib.request.urlopen(stack.url, timeout=10) as resp:  # noqa: S310
        headers = {k.lower(): v for k, v in resp.headers.items()}
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, (name, headers)
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert re.match(r"warmth_route=\w+; Path=/; HttpOnly", headers["set-cookie"])
    assert headers["server"] == "nginx"  # no version
    assert http_status(f"{stack.url}/_stcore/metrics") == 404
    assert http_status(f"{stack.url}/_warmth/ready") == 404
    assert http_status(f"{stack.replica_url(0)}/_warmth/ready") == 200  # on loopback only
    assert http_status(f"{stack.url}/_stcore/health") == 200  # the page's own reconnects


def test_first_page_a_drill_and_a_download_through_nginx(page, stack):  # noqa: F811
    page.goto(stack.url)
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible(timeout=60_000)
    click_bar(page, "overview_district_bar", 0)
    expect(page).to_have_url(re.compile(r"/districts\?.*district=3101\d\d"), timeout=60_000)
    click_bar(page, "districts_street_bar", 0)
    expect(page).to_have_url(re.compile(r"street=\d{9}"), timeout=60_000)
    expect(page.get_by_text(re.compile(r"显示 [\d,]+ 人 / 共 [\d,]+ 人"))).to_be_visible(
        timeout=60_000
    )
    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("下载 CSV")).last.click()
    raw = info.value.path().read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\n") > 1, raw[:80]
    assert not page.locator('[data-testid="stException"]').count()


def test_the_application_role_reads_and_writes_rows_but_never_the_schema(stack):  # noqa: F811
    engine = sa.create_engine(stack.pg.url())
    try:
        with engine.connect() as conn:
            assert (
                conn.execute(
                    sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                ).scalar()
                is False
            )
            # under row-level security: nothing without a setting, the city with `*`
            assert conn.execute(sa.text("SELECT count(*) FROM beneficiaries")).scalar() == 0
            conn.execute(sa.text("SELECT set_config('warmth.districts', '*', true)"))
            assert conn.execute(sa.text("SELECT count(*) FROM beneficiaries")).scalar() > 0
        for ddl in ("CREATE TABLE intruder (x int)", "DROP TABLE quarantine",
                    "ALTER TABLE users ADD COLUMN x int", "DELETE FROM audit_log",
                    "UPDATE alembic_version SET version_num = 'x'"):  # fmt: skip
            with (
                engine.connect() as conn,
                pytest.raises(sa.exc.ProgrammingError, match="permission denied|must be owner"),
            ):
                conn.execute(sa.text(ddl))
    finally:
        engine.dispose()


def _sessions(stack) -> list[int]:  # noqa: F811
    return [active_sessions(stack.replica_url(i)) for i in range(len(stack.replica_ports))]


def test_a_replica_killed_mid_session_hands_the_viewer_to_another(page, stack):  # noqa: F811
    before = _sessions(stack)
    page.goto(f"{stack.url}/districts?lang=en&district=310104")
    heading = page.locator(".js-plotly-plot").filter(has_text="Xuhui District")
    expect(heading.first).to_be_visible(timeout=60_000)
    wait_idle(page)
    grew = [now - then for now, then in zip(_sessions(stack), before, strict=True)]
    assert sorted(grew) == [0, 1], grew  # one replica holds this viewer
    serving = grew.index(1)
    other = 1 - serving
    left = active_sessions(stack.replica_url(other))
    stack.kill_replica(serving)
    try:
        for _ in range(120):  # the page reconnects by itself, through nginx, to the other
            if active_sessions(stack.replica_url(other)) > left:
                break
            page.wait_for_timeout(500)
        assert active_sessions(stack.replica_url(other)) > left
        wait_idle(page)
        # the view drawn again from the URL: the same district, in the same language
        expect(heading.first).to_be_visible(timeout=60_000)
        expect(page.locator('[data-testid="stMetric"]').first).to_be_visible(timeout=60_000)
        assert "district=310104" in page.url and "lang=en" in page.url
        assert not page.locator('[data-testid="stException"]').count()
    finally:
        stack.start_replica(serving)
        stack.wait_ready(serving)
