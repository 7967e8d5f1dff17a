"""Presentation mode in Debian's Chromium: every slide at 1280×720, 1920×1080 and 3840×2160
in both languages fits the screen (a figure or heading cut by CSS keeps its full text in the DOM,
so each one's scrollWidth is compared with its clientWidth; nothing is wider than the
viewport, nothing runs below it), the charts' type grows with the screen like the rest of
the slide's, and the clicker's keys move between slides."""

from __future__ import annotations

import os

import pytest

from tests.browser_support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, start_app
from warmth.briefing import deck

pytestmark = pytest.mark.browser

if not os.path.exists(CHROMIUM):
    pytest.skip(
        "Debian's chromium is not installed (scripts/test.sh installs it)", allow_module_level=True
    )

from playwright.sync_api import expect  # noqa: E402

SIZES = ((1280, 720), (1920, 1080), (3840, 2160))
CHARTS = {"headline": 0, "behind": 0, "gaps": 1, "quality": 0}  # the others have two
FITS = """() => {
  const vw = document.documentElement.clientWidth, vh = window.innerHeight;
  const cut = [];
  const selector = 'h1, h2, h3, .js-plotly-plot, .present-tile .value, .present-tile .label,'
    + ' .present-table th, .present-table td, .present-meta, button';
  for (const el of document.querySelectorAll(selector)) {
    if (el.offsetParent === null) continue;  // the hidden PageUp / PageDown buttons
    const box = el.getBoundingClientRect();
    if (el.scrollWidth > el.clientWidth + 1) cut.push(['cut', el.textContent.slice(0, 30)]);
    if (box.right > vw + 1) cut.push(['wider than the screen', el.textContent.slice(0, 30)]);
    if (box.bottom > vh + 1) cut.push(['below the screen', el.textContent.slice(0, 30)]);
  }
  if (document.documentElement.scrollWidth > vw) cut.push(['page wider than the screen', '']);
  return cut;
}"""


CHART_TYPE = """() => Array.from(document.querySelectorAll('.js-plotly-plot .gtitle'))
  .map(el => parseFloat(getComputedStyle(el).fontSize))"""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="module")
def app_url(demo_db, tmp_path_factory):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    proc, url = start_app(demo_db, tmp_path_factory.mktemp("present") / "app.log")
    yield url
    proc.terminate()
    proc.wait(timeout=20)


def _on_slide(page, n: int, slide: str) -> None:
    expect(page.get_by_text(f"{n} / {len(deck.SLIDES)}", exact=True)).to_be_visible(timeout=60_000)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
    expect(page.locator(".js-plotly-plot")).to_have_count(CHARTS.get(slide, 2), timeout=30_000)
    page.wait_for_timeout(600)  # plotly lays out after it is drawn


def fits(page, settle_s: float = 10.0) -> list:
    """What is cut or off the screen once the slide has settled: on a busy machine the
    screen-size rerun may still be laying the slide out when it is first drawn, so what is
    cut is asked again for a few seconds; a slide that stays cut fails."""
    cut = page.evaluate(FITS)
    waited = 0.0
    while cut and waited < settle_s:
        page.wait_for_timeout(500)
        waited += 0.5
        cut = page.evaluate(FITS)
    return cut


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_slide_fits_the_screen_and_the_keys_move(page, app_url, lang):
    titles = {}  # the charts' title sizes on the map slide, per screen
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{app_url}/?present=1&lang={lang}&slide=1")
        for n, slide in enumerate(deck.SLIDES, start=1):
            _on_slide(page, n, slide)
            assert fits(page) == [], (lang, width, slide)
            if slide == "map":
                titles[width] = page.evaluate(CHART_TYPE)
            page.screenshot(path=str(ARTIFACTS / f"present_{n}_{slide}_{lang}_{width}.png"))
            if n < len(deck.SLIDES):  # the arrow and the clicker's PageDown, in turn
                page.keyboard.press("ArrowRight" if n % 2 else "PageDown")
        last = len(deck.SLIDES)
        assert f"slide={last}" in page.url
        page.keyboard.press("ArrowLeft")
        _on_slide(page, last - 1, deck.SLIDES[last - 2])
        page.keyboard.press("PageUp")
        _on_slide(page, last - 2, deck.SLIDES[last - 3])
        assert f"slide={last - 2}" in page.url
    base = titles[SIZES[0][0]]
    assert len(base) == 2
    for width, height in SIZES[1:]:
        k = deck.type_scale(width, height)
        assert titles[width] == pytest.approx([size * k for size in base], rel=0.02), width


