"""Fail-closed sign-in: without sign-in configured only the demo database opens (a real one
shows a bilingual refusal, audited, unless one explicit single user is configured); a
trusted header counts only when that mode is configured, and two copies of it are refused."""

from __future__ import annotations

import json
import shutil

import pytest
import sqlalchemy as sa
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from components import session
from tests.access_support import put_user
from tests.test_pages import APP, charts
from warmth import bootstrap, schema, signin
from warmth.config import ENV_VAR
from warmth.database import make_engine
from warmth.scope import Scope

HEADER = "X-Forwarded-Email"


@pytest.fixture
def real_db(demo_db, tmp_path, monkeypatch):
    """A copy of the demo database holding one batch uploaded by someone signed in: real
    data, as far as the dashboard can tell."""
    path = tmp_path / "real.db"
    shutil.copyfile(demo_db.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    b = schema.import_batches
    with engine.begin() as conn:
        demo = conn.execute(sa.select(b).where(b.c.kind == "demo")).mappings().first()
        conn.execute(
            b.insert().values(
                {k: v for k, v in demo.items() if k != "id"}
                | {"kind": "register", "file_sha256": "f" * 64, "submitted_by": "a@d.gov"}
            )
        )
        assert not bootstrap.is_demo(conn)
    engine.dispose()
    monkeypatch.setenv(ENV_VAR, url)
    monkeypatch.delenv(signin.SINGLE_USER_ENV, raising=False)
    return url


def denied(url: str) -> list[tuple[str, dict]]:
    a = schema.audit_log
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(a.c.user, a.c.detail).where(a.c.action == "denied")).all()
    engine.dispose()
    return [(u, json.loads(d)) for u, d in rows]


def anonymous_run() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.context = {"locale": "en-US"}
    at.user = {}
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_demo_database_opens_without_sign_in(demo_db, monkeypatch):
    monkeypatch.delenv(signin.SINGLE_USER_ENV, raising=False)
    at = anonymous_run()
    assert any("Demo" in w.value for w in at.warning)
    assert len(charts(at)["overview_district_bar"]["data"][0]["x"]) == 19


def test_a_real_database_refuses_to_open_without_sign_in(real_db):
    at = anonymous_run()
    assert not at.get("plotly_chart") and not at.title and not at.dataframe
    text = at.error[0].value
    assert "未配置登录" in text and "No sign-in is configured" in text
    assert signin.SINGLE_USER_ENV in text
    assert not at.get("file_uploader")
    at.switch_page("pages/data.py").run()  # no page, uploads least of all
    assert not at.get("file_uploader") and not at.get("plotly_chart")
    assert denied(real_db) == [("anonymous", {"reason": "no_sign_in"})]


def test_a_single_user_setting_opens_it_for_that_user_only(real_db, monkeypatch):
    put_user(real_db, "me@city.gov", "district", districts=("310101",))
    monkeypatch.setenv(signin.SINGLE_USER_ENV, "me@city.gov")
    at = anonymous_run()
    assert charts(at)["overview_district_bar"]["data"][0]["x"] == ["310101"]
    assert not any("Demo" in w.value for w in at.warning)
    monkeypatch.setenv(signin.SINGLE_USER_ENV, "nobody@city.gov")  # not in the users table
    at = anonymous_run()
    assert not at.get("plotly_chart")
    assert any("has no access" in e.value for e in at.error)
    assert ("nobody@city.gov", {"reason": "unknown"}) in denied(real_db)


@pytest.fixture
def header_mode(monkeypatch):
    """server.trustedUserHeaders set as a deployment behind a proxy would set it."""
    before = st_config.get_option("server.trustedUserHeaders")
    st_config.set_option("server.trustedUserHeaders", {HEADER: "email"})
    yield lambda copies: monkeypatch.setattr(session, "header_copies", lambda _h: copies)
    st_config.set_option("server.trustedUserHeaders", before)


def test_a_trusted_header_signs_in_and_two_copies_are_refused(real_db, header_mode):
    put_user(real_db, "ann@d.gov", "district", districts=("310104",))
    header_mode(["ann@d.gov"])
    at = anonymous_run()
    assert charts(at)["overview_district_bar"]["data"][0]["x"] == ["310104"]
    header_mode(["ann@d.gov", "boss@city.gov"])  # the client's copy beside the proxy's
    at = anonymous_run()
    assert not at.get("plotly_chart")
    assert "more than once" in at.error[0].value and "多个身份标头" in at.error[0].value
    header_mode(["ann@d.gov, boss@city.gov"])  # the same, joined by a proxy
    assert not anonymous_run().get("plotly_chart")
    assert ("header", {"reason": "duplicate_header"}) in denied(real_db)
    header_mode([])
    at = anonymous_run()
    assert any("Please sign in" in i.value for i in at.info) and not at.get("plotly_chart")


def test_a_header_is_ignored_when_the_mode_is_off(real_db, monkeypatch):
    monkeypatch.setattr(session, "header_copies", lambda _h: ["boss@city.gov"])
    put_user(real_db, "boss@city.gov", "city_admin")
    at = anonymous_run()  # no trusted header configured: the header means nothing
    assert not at.get("plotly_chart")
    assert "No sign-in is configured" in at.error[0].value


@pytest.mark.parametrize(
    ("copies", "expected"),
    [
        ([], (None, "missing")),
        ([""], (None, "missing")),
        (["a@d.gov"], ("a@d.gov", None)),
        ([" a@d.gov "], ("a@d.gov", None)),
        (["a@d.gov", "a@d.gov"], (None, "duplicate")),
        (["a@d.gov,b@d.gov"], (None, "duplicate")),
    ],
)
def test_header_identity(copies, expected):
    assert signin.header_identity(copies) == expected


def test_header_name_is_the_one_mapped_to_the_email():
    assert signin.header_name({}) is None
    assert signin.header_name(None) is None
    assert signin.header_name({"X-User": "name", HEADER: "email"}) == HEADER


def test_outside_scope_names_only_known_codes_the_scope_lacks():
    scope = Scope(frozenset({"310101"}), frozenset({"MZ"}), role="district")
    params = {
        "districts": ["310101", "310104", "999999"],
        "district": ["310104"],
        "depts": ["MZ", "JY"],
        "street": ["310104001", "310101013", "nope"],
        "lang": ["en"],
    }
    got = signin.outside_scope(
        scope,
        params,
        districts=["310101", "310104"],
        departments=["MZ", "JY"],
        street_districts={"310104001": "310104", "310101013": "310101"},
    )
    assert got == {
        "districts": ["310104"],
        "district": ["310104"],
        "depts": ["JY"],
        "street": ["310104001"],
    }
