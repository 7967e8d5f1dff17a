"""Presentation mode in AppTest: the slide from the URL, Previous / Next, auto-advance from
the URL, small counts as "<5"; and the pure parts (URL values, the timer, the slides)."""

from __future__ import annotations

import json

import pytest

from components import clicker, present
from tests.test_pages import run
from warmth import i18n
from warmth.briefing import deck

pytestmark = pytest.mark.usefixtures("demo_db")


def title(at) -> str:
    return at.title[0].value


def html_text(at) -> str:
    return " ".join(el.proto.body for el in at.get("html"))


def counter(at) -> str:
    """The slide's counter, which the clicker's component draws (components/clicker.py)."""
    (found,) = [e for e in at.get("bidi_component") if e.proto.component_name == "warmth_clicker"]
    return json.loads(found.proto.json)["counter"]


@pytest.mark.parametrize(
    ("raw", "expected"), [("3", 3), ("8", 8), ("1", 1), ("0", 1), ("9", 1), ("x", 1), (None, 1)]
)
def test_slide_number_from_the_url(raw, expected):
    assert present.slide_number(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("30", 30),
        ("5", 5),
        ("3600", 3600),
        ("4", None),
        ("3601", None),
        ("abc", None),
        (None, None),
    ],
)
def test_every_from_the_url(raw, expected):
    assert present.every_seconds(raw) == expected


@pytest.mark.parametrize(
    ("shown_at", "now", "every", "expected"),
    [(0, 29.6, 30, True), (0, 29.0, 30, False), (0, 100, None, False), (10, 45, 30, True)],
)
def test_the_timer_advances_only_when_due(shown_at, now, every, expected):
    assert present.due(shown_at, now, every) is expected


def test_the_slides_are_the_meeting_sequence():
    assert deck.SLIDES == (
        "headline", "map", "behind", "departments", "categories", "gaps", "timeline",
        "quality",
    )  # fmt: skip


def test_present_mode_shows_the_slide_from_the_url_without_the_pages():
    at = run(query={"present": "1", "slide": "3", "lang": "en"})
    assert title(at) == i18n.t("present_slide_behind", "en")
    assert counter(at) == "3 / 8"
    meta = html_text(at)
    assert "Scope: Whole city" in meta and "Data as of" in meta and "Filters:" in meta
    assert not at.get("plotly_chart")  # the behind-pace slide is tables only


def test_next_and_previous_move_between_slides():
    at = run(query={"present": "1", "lang": "zh"})
    assert title(at) == i18n.t("present_slide_headline", "zh")
    at.button(key="present_next").click().run()
    assert title(at) == i18n.t("present_slide_map", "zh")
    assert len(at.get("plotly_chart")) == 2
    assert counter(at) == "2 / 8"
    at.button(key="present_next").click().run()
    assert title(at) == i18n.t("present_slide_behind", "zh")
    at.button(key="present_prev").click().run()
    assert title(at) == i18n.t("present_slide_map", "zh")
    assert at.query_params["slide"] == "2"
    at.button(key="present_exit").click().run()
    assert "present" not in at.query_params
    assert at.title[0].value != i18n.t("present_slide_map", "zh")  # back on the overview


def test_every_from_the_url_turns_on_auto_advance():
    at = run(query={"present": "1", "every": "30", "lang": "en"})
    assert i18n.t("present_every", "en", s=30) in [c.value for c in at.caption]
    off = run(query={"present": "1", "every": "2", "lang": "en"})
    assert not any("Next slide every" in c.value for c in off.caption)


def test_every_slide_runs_in_both_languages():
    for lang in ("zh", "en"):
        for n, slide in enumerate(deck.SLIDES, start=1):
            at = run(query={"present": "1", "slide": str(n), "lang": lang})
            assert title(at) == deck.title(slide, lang)
            charts = len(at.get("plotly_chart"))
            assert charts == {"headline": 0, "behind": 0, "gaps": 1, "quality": 0}.get(slide, 2), (
                slide
            )


def test_counts_of_one_to_four_show_as_under_five():
    # the demo's 三八红旗手 (HQS): 5 eligible, 4 reached, 1 omitted
    at = run(query={"present": "1", "cats": "HQS", "lang": "en"})
    tiles = html_text(at)
    reached, omitted = deck.label("reached", "en"), deck.label("omitted", "en")
    assert f'{reached}</div><div class="value">&lt;5<' in tiles
    assert f'{omitted}</div><div class="value">&lt;5<' in tiles
    assert '<div class="value">5<' in tiles  # 5 eligible is shown as it is


@pytest.mark.parametrize(
    ("seen", "pressed", "step", "now"),
    [
        (None, ["a", 1], 1, ("a", 1)),  # the page's first key
        (("a", 1), ["a", 2], 1, ("a", 2)),  # the next
        (("a", 2), ["a", 1], -1, ("a", 1)),  # back
        (("a", 1), ["a", 4], 3, ("a", 4)),  # three presses sent as one by a busy server
        (("a", 4), ["b", 1], 1, ("b", 1)),  # a reloaded page counts from 0
        (("a", 4), ["a", 4], 0, ("a", 4)),  # nothing new
        (("a", 4), None, 0, ("a", 4)),  # not a (page, total)
        (("a", 4), ["a", "x"], 0, ("a", 4)),
    ],
)
def test_each_key_a_clicker_sends_moves_one_slide(seen, pressed, step, now):
    assert clicker.moved(seen, pressed) == (step, now)
