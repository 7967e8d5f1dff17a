"""Reveal with a reason (break the glass) on the people lists, in AppTest: only a viewer who
may unmask sees the button; a purpose and a reason of ten characters are needed; the list
then shows unmasked under a banner, and each action (showing, each file) writes exactly one
'reveal' audit row. Nobody else sees an unmasked ID number anywhere on the page."""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.access_support import put_user
from tests.download_support import fetch
from tests.test_downloads import audit_rows
from tests.test_pages import signed_in
from warmth import i18n
from warmth.reveal import Reveal, RevealRefusedError
from warmth.scope import Scope

pytestmark = pytest.mark.usefixtures("demo_db")
FULL_ID = re.compile(r"\d{17}[\dXx]")
KEY = "gaps_omission_reveal"


def add_user(url: str, email: str, *, may_unmask: bool, role="city", district=None) -> None:
    account = "city_admin" if role == "city" else role
    districts = (district,) if district else ()
    put_user(url, email, account, districts=districts, may_unmask=may_unmask)


def gaps_as(email: str, lang: str = "en") -> AppTest:
    return signed_in(email, "gaps", lang)


def reveal_rows(url: str) -> list:
    return audit_rows(url, "reveal")


def shown_text(at: AppTest) -> str:
    """Everything on the page as text: tables, messages, captions, markdown."""
    parts = [df.value.to_csv() for df in at.dataframe]
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title"):
        parts += [str(e.value) for e in at.get(kind)]
    return "\n".join(parts)


def ids_shown(at: AppTest) -> list[str]:
    return FULL_ID.findall(shown_text(at))


def test_the_rules_of_a_reveal():
    allowed = Scope(frozenset({"310101"}), role="district", user="hp@x.gov", may_unmask=True)
    with pytest.raises(RevealRefusedError, match="not_allowed"):
        Reveal.asked(Scope(frozenset({"310101"}), role="district"), "visit", "x" * 20)
    with pytest.raises(RevealRefusedError, match="no_purpose"):
        Reveal.asked(allowed, "curious", "x" * 20)
    with pytest.raises(RevealRefusedError, match="reason_short"):
        Reveal.asked(allowed, "visit", "  走访核实  ")
    granted = Reveal.asked(allowed, "visit", "走访核实遗漏对象住址")  # ten characters
    assert granted.reason == "走访核实遗漏对象住址"
    assert re.fullmatch(r"unmasked_hp_x_gov_\d{8}-\d{6}", granted.file_tag())


def test_a_viewer_who_may_not_unmask_sees_no_button_and_no_id(own_db):
    add_user(own_db, "viewer@example.gov", may_unmask=False)
    at = gaps_as("viewer@example.gov")
    assert not [b for b in at.button if b.key == f"{KEY}_open"]
    assert at.dataframe and not ids_shown(at)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_reveal_needs_a_purpose_and_a_reason_and_is_audited_once(own_db, lang):
    add_user(own_db, "boss@example.gov", may_unmask=True)
    at = gaps_as("boss@example.gov", lang)
    assert not ids_shown(at)  # masked until asked
    at.button(key=f"{KEY}_open").click().run()
    assert i18n.t("reveal_recorded", lang) in shown_text(at)  # the dialog says it is recorded
    at.text_area(key=f"{KEY}_reason").input("too short")
    at.radio(key=f"{KEY}_purpose").set_value("visit")
    at.button(key=f"{KEY}_confirm").click().run()
    assert i18n.t("reveal_reason_short", lang, n=10) in shown_text(at)
    assert not ids_shown(at) and reveal_rows(own_db) == []

    reason = "走访核实本街道遗漏对象的住址"
    at.text_area(key=f"{KEY}_reason").input(reason)
    at.button(key=f"{KEY}_confirm").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert ids_shown(at)  # the list, unmasked
    assert not FULL_ID.findall(repr(dict(at.query_params)))  # nothing of it in the URL
    banner = next(w.value for w in at.warning if reason in w.value)
    assert i18n.t("reveal_purpose_visit", lang) in banner
    at.run()
    at.run()  # reruns are not new actions
    (row,) = reveal_rows(own_db)
    detail = json.loads(row.detail)
    assert (detail["purpose"], detail["reason"], detail["list"]) == ("visit", reason, "omission")
    assert detail["shown"] == "screen" and "filters" in detail and row.row_count > 0
    assert row.user == "boss@example.gov"

    fetch(at, "gaps_omission_dl_csv_unmasked")
    rows = reveal_rows(own_db)
    assert len(rows) == 2 and json.loads(rows[1].detail)["shown"] == "csv"
    assert rows[1].file_sha256

    at.button(key=f"{KEY}_hide").click().run()
    assert not ids_shown(at)
    assert len(reveal_rows(own_db)) == 2


def test_a_reveal_ends_when_the_page_changes(own_db):
    add_user(own_db, "boss@example.gov", may_unmask=True)
    at = gaps_as("boss@example.gov")
    at.button(key=f"{KEY}_open").click().run()
    at.radio(key=f"{KEY}_purpose").set_value("correction")
    at.text_area(key=f"{KEY}_reason").input("更正登记地址错误的对象信息")
    at.button(key=f"{KEY}_confirm").click().run()
    assert ids_shown(at)
    at.selectbox(key="gaps_omission_size").set_value(100).run()
    assert not ids_shown(at)  # another page of the list: masked again, ask again
    assert len(reveal_rows(own_db)) == 1
