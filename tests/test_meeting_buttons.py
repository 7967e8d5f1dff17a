"""The dashboard's ways out of a meeting (issue 9): the briefing's button in the sidebar of
every page, and a chart's PNG drawn on the server; each click is served only after its
audit row, and is the file it says it is (an A4 PDF of the viewer's scope, a PNG of the
chart)."""

from __future__ import annotations

import hashlib
import io
import json

import pytest

from tests import test_page_strings
from tests.download_support import fetch
from tests.test_downloads import audit_rows
from tests.test_pages import opened, run
from warmth import i18n

# every page of the dashboard (the overview is the app's own first page)
PAGES = [None if page == "overview" else page for page in test_page_strings.PAGES]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_has_the_briefing_button(demo_db, page):
    at = run(page)
    assert not at.exception
    button = at.download_button(key="briefing_pdf")
    assert button.proto.deferred_file_id  # made when clicked
    assert button.proto.label == i18n.t("briefing_button", "en")


def test_the_briefing_button_serves_the_audited_a4_briefing(own_db):
    pdfplumber = pytest.importorskip("pdfplumber")
    pypdfium2 = pytest.importorskip("pypdfium2")
    at = run()
    body = fetch(at, "briefing_pdf")
    (row,) = audit_rows(own_db, "export")
    assert row.file_sha256 == hashlib.sha256(body).hexdigest()
    detail = json.loads(row.detail)
    assert (detail["table"], detail["format"], detail["via"]) == ("briefing", "pdf", "dashboard")
    with pdfplumber.open(io.BytesIO(body)) as pdf:
        assert row.row_count == len(pdf.pages) > 1
        assert all(round(p.width) == 595 and round(p.height) == 842 for p in pdf.pages)  # A4
    doc = pypdfium2.PdfDocument(body)  # its text read back, as tests/test_briefing.py does
    assert i18n.t("briefing_title", "en") in doc[0].get_textpage().get_text_range()


def test_a_chart_s_png_is_drawn_on_the_server_and_audited(own_db):
    at = opened(run(), "overview_district_bar")
    body = fetch(at, "overview_district_bar_png")
    assert body[:8] == b"\x89PNG\r\n\x1a\n"
    (row,) = audit_rows(own_db, "export")
    assert json.loads(row.detail)["format"] == "png"
    assert row.file_sha256 == hashlib.sha256(body).hexdigest()
