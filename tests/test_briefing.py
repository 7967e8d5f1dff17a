"""The briefing (warmth briefing / warmth.briefing): an A4 PDF whose text can be read back,
in Chinese, with the figures `warmth report coverage` prints for the same request; a
district's briefing holds that district only; every briefing is audited; its pages render;
a chart drawn on the server is a PNG of the screen's chart."""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import pdfplumber
import pypdfium2
import pytest
import sqlalchemy as sa

from tests.browser_support import ARTIFACTS
from warmth import cli, formatting, queries, schema
from warmth.briefing import deck, render
from warmth.briefing import facts as briefing_facts
from warmth.commands import report
from warmth.database import make_engine
from warmth.figures import charts
from warmth.scope import Filters, city_scope

A4 = (595.28, 841.89)  # points
DISTRICT = "310101"  # 黄浦区


def _text(path) -> str:
    doc = pypdfium2.PdfDocument(str(path))
    try:
        return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    finally:
        doc.close()


def _report(url: str, *args: str) -> dict:
    """`warmth report coverage --by city --format json` for the same request, its one row."""
    out = io.StringIO()
    parsed = cli.build_parser().parse_args(
        ["report", "coverage", "--by", "city", "--format", "json", "--db", url, *args]
    )
    report.run(parsed, out=out)
    return json.loads(out.getvalue())[0]


@pytest.fixture(scope="module")
def warm_browser():
    """One browser for the module's briefings and charts: the command line closes its own
    when it is done; here the next one would only start it again."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(render, "stop", lambda: None)
        yield
    render.stop()


@pytest.fixture(scope="module")
def made(demo_db, tmp_path_factory, warm_browser):
    """The city's and one district's briefing in Chinese, made on the command line."""
    folder = tmp_path_factory.mktemp("briefing")
    paths = {"city": folder / "city.pdf", "district": folder / f"{DISTRICT}.pdf"}
    assert cli.main(["briefing", "--db", demo_db, "--lang", "zh", "--out", str(paths["city"])]) == 0
    args = ["briefing", "--db", demo_db, "--lang", "zh", "--district", DISTRICT]
    assert cli.main([*args, "--out", str(paths["district"])]) == 0
    return paths


def _districts(url: str) -> dict[str, str]:
    with make_engine(url).connect() as conn:
        rows = conn.execute(sa.select(schema.districts.c.code, schema.districts.c.name_zh))
        return dict(rows.all())


def test_every_page_is_a4_and_the_font_is_embedded(made):
    for path in made.values():
        with pdfplumber.open(path) as pdf:
            assert len(pdf.pages) >= 5
            for page in pdf.pages:
                assert (round(page.width, 2), round(page.height, 2)) == A4
        raw = path.read_bytes()
        assert b"/FontFile3" in raw and b"/ToUnicode" in raw and b"NotoSansCJKSC" in raw


def test_the_city_briefing_reads_back_with_the_report_s_figures(made, demo_db):
    text = _text(made["city"])
    assert "帮困送温暖工作简报" in text
    assert "2005年元旦春节帮困送温暖" in text
    assert "范围：全市" in text
    row = _report(demo_db)
    for key in ("eligible", "reached", "omitted", "repeat_beneficiaries", "leakage_beneficiaries"):
        assert formatting.small_count(row[key], "zh") in text, key
    assert formatting.percent(row["coverage"], "zh") in text
    assert formatting.yuan(row["amount_yuan"], "zh") in text
    assert "第 1 页，共" in text and "生成于" in text
    assert "口径说明" in text and "覆盖率" in text
    # the behind-pace table names its districts in Chinese
    with make_engine(demo_db).connect() as conn:
        facts = briefing_facts.gather(conn, city_scope(conn), Filters())
    behind = deck.behind_districts(facts, "zh")
    assert len(behind) > 0
    for name in behind["name_zh"]:
        assert name in text


def test_a_district_briefing_holds_that_district_only(made, demo_db):
    text = _text(made["district"])
    names = _districts(demo_db)
    assert f"范围：{names[DISTRICT]}" in text
    others = [n for code, n in names.items() if code != DISTRICT and n in text]
    assert others == []
    row = _report(demo_db, "--district", DISTRICT)
    for key in ("eligible", "reached", "omitted"):
        assert formatting.small_count(row[key], "zh") in text, key
    assert formatting.percent(row["coverage"], "zh") in text


def test_every_briefing_is_audited(made, demo_db):
    with make_engine(demo_db).connect() as conn:
        rows = conn.execute(
            sa.select(schema.audit_log.c.scope, schema.audit_log.c.detail).where(
                schema.audit_log.c.action == "export"
            )
        ).all()
    briefings = [(scope, json.loads(detail)) for scope, detail in rows if "briefing" in detail]
    assert any(d["file"] == "city.pdf" and scope.startswith("city:") for scope, d in briefings)
    assert any(scope == f"district:{DISTRICT}" for scope, _ in briefings)
    assert all(d["format"] == "pdf" and d["via"] == "cli" for _, d in briefings)


def test_the_pages_render_to_png(made):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = ARTIFACTS / "briefing-city"
    subprocess.run(
        [shutil.which("pdftoppm") or "pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "2",
         str(made["city"]), str(stem)],
        check=True,
    )  # fmt: skip
    pages = sorted(ARTIFACTS.glob("briefing-city-*.png"))
    assert len(pages) == 2
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pages)


def test_an_unknown_district_is_one_line_and_exit_2(demo_db, tmp_path, capsys):
    out = tmp_path / "x.pdf"
    assert cli.main(["briefing", "--db", demo_db, "--district", "999999", "--out", str(out)]) == 2
    assert "999999" in capsys.readouterr().err
    assert not out.exists()


def test_a_chart_drawn_on_the_server_is_a_png_of_that_chart(demo_db, warm_browser):
    with make_engine(demo_db).connect() as conn:
        frame = queries.coverage(conn, city_scope(conn), Filters(), "district")
    fig = charts.coverage_bar(frame, by="district", title="各区县覆盖率", lang="zh")
    png = render.png(fig, width=600, height=300, scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (600, 300)


def test_a_briefing_reads_the_reference_tables_once_and_its_figures_are_unchanged(demo_db):
    """facts.gather asks a dozen queries of one request; they share one Catalogue
    (metrics.catalogue_held), and the figures are those of each query asked on its own."""
    engine = make_engine(demo_db)
    reads = []

    def count(conn, cursor, statement, *args):
        if "FROM categories" in statement and "programme_categories" not in statement:
            reads.append(statement)

    with engine.connect() as conn:
        scope = city_scope(conn)
        queries.headline(conn, scope, Filters())  # the snapshot loaded before counting
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            found = briefing_facts.gather(conn, scope, Filters())
            assert len(reads) == 1, len(reads)
            headline = queries.headline(conn, scope, Filters())  # outside: read again
            assert len(reads) > 1, len(reads)
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        alone = queries.coverage(conn, scope, Filters(), "district")
    assert found.by_district.equals(alone)
    assert found.headline == headline


@pytest.mark.parametrize("room", [5, 60])
def test_a_table_s_caption_is_never_left_alone_at_a_page_s_foot(room):
    """A caption with less than CAPTION_ROOM left on its page starts the next page with its
    table ("Their streets behind pace" stood alone at the foot of page 2); with room it stays."""
    from warmth.briefing import pdf

    doc = pdf.new("en", "x")
    doc.add_page()
    doc.set_y(doc.page_break_trigger - room)
    pdf._caption(doc, "Their streets behind pace")
    assert doc.page_no() == (2 if room < pdf.CAPTION_ROOM else 1)
