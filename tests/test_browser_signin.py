"""Sign-in end to end in Debian's Chromium: OIDC against a local provider (oidc-provider-mock
on loopback, Streamlit's [auth] secrets pointing at it) signing in a district user and a
city administrator, each seeing what their scope allows, and signing out; a client's
identity header meaning nothing without the trusted-header mode; the audit page and the
refusal pages at 1280x720 in both languages."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.access_support import put_user
from tests.browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, free_port, start_app

pytestmark = pytest.mark.browser

if not os.path.exists(CHROMIUM):
    pytest.skip(
        "Debian's chromium is not installed (scripts/test.sh installs it)", allow_module_level=True
    )
oidc = pytest.importorskip("oidc_provider_mock")

from playwright.sync_api import expect  # noqa: E402

DISTRICT_USER, ADMIN = "two@district.gov", "admin@city.gov"
VIEWPORT = {"width": 1280, "height": 720}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="module")
def provider():
    with oidc.run_server_in_thread(port=free_port()) as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def oidc_app(demo_db, provider, tmp_path_factory):
    """The app on a copy of the demo database, sign-in through the provider."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    folder = tmp_path_factory.mktemp("oidc")
    db = folder / "warmth.db"
    shutil.copyfile(demo_db.removeprefix("sqlite:///"), db)
    url = f"sqlite:///{db}"
    put_user(url, DISTRICT_USER, "district", districts=("310101", "310104"))
    put_user(url, ADMIN, "city_admin")
    port = free_port()
    secrets = folder / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{port}/oauth2callback"\n'
        'cookie_secret = "test-only-cookie-secret"\n'
        'client_id = "warmth-test"\n'
        'client_secret = "test-only-client-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    proc, _ = start_app(url, folder / "app.log", port=port, args=("--secrets.files", str(secrets)))
    yield f"http://localhost:{port}"
    proc.terminate()
    proc.wait(timeout=20)


def sign_in(page, app: str, email: str) -> None:
    page.goto(app)
    page.get_by_role("button", name="Sign in").click()
    page.locator('input[name="sub"]').fill(email)  # the provider's own form
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_text(f"{email} ·")).to_be_visible(timeout=60_000)


def sign_out(page, out: str = "Sign out", back: str = "Sign in") -> None:
    """Sign out of the app, then of the provider (its end-session page), back to the app."""
    page.get_by_role("button", name=out).click()
    page.get_by_role("button", name="End session").click()
    expect(page.get_by_role("button", name=back)).to_be_visible(timeout=60_000)


def ticks(page, chart: str) -> list[str]:
    axis = page.locator(f".st-key-{chart} .js-plotly-plot .xaxislayer-above text")
    expect(axis.first).to_be_visible(timeout=60_000)
    return axis.evaluate_all("els => els.map(e => e.textContent)")


def test_oidc_sign_in_as_a_district_user_and_as_the_city(browser, oidc_app):
    forged = browser.new_context(
        viewport=VIEWPORT, locale="en-US", extra_http_headers={"X-Forwarded-Email": ADMIN}
    )
    page = forged.new_page()
    page.goto(oidc_app)  # the header is no sign-in: the mode is off
    expect(page.get_by_role("button", name="Sign in")).to_be_visible(timeout=60_000)
    assert page.locator(".js-plotly-plot").count() == 0
    forged.close()

    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    page = context.new_page()
    sign_in(page, oidc_app, DISTRICT_USER)
    assert ticks(page, "overview_district_bar") == ["Huangpu District", "Xuhui District"]
    assert page.get_by_role("link", name="Audit trail").count() == 0
    page.screenshot(path=str(ARTIFACTS / "signin_district_en.png"))
    sign_out(page)

    sign_in(page, oidc_app, ADMIN)
    assert len(ticks(page, "overview_district_bar")) == 19
    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", name="Audit trail")).to_be_visible(timeout=60_000)
    expect(page.locator('[data-testid="stDataFrame"]')).to_be_visible(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "audit_page_en.png"))
    page.get_by_text("中文", exact=True).click()
    expect(page.get_by_role("heading", name="审计记录")).to_be_visible(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "audit_page_zh.png"))
    sign_out(page, "退出登录", "Sign in")  # the language was the page's: back to the locale
    context.close()


def test_a_user_the_table_does_not_know_is_refused(browser, oidc_app):
    context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = context.new_page()
    page.goto(oidc_app)
    page.get_by_role("button", name="登录").click()
    page.locator('input[name="sub"]').fill("stranger@example.com")
    page.get_by_role("button", name="Authorize").click()
    expect(page.get_by_text("has no access")).to_be_visible(timeout=60_000)
    assert page.locator(".js-plotly-plot").count() == 0
    page.screenshot(path=str(ARTIFACTS / "signin_refused_zh.png"))
    context.close()


def test_a_real_database_without_sign_in_shows_the_refusal(browser, demo_db, tmp_path):
    import sqlalchemy as sa

    from warmth import schema
    from warmth.database import make_engine

    db = tmp_path / "real.db"
    shutil.copyfile(demo_db.removeprefix("sqlite:///"), db)
    engine = make_engine(f"sqlite:///{db}")
    with engine.begin() as conn:
        conn.execute(sa.update(schema.import_batches).values(kind="register"))  # not the demo
    engine.dispose()
    proc, url = start_app(f"sqlite:///{db}", tmp_path / "app.log", env={"WARMTH_SINGLE_USER": ""})
    try:
        for locale in ("en-US", "zh-CN"):
            context = browser.new_context(viewport=VIEWPORT, locale=locale)
            page = context.new_page()
            page.goto(url)
            expect(page.get_by_text("No sign-in is configured")).to_be_visible(timeout=60_000)
            assert page.locator(".js-plotly-plot").count() == 0
            page.screenshot(path=str(ARTIFACTS / f"no_sign_in_refused_{locale[:2]}.png"))
            context.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
