"""The briefing as an A4 PDF (fpdf2), in the slides' order: title (campaign, as-of day, scope,
filters), headline figures and the pacing verdict, the slides' charts drawn on the server
(warmth.briefing.render), the behind-pace tables with omission counts, the gaps summary,
the data-quality scorecard (its four numbers and the districts with an issue) and the
definitions, from metrics.DEFINITIONS; every page numbered and stamped with the time it
was made.

Chinese is set in Debian's Noto Sans CJK SC (fonts-noto-cjk), embedded as a subset with a
ToUnicode map so that its text can be searched and copied out. The font is OpenType with
CFF outlines inside a collection (.ttc), which reportlab cannot embed; fpdf2 can. fpdf2 is
given the face cut down to the briefing's characters (warmth.briefing.fonts), kept between
runs, instead of the whole collection.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from datetime import datetime
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from fpdf import FPDF
from fpdf.fonts import FontFace

from warmth import figures, formatting, i18n, metrics
from warmth.briefing import deck, fonts, render
from warmth.briefing.facts import Facts
from warmth.figures import tiles

INK, GREY = (51, 51, 51), (110, 110, 110)
PACE = {"behind": (198, 40, 40), "on_track": (46, 125, 50)}
CHART_PX = 900  # the width charts are drawn at (CSS pixels), at scale 2
# JPEG (quality 0.92, at scale 2 the text is clean): the PDF holds it as it is, where a PNG
# with its alpha channel is decoded, split and compressed again, 0.1 s a chart
PICTURES = "jpeg"
STREET_ROWS = 40  # behind-pace streets listed; the rest counted


class Briefing(FPDF):
    """An A4 page with the footer every page of a briefing carries."""

    def __init__(self, footer: Callable[[int], str], faces: dict[str, Path] | None = None):
        """faces: a font file per style (fonts.face); None: the whole collections."""
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self._footer = footer
        for style in fonts.FONTS:
            if faces is None:
                self.add_font(
                    "noto", style, str(fonts.source(style)), collection_font_number=fonts.SC
                )
            else:
                self.add_font("noto", style, str(faces[style]))
        # The subset keeps the whole font's bounding box (a box that holds every glyph is
        # still right) instead of fontTools drawing each glyph again to measure it: 0.45 s
        for font in self.fonts.values():
            font.ttfont.recalcBBoxes = False
        self.set_auto_page_break(auto=True, margin=16)
        self.set_margins(15, 14, 15)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("noto", "", 8)
        self.set_text_color(*GREY)
        self.cell(0, 5, self._footer(self.page_no()), align="C")


def _heading(pdf: Briefing, text: str, size: int = 14) -> None:
    pdf.set_font("noto", "B", size)
    pdf.set_text_color(*INK)
    pdf.ln(2)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _text(pdf: Briefing, text: str, size: float = 10, colour=INK, style: str = "") -> None:
    pdf.set_font("noto", style, size)
    pdf.set_text_color(*colour)
    pdf.multi_cell(0, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")


CAPTION_ROOM = 30  # mm: a table's caption, its header and its first rows, on one page


def _room(pdf: Briefing) -> None:
    """A new page when what follows would start at this one's foot and go on on the next
    (a table's caption, or a heading, left alone at the bottom of a page)."""
    if pdf.get_y() + CAPTION_ROOM > pdf.page_break_trigger:
        pdf.add_page()


def _caption(pdf: Briefing, text: str) -> None:
    """A table's caption in bold, on the page its table starts on."""
    _room(pdf)
    _text(pdf, text, style="B")


def _table(pdf: Briefing, rows: list[list[str]], widths: tuple[int, ...], names: int = 1) -> None:
    """A text table (deck.text_table): the first `names` columns left, figures right."""
    pdf.set_font("noto", "", 9)
    pdf.set_text_color(*INK)
    head = FontFace(emphasis="BOLD", fill_color=(235, 235, 235))
    with pdf.table(
        col_widths=widths,
        headings_style=head,
        line_height=5,
        text_align=["LEFT"] * names + ["RIGHT"] * (len(widths) - names),
        first_row_as_headings=True,
    ) as table:
        for row in rows:
            line = table.row()
            for cell in row:
                line.cell(cell)
    pdf.ln(2)


def _images(pdf: Briefing, pictures: list[bytes], heights: list[int]) -> None:
    width = pdf.epw
    for png, height in zip(pictures, heights, strict=True):
        pdf.image(io.BytesIO(png), w=width, h=width * height / CHART_PX)
        pdf.ln(2)


def _headline(pdf: Briefing, facts: Facts, lang: str) -> None:
    h = facts.headline
    word, gap = deck.verdict(h, lang)
    _heading(pdf, deck.title("headline", lang))
    status = h.get("pacing_status")
    _text(
        pdf,
        f"{deck.label('pacing', lang)}: {word} {gap}".strip(),
        size=13,
        colour=PACE.get(status, INK),
        style="B",
    )
    rows = [[i18n.t("present_col_figure", lang), i18n.t("present_col_value", lang)]]
    rows += [[deck.label(k, lang), deck.value(k, h.get(k), lang)] for k in deck.HEADLINE]
    rows.append([i18n.t("dash_days_to_sf", lang), deck.days_left(h, lang)])
    _table(pdf, rows, (110, 70))


def _behind(pdf: Briefing, facts: Facts, lang: str) -> None:
    _heading(pdf, deck.title("behind", lang))
    districts = deck.behind_districts(facts, lang)
    if districts.empty:
        _text(pdf, i18n.t("present_behind_none", lang))
        return
    _caption(pdf, i18n.t("present_behind_districts", lang))
    _table(pdf, deck.text_table(districts, deck.BEHIND_COLUMNS, lang), (70, 35, 40, 35))
    streets = deck.behind_streets(facts, lang)
    if streets.empty:
        return
    _caption(pdf, i18n.t("present_behind_streets", lang))
    shown = streets.head(STREET_ROWS)
    _table(pdf, deck.text_table(shown, deck.STREET_COLUMNS, lang), (35, 50, 30, 35, 30), names=2)
    if len(streets) > len(shown):
        _text(pdf, i18n.t("present_more", lang, n=len(streets) - len(shown)), 9, GREY)


def _gaps(pdf: Briefing, facts: Facts, lang: str) -> None:
    _caption(pdf, i18n.t("briefing_gaps_summary", lang))
    rows = [[i18n.t("present_col_figure", lang), i18n.t("present_col_value", lang)]]
    rows += [[deck.label(k, lang), deck.value(k, facts.headline.get(k), lang)] for k in deck.GAPS]
    _table(pdf, rows, (110, 70))


def _quality(pdf: Briefing, facts: Facts, lang: str) -> None:
    pdf.add_page()
    _heading(pdf, deck.title("quality", lang))
    rows = [[i18n.t("present_col_figure", lang), i18n.t("present_col_value", lang)]]
    _table(pdf, rows + [list(pair) for pair in deck.quality_figures(facts, lang)], (110, 70))
    issues = deck.quality_issues(facts, lang)
    if issues.empty:
        _text(pdf, i18n.t("present_quality_none", lang))
    else:
        _caption(pdf, i18n.t("present_quality_districts", lang))
        rows = deck.text_table(issues, deck.QUALITY_COLUMNS, lang)
        _table(pdf, rows, (40, 28, 28, 30, 26, 28))
    _text(pdf, deck.quality_note(facts, lang), 9, GREY)


def _definitions(pdf: Briefing, lang: str) -> None:
    _room(pdf)
    _heading(pdf, i18n.t("briefing_definitions", lang))
    for name, text in deck.definitions(lang):
        _text(pdf, name, 9.5, style="B")
        _text(pdf, text, 9)
        pdf.ln(1)
    _text(pdf, i18n.t("present_small_note", lang), 9, GREY)


@dataclass(frozen=True)
class Document:
    pdf: bytes
    pages: int


def chart_figures(facts: Facts, lang: str) -> list[go.Figure]:
    """The slides' charts, in the slides' order, as the briefing draws them: each at its
    figure's height, the tile map's made tall enough for tiles of the slide's size."""
    slides = [c for s in deck.SLIDES for c in deck.charts(s, facts, lang)]
    return [figures.build(c.name, c.frame, **_printed(c)) for c in slides]


def _printed(chart: deck.Chart) -> dict:
    if chart.name != "tile_map":
        return chart.options
    return chart.options | {"height": tiles.fitting_height(chart.frame, chart.options["size"])}


def stamp(made: datetime | None = None) -> str:
    """When a briefing was made, as its pages say it (now, in local time, by default)."""
    return (made or datetime.now().astimezone()).strftime("%Y-%m-%d %H:%M %Z").strip()


def words(facts: Facts, lang: str):
    """Every text a briefing of facts in lang can be written from: its language's strings,
    the metrics' labels and definitions, the campaign's fields and the names in the figures."""
    for row in i18n.table().values():
        yield row[lang]
    for d in metrics.DEFINITIONS.values():
        yield from (d.label_zh, d.help_zh) if lang == "zh" else (d.label_en, d.help_en)
    yield from (str(v) for v in facts.campaign.values() if v is not None)
    for field in fields(facts):
        frame = getattr(facts, field.name)
        if isinstance(frame, pd.DataFrame):
            for column in frame.select_dtypes(include=["object", "string"]).columns:
                yield from (str(v) for v in frame[column].dropna().unique())


def faces(facts: Facts, lang: str) -> dict[str, Path]:
    """The font file per style for a briefing of facts (fonts.face: made once, then kept)."""
    chars = fonts.characters(words(facts, lang))
    return {style: fonts.face(style, chars) for style in fonts.FONTS}


def new(lang: str, made: str, faces: dict[str, Path] | None = None) -> Briefing:
    """An empty briefing, its fonts loaded and its footer saying when it was made."""
    footer = lambda n: i18n.t("briefing_footer", lang, n=n, total="{nb}", at=made)  # noqa: E731
    return Briefing(footer, faces)


def missing(pdf: Briefing) -> bool:
    """Did the briefing meet a character its fonts lack?"""
    return any(getattr(f, "missing_glyphs", None) for f in pdf.fonts.values())


def build(facts: Facts, lang: str, *, made: datetime | None = None) -> Document:
    """The briefing of these facts in lang: with the cut faces, or, when a text held a
    character they lack, written again with the whole fonts."""
    at = stamp(made)
    figs = chart_figures(facts, lang)
    with ThreadPoolExecutor(max_workers=1) as pool:  # the browser draws while fonts load
        drawn = pool.submit(render.pictures, figs, width=CHART_PX, fmt=PICTURES)
        pdf = new(lang, at, faces(facts, lang))
        pictures = drawn.result()
    made_doc = write(pdf, facts, lang, figs, pictures, at)
    if not missing(pdf):
        return made_doc
    return write(new(lang, at), facts, lang, figs, pictures, at)


def write(
    pdf: Briefing, facts: Facts, lang: str, figs: list[go.Figure], pictures: list[bytes], at: str
) -> Document:
    """The pages of the briefing written into pdf: figs (chart_figures) drawn as pictures."""
    pictures_left = iter(pictures)
    heights = iter(int(f.layout.height) for f in figs)
    pdf.set_title(i18n.t("briefing_title", lang))
    pdf.set_creator("warmth")
    pdf.add_page()
    _heading(pdf, i18n.t("briefing_title", lang), 18)
    _text(pdf, facts.campaign[f"name_{lang}"], 12, style="B")
    _text(pdf, i18n.t("briefing_as_of", lang, day=formatting.day(facts.as_of, lang)), 10)
    _text(pdf, i18n.t("briefing_scope", lang, scope=deck.scope_text(facts, lang)), 10)
    _text(pdf, i18n.t("briefing_filters", lang, filters=deck.filters_text(facts, lang)), 9, GREY)
    _text(pdf, i18n.t("briefing_made", lang, at=at), 9, GREY)
    for slide in deck.SLIDES:
        if slide == "headline":
            _headline(pdf, facts, lang)
            continue
        if slide == "behind":
            _behind(pdf, facts, lang)
            continue
        if slide == "quality":
            _quality(pdf, facts, lang)
            continue
        charts = deck.charts(slide, facts, lang)
        pdf.add_page()
        _heading(pdf, deck.heading(slide, facts, lang))
        if slide == "departments":
            _text(pdf, deck.reporting_note(facts, lang), 9.5)
        _images(pdf, [next(pictures_left) for _ in charts], [next(heights) for _ in charts])
        if slide == "gaps":
            _gaps(pdf, facts, lang)
    _definitions(pdf, lang)
    return Document(bytes(pdf.output()), pdf.pages_count)
