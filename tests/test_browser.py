"""Real-browser journeys in Debian's Chromium against the running app (first run included)."""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

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
    # the first run loads the demo of two campaigns (2004 and 2005) before the first figure
    expect(page.locator('[data-testid="stMetric"]').first).to_be_visible(timeout=240_000)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=30_000)
    metrics = page.locator('[data-testid="stMetricValue"]').all_inner_texts()
    assert any(ch.isdigit() for text in metrics for ch in text), metrics
    page.screenshot(path=str(ARTIFACTS / "first_run_overview_zh.png"))


CUT_CARDS = """() => [...document.querySelectorAll(
    '[data-testid=stMetricValue] *, [data-testid=stMetricLabel] *, [data-testid=stMetricDelta] *'
)].filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent)"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_headline_cards_keep_their_figures_whole_on_a_projector(browser, app_url, lang):
    """At 1280×720 with the sidebar open, the cards wrap onto more rows instead of cutting
    "3,020…" or "春节…" (a figure cut by CSS keeps its text in the DOM: compare widths)."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{app_url}/?lang={lang}")
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=240_000)
    expect(page.locator('[data-testid="stMetric"]')).to_have_count(10, timeout=60_000)
    wait_idle(page)
    page.wait_for_timeout(1000)  # the cards' layout settles after their text is drawn
    assert page.evaluate(CUT_CARDS) == []
    page.screenshot(path=str(ARTIFACTS / f"overview_cards_{lang}_1280.png"))
    page.close()


def wait_idle(page) -> None:
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')


def click_bar(page, chart_key: str, index: int) -> None:
    """Plotly's drag layer intercepts locator.click(): click the bar's centre with the mouse."""
    bars = page.locator(f".st-key-{chart_key} .js-plotly-plot g.trace.bars path")
    expect(bars.first).to_be_visible(timeout=60_000)
    box = bars.nth(index).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_click_a_district_then_a_street_reaches_its_people_and_the_csv_matches(page, app_url):
    page.goto(app_url)
    click_bar(page, "overview_district_bar", 0)
    expect(page).to_have_url(re.compile(r"/districts\?.*district=3101\d\d"), timeout=60_000)
    district = re.search(r"district=(\d{6})", page.url).group(1)
    page.screenshot(path=str(ARTIFACTS / "journey_district_zh.png"))

    click_bar(page, "districts_street_bar", 0)
    expect(page).to_have_url(re.compile(rf"street={district}\d{{3}}"), timeout=60_000)
    caption = page.get_by_text(re.compile(r"显示 [\d,]+ 人 / 共 [\d,]+ 人"))
    expect(caption).to_be_visible(timeout=60_000)
    shown = int(re.search(r"显示 ([\d,]+) 人", caption.inner_text()).group(1).replace(",", ""))
    page.screenshot(path=str(ARTIFACTS / "journey_street_zh.png"))

    with page.expect_download() as info:
        page.get_by_role("button", name=re.compile("下载 CSV")).last.click()
    raw = Path(info.value.path()).read_bytes()
    assert info.value.suggested_filename.endswith(".csv")
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:10]
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert len(rows) - 1 == shown
    ids = [r[0] for r in rows[1:]]
    assert ids and all(re.fullmatch(r"\d{6}\*{8}[\dX]{4}", v) for v in ids), ids[:3]


def test_a_charts_data_is_sent_when_its_expander_opens(page, app_url):
    page.goto(app_url)
    box = page.locator(".st-key-overview_district_bar_data")
    expect(page.locator(".st-key-overview_pacing .js-plotly-plot")).to_be_visible(timeout=120_000)
    expect(
        page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    ).to_have_count(1, timeout=60_000)  # the whole page drawn: no chart's table was sent with it
    expect(page.locator('[data-testid="stExpander"] [data-testid="stDataFrame"]')).to_have_count(0)
    box.get_by_text("数据与定义").click()
    expect(box.locator('[data-testid="stDataFrame"]')).to_be_visible(timeout=60_000)
    expect(box.get_by_role("button", name=re.compile("下载 CSV"))).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "overview_data_opened_zh.png"))
    with page.expect_download() as info:
        box.get_by_role("button", name=re.compile("下载 CSV")).click()
    rows = list(csv.reader(io.StringIO(Path(info.value.path()).read_bytes().decode("utf-8-sig"))))
    assert len(rows) - 1 == 19  # one row per district, as on screen


