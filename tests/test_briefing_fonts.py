"""The briefing's cut fonts (warmth.briefing.fonts): a face holds the glyphs of the
characters asked for, is made once and then read from the cache folder, is named by the
source font file's digest and the characters; a briefing that meets a character its cut
face lacks is written again with the whole font, its Chinese still copyable."""

from __future__ import annotations

import shutil
from datetime import datetime

import pypdfium2
import pytest
from fontTools import ttLib

from warmth.briefing import facts as briefing_facts
from warmth.briefing import fonts, pdf
from warmth.database import make_engine
from warmth.scope import Filters, city_scope


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(fonts.CACHE_ENV_VAR, str(tmp_path / "cache"))
    return tmp_path / "cache" / "fonts"


def test_a_cut_face_holds_the_characters_asked_for_and_is_made_once(cache, monkeypatch):
    chars = fonts.characters(["帮困送温暖", "黄浦区 coverage"])
    path = fonts.face("", chars)
    assert path.parent == cache
    cut = ttLib.TTFont(path)
    cmap = cut.getBestCmap()
    assert {ord(c) for c in "帮困送温暖黄浦区coverage¥—"} <= set(cmap)
    assert ord("鑫") not in cmap  # not asked for
    assert cut["maxp"].numGlyphs < 600  # of the whole face's 65,535
    assert path.stat().st_size < 200_000

    def refused(*args):
        raise AssertionError("cut again instead of read from the cache folder")

    monkeypatch.setattr(fonts, "_cut", refused)
    assert fonts.face("", chars) == path
    assert fonts.face("", fonts.characters(["黄浦区 coverage", "帮困送温暖"])) == path
    with pytest.raises(AssertionError, match="cut again"):  # other characters: another face
        fonts.face("", fonts.characters(["鑫"]))


def test_a_new_font_file_makes_a_new_face(cache, tmp_path, monkeypatch):
    chars = fonts.characters(["帮困"])
    before = fonts.face("", chars)
    local = tmp_path / "noto"
    local.mkdir()
    shutil.copyfile(fonts.source(""), local / fonts.FONTS[""])
    with open(local / fonts.FONTS[""], "ab") as fh:  # another file: another digest
        fh.write(b"\0" * 4)
    monkeypatch.setattr(fonts, "FONT_DIR", local)
    after = fonts.face("", chars)
    assert after != before and after.exists() and before.exists()


def test_the_cache_keeps_the_newest_faces(cache, monkeypatch):
    monkeypatch.setattr(fonts, "KEPT", 2)
    made = [fonts.face("", fonts.characters([c])) for c in "一二三"]
    assert sorted(p.name for p in cache.glob("*.otf")) == sorted(p.name for p in made[1:])


def _text(data: bytes) -> str:
    doc = pypdfium2.PdfDocument(data)
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def test_a_character_the_cut_face_lacks_writes_the_briefing_with_the_whole_font(
    demo_db, cache, monkeypatch
):
    with make_engine(demo_db).connect() as conn:
        found = briefing_facts.gather(conn, city_scope(conn), Filters())
    figs, pictures = [], []
    monkeypatch.setattr(pdf, "chart_figures", lambda facts, lang: figs)
    monkeypatch.setattr(pdf.render, "pictures", lambda f, **kw: pictures)
    monkeypatch.setattr(pdf.deck, "charts", lambda slide, facts, lang, **kw: [])
    at = datetime(2005, 1, 25, 9, 0).astimezone()
    whole = pdf.build(found, "zh", made=at)
    faces = pdf.faces
    # as if the words had missed the Chinese: faces cut to ASCII only
    ascii_only = {s: fonts.face(s, fonts.characters([])) for s in fonts.FONTS}
    monkeypatch.setattr(pdf, "faces", lambda facts, lang: ascii_only)
    cut_short = pdf.build(found, "zh", made=at)
    text = _text(cut_short.pdf)
    assert "帮困送温暖工作简报" in text and "口径说明" in text
    assert text == _text(whole.pdf)
    assert cut_short.pages == whole.pages
    # and with the faces made from the briefing's words, nothing is missing
    written = pdf.new("zh", "now", faces(found, "zh"))
    pdf.write(written, found, "zh", figs, pictures, "now")
    assert not pdf.missing(written)
