"""The data-quality slide (issue 12): the scorecard's four numbers as warmth.quality.summary
gives them for the demo city, in both languages, the districts with an issue in a table,
the scope and filters line as on every slide; and the same page in the briefing."""

from __future__ import annotations

import html

import pypdfium2
import pytest

from tests.test_pages import run
from tests.test_present import counter, html_text, title
from warmth import formatting, i18n, quality
from warmth.briefing import deck, pdf
from warmth.briefing.facts import gather
from warmth.database import make_engine
from warmth.scope import Filters, city_scope

pytestmark = pytest.mark.usefixtures("demo_db")
N = deck.SLIDES.index("quality") + 1


@pytest.fixture(scope="module")
def card(demo_db):
    engine = make_engine(demo_db)
    with engine.connect() as conn:
        out = quality.scorecard(conn, city_scope(conn), Filters())
    engine.dispose()
    return out


def _tile(label: str, value: str) -> str:
    return f'{html.escape(label)}</div><div class="value">{html.escape(value)}<'


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_quality_slide_shows_the_scorecards_four_numbers(card, lang):
    shown = quality.summary(card)
    at = run(query={"present": "1", "slide": str(N), "lang": lang})
    assert title(at) == i18n.t("present_slide_quality", lang)
    assert counter(at) == f"{N} / {len(deck.SLIDES)}"
    body = html_text(at)
    for key in deck.QUALITY:
        n = shown[key]
        text = formatting.small_count(n, lang) if key == "outliers" else str(n)
        assert _tile(i18n.t(f"quality_{key}", lang), text) in body, key
    scope = i18n.t("briefing_scope", lang, scope=i18n.t("present_scope_city", lang))
    assert html.escape(scope) in body and not at.get("plotly_chart")


def test_the_table_lists_only_the_districts_with_an_issue(card):
    at = run(query={"present": "1", "slide": str(N), "lang": "zh"})
    body = html_text(at)
    flagged = card["consistency_flag"].map(lambda v: v is not None and v == v and bool(v))
    bad = (
        (card["completeness"] < 1)
        | (card["late_records"] > 0)
        | flagged
        | (card["outlier_records"] > 0)
    )
    assert bad.any()  # the demo city has outlier amounts
    for name, issue in zip(card["name_zh"], bad, strict=True):
        assert (f"<td class=name>{name}</td>" in body) is bool(issue), name
    assert html.escape(deck.label("unmatched_share", "zh")) in body
    assert "&lt;5" in body  # the outlier counts of those districts are 1 to 4


def test_the_briefing_holds_the_quality_page(demo_db, card):
    engine = make_engine(demo_db)
    with engine.connect() as conn:
        facts = gather(conn, city_scope(conn), Filters())
    engine.dispose()
    assert facts.scorecard.equals(card)  # the slides' facts hold the same scorecard
    doc = pdf.Briefing(lambda n: str(n))
    pdf._quality(doc, facts, "en")  # the briefing's page, without the charts to draw
    read = pypdfium2.PdfDocument(bytes(doc.output()))
    text = " ".join(read[i].get_textpage().get_text_range() for i in range(len(read)))
    read.close()
    text = " ".join(text.split())
    assert deck.title("quality", "en") in text
    for label, value in deck.quality_figures(facts, "en"):
        assert f"{label} {value}" in text