def test_the_overview_loads_no_data_grid_code_and_shows_the_districts_behind_pace(page, app_url):
    """The behind-pace list is a plain table: the page loads none of the data grid's scripts
    (about 1.3 MB) until a chart's data is opened."""
    scripts: list[str] = []
    page.on("request", lambda r: scripts.append(r.url) if r.url.endswith(".js") else None)
    page.goto(f"{app_url}/?asof=2005-01-20")
    behind = page.locator(".st-key-overview_behind table")
    expect(behind).to_be_visible(timeout=120_000)
    expect(page.locator(".st-key-overview_pacing .js-plotly-plot")).to_be_visible(timeout=60_000)
    wait_idle(page)
    assert behind.locator("tbody tr").count() >= 1
    assert page.locator('[data-testid="stDataFrame"]').count() == 0
    assert not [u for u in scripts if "/DataFrame." in u], scripts
    page.screenshot(path=str(ARTIFACTS / "overview_behind_zh.png"))


def test_switch_to_english_and_every_page_in_both_languages(page, app_url):
    page.goto(app_url)
    expect(page.get_by_text("帮困送温暖 · 总览")).to_be_visible(timeout=60_000)
    english = page.locator('[data-testid="stSidebar"]').get_by_text("English", exact=True)
    english.click(timeout=60_000)  # the sidebar may still be drawing on a busy machine
    expect(page.get_by_text("Holiday aid campaign · Overview")).to_be_visible(timeout=60_000)
    assert "lang=en" in page.url
    for lang in ("zh", "en"):
        for stem in ("", "districts", "departments", "categories", "timeline", "gaps", "data"):
            page.goto(f"{app_url}/{stem}?lang={lang}")
            expect(page.locator('[data-testid="stHeading"]').first).to_be_visible(timeout=60_000)
            wait_idle(page)
            page.wait_for_timeout(800)  # plotly draws after the script finishes
            assert not page.locator('[data-testid="stException"]').count()
            page.screenshot(path=str(ARTIFACTS / f"page_{stem or 'overview'}_{lang}.png"))


FITS_ITS_BOX = """() => {
  const table = document.querySelector('.st-key-overview_behind table');
  const box = table.closest('.warmth-static-table');
  const broken = Array.from(table.querySelectorAll('td:first-child')).filter(td => {
    const range = document.createRange();
    range.selectNodeContents(td);  // a name broken inside a word spans more lines than words
    return range.getClientRects().length > td.textContent.trim().split(/\\s+/).length;
  });
  return {table: table.getBoundingClientRect().width, box: box.clientWidth,
          scroll: box.scrollWidth, broken: broken.map(td => td.textContent)};
}"""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_districts_behind_pace_fit_their_column_at_1280(browser, app_url, lang):
    """At 1280×720 with the sidebar open the table's column is about 300 px: the table fits
    it (no sideways scrolling with no cue), and no name is broken inside a word (in Chinese,
    "浦/东/新/区" stood one character a line)."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        page.goto(f"{app_url}/?asof=2005-01-20&lang={lang}")
        behind = page.locator(".st-key-overview_behind table")
        expect(behind).to_be_visible(timeout=120_000)
        expect(page.locator(".st-key-overview_pacing .js-plotly-plot")).to_be_visible(
            timeout=60_000
        )
        wait_idle(page)
        got = page.evaluate(FITS_ITS_BOX)
        assert got["scroll"] <= got["box"] + 1, got
        assert got["broken"] == [], got
        behind.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / f"overview_behind_1280_{lang}.png"))
    finally:
        page.close()
