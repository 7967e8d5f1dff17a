"""Real-browser journeys in Debian's Chromium against the running app (first run included)."""

from __future__ import annotations

import os

import pytest

from tests.browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, start_app

pytestmark = pytest.mark.browser

if not os.path.exists(CHROMIUM):
    pytest.skip(
        "Debian's chromium is not installed (scripts/test.sh installs it)", allow_module_level=True
    )

from playwright.sync_api import expect  # noqa: E402


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1920, "height": 1080}, "locale": "zh-CN"}


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """The app started on a machine with no database: its first run creates the demo."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    folder = tmp_path_factory.mktemp("browser")
    proc, url = start_app(f"sqlite:///{folder / 'first-run.db'}", folder / "app.log")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def test_first_run_opens_on_the_overview_with_figures(page, app_url):
    page.goto(app_url)
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible(timeout=90_000)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
    metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert any(ch.isdigit() for text in metrics for ch in text), metrics
    page.screenshot(path=str(ARTIFACTS / "first_run_overview_zh.png"))