# Each tile's label (an SVG text of the map) against its tile (an SVG shape), and how much of
# the chart's plot area the tiles take: DOM widths cannot see a name cut inside its tile.
TILES = """() => {
  const plot = document.querySelector('.js-plotly-plot');
  const tiles = Array.from(plot.querySelectorAll('.shapelayer path'))
    .map(p => p.getBoundingClientRect());
  const labels = Array.from(plot.querySelectorAll('.scatterlayer .textpoint text'));
  const out = {tiles: tiles.length, cut: [], side: [], fill: 0};
  for (const text of labels) {
    const b = text.getBoundingClientRect();
    const cx = (b.left + b.right) / 2, cy = (b.top + b.bottom) / 2;
    const t = tiles.find(t => t.left <= cx && cx <= t.right && t.top <= cy && cy <= t.bottom);
    if (!t || b.left < t.left || b.right > t.right || b.top < t.top || b.bottom > t.bottom)
      out.cut.push(text.textContent);
  }
  out.side = tiles.map(t => t.width);
  const L = plot._fullLayout, box = plot.getBoundingClientRect();
  const span = (lo, hi) => Math.max(...tiles.map(hi)) - Math.min(...tiles.map(lo));
  out.fill = Math.max(
    span(t => t.left, t => t.right) / (box.width - L.margin.l - L.margin.r),
    span(t => t.top, t => t.bottom) / (box.height - L.margin.t - L.margin.b));
  return out;
}"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_tile_map_fills_its_slide_with_every_name_whole(page, app_url, lang):
    """At every screen size the map takes its half of the slide (it was drawn at half its
    size at 3840×2160 under type grown three times), and each district's name and coverage
    sit inside its tile."""
    n = deck.SLIDES.index("map") + 1
    sides = {}
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.goto(f"{app_url}/?present=1&lang={lang}&slide={n}")
        _on_slide(page, n, "map")
        grown = 20 * deck.type_scale(width, height) - 0.5  # the charts' title, once grown
        page.wait_for_function(
            f"() => parseFloat(getComputedStyle(document.querySelector('.gtitle')).fontSize)"
            f" >= {grown}"
        )
        page.wait_for_timeout(600)
        found = page.evaluate(TILES)
        page.screenshot(path=str(ARTIFACTS / f"present_tiles_{lang}_{width}.png"))
        assert found["tiles"] == 19, (lang, width)
        assert found["cut"] == [], (lang, width)
        assert found["fill"] > 0.9, (lang, width, found["fill"])
        sides[width] = min(found["side"])
    for width, height in SIZES[1:]:  # the tiles grow with the type
        k = deck.type_scale(width, height)
        assert sides[width] >= 0.95 * k * sides[SIZES[0][0]], (lang, width, sides)


# ms after the first slide is drawn: at once (the screen-size rerun not yet started), while
# that rerun runs, and after it
KEY_DELAYS = (0, 50, 150, 300, 600, 1200, 2500)


@pytest.mark.parametrize("key", ["ArrowRight", "PageDown"])
def test_a_key_pressed_at_any_time_after_a_slide_appears_moves_one_slide(browser, app_url, key):
    for delay in KEY_DELAYS:
        page = browser.new_page(viewport={"width": 1920, "height": 1080})  # a new session
        try:
            page.goto(f"{app_url}/?present=1&lang=en&slide=1")
            counter = page.get_by_text(f"1 / {len(deck.SLIDES)}", exact=True)
            expect(counter).to_be_visible(timeout=60_000)
            page.wait_for_timeout(delay)
            page.keyboard.press(key)
            second = page.get_by_text(f"2 / {len(deck.SLIDES)}", exact=True)
            expect(second, f"{key} {delay} ms after the slide").to_be_visible(timeout=30_000)
            page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]')
            page.wait_for_timeout(1500)  # and it stays there: one press, one slide
            assert page.get_by_text(f"2 / {len(deck.SLIDES)}", exact=True).is_visible(), delay
            assert "slide=2" in page.url, (delay, page.url)
        finally:
            page.close()
