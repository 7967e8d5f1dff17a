"""Every page, list and export as each role (city_admin, city_viewer, district, department,
an unknown e-mail, nobody signed in) in AppTest; two roles alternating in one process get
each their own answers; a disabled user is refused on the next run; URLs outside the scope
and refused sign-ins are audited once per session."""

from __future__ import annotations

import json
import shutil
from datetime import date

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from tests.access_support import put_user
from tests.download_support import fetch
from tests.test_pages import APP, charts
from warmth import queries, schema
from warmth.config import ENV_VAR
from warmth.database import make_engine
from warmth.scope import Filters, department_scope

PAGES = ["overview", "districts", "departments", "categories", "timeline", "gaps", "data"]
ADMIN, VIEWER = "admin@city.gov", "viewer@city.gov"
TWO, DEPT = "two@district.gov", "mz@dept.gov"
TWO_DISTRICTS = ("310101", "310104")
ROLES = {
    "city_admin": ADMIN,
    "city_viewer": VIEWER,
    "district": TWO,
    "department": DEPT,
    "unknown": "stranger@example.com",
    "none": None,
}


@pytest.fixture(scope="module")
def access_db(demo_db, tmp_path_factory):
    """A copy of the demo database with one user of each role."""
    path = tmp_path_factory.mktemp("access") / "warmth.db"
    shutil.copyfile(demo_db.removeprefix("sqlite:///"), path)
    url = f"sqlite:///{path}"
    put_user(url, ADMIN, "city_admin", may_unmask=True)
    put_user(url, VIEWER, "city_viewer")
    put_user(url, TWO, "district", districts=TWO_DISTRICTS)
    put_user(url, DEPT, "department", departments=("MZ",))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(ENV_VAR, url)
        yield url


def signed_in(email: str | None, *, query: dict | None = None, at: AppTest | None = None):
    """A run of the app with OIDC configured and this e-mail signed in (None: nobody)."""
    if at is None:
        at = AppTest.from_file(APP, default_timeout=90)
        at.context = {"locale": "en-US"}
        at.secrets["auth"] = {"cookie_secret": "test-only"}
    at.user = {"is_logged_in": True, "email": email} if email else {"is_logged_in": False}
    if query:
        at.query_params.update(query)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def on_page(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def audit_rows(url: str, action: str) -> list[tuple[str, dict]]:
    a = schema.audit_log
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(a.c.user, a.c.detail).where(a.c.action == action).order_by(a.c.id)
        ).all()
    engine.dispose()
    return [(u, json.loads(d or "{}")) for u, d in rows]


def district_bar(at: AppTest) -> list[str]:
    return charts(at)["overview_district_bar"]["data"][0]["x"]


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_as_each_role(access_db, role, page):
    at = signed_in(ROLES[role])
    if role in ("unknown", "none"):  # stopped before any page runs, whatever the link
        assert not at.get("plotly_chart") and not at.dataframe and not at.title
        expected = "has no access" if role == "unknown" else "Please sign in"
        shown = [e.value for e in (at.error if role == "unknown" else at.info)]
        assert any(expected in s for s in shown), shown
        at = on_page(at, page)
        assert not at.get("plotly_chart") and not at.dataframe and not at.title
        return
    at = on_page(at, page)
    assert at.title, (role, page)
    assert not at.error, [e.value for e in at.error]
    if page == "gaps":  # the omission list, with its export
        listed = at.dataframe[0].value
        assert len(listed) > 0
        if role == "district":
            assert set(listed["District"]) == {"Huangpu District", "Xuhui District"}
        labels = [b.label for b in at.get("download_button")]
        assert "CSV" in " ".join(labels) and "Excel" in " ".join(labels)
    if page == "data":
        uploads = bool(at.get("file_uploader"))
        assert uploads == (role != "city_viewer")


def test_what_each_role_sees_on_the_overview(access_db):
    assert len(district_bar(signed_in(ADMIN))) == 19
    assert len(district_bar(signed_in(VIEWER))) == 19
    assert district_bar(signed_in(TWO)) == list(TWO_DISTRICTS)
    at = signed_in(DEPT)
    assert len(district_bar(at)) == 19  # its programmes, in every district
    assert charts(at)["overview_department_bar"]["data"][0]["x"] == ["MZ"]


def test_a_department_sees_exactly_its_own_programmes_figures(access_db):
    at = signed_in(DEPT)
    shown = {m.label: m.value for m in at.metric}
    engine = make_engine(access_db)
    with engine.connect() as conn:
        own = queries.headline(conn, department_scope(conn, frozenset({"MZ"})), Filters())
        city = queries.headline(conn, department_scope(conn, frozenset({"MZ", "JY"})), Filters())
    engine.dispose()
    assert int(shown["Reached"].replace(",", "")) == own["reached"]
    assert int(shown["Eligible"].replace(",", "")) == own["eligible"]
    assert own["eligible"] < city["eligible"]  # a second department's programmes count more


def test_only_the_city_admin_has_the_audit_page(access_db):
    at = on_page(signed_in(ADMIN), "audit")
    assert at.title[0].value == "Audit trail"
    trail = at.dataframe[0].value
    assert {"Time (UTC)", "User", "Action"} <= set(trail.columns)
    assert "signed in" in set(trail["Action"])
    for email in (VIEWER, TWO, DEPT):  # not even listed in their navigation
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            on_page(signed_in(email), "audit")


def test_the_audit_page_filters_and_exports_and_the_export_is_audited(access_db):
    signed_in(TWO)  # a sign-in to find
    at = on_page(signed_in(ADMIN), "audit")
    at.multiselect(key="audit_users").set_value([TWO]).run()
    at.multiselect(key="audit_actions").set_value(["sign_in"]).run()
    trail = at.dataframe[0].value
    assert len(trail) >= 1 and set(trail["User"]) == {TWO} and set(trail["Action"]) == {"signed in"}
    before = len(audit_rows(access_db, "export"))
    fetch(at, at.get("download_button")[0].key)
    exported = audit_rows(access_db, "export")
    assert len(exported) == before + 1
    assert exported[-1][0] == ADMIN and exported[-1][1]["table"] == "audit_log"
    at.date_input(key="audit_days").set_value((date(2004, 1, 1), date(2004, 1, 2)))
    at.run()
    assert not at.dataframe or len(at.dataframe[0].value) == 0


def test_two_roles_alternating_in_one_process_never_share_an_answer(access_db):
    city, district = signed_in(ADMIN), signed_in(TWO)
    dept = signed_in(DEPT)
    for _ in range(2):
        assert len(district_bar(signed_in(ADMIN, at=city))) == 19
        assert district_bar(signed_in(TWO, at=district)) == list(TWO_DISTRICTS)
        bar = charts(signed_in(DEPT, at=dept))["overview_department_bar"]["data"][0]["x"]
        assert bar == ["MZ"]


def test_a_disabled_user_is_refused_on_the_next_run_and_that_is_audited(access_db):
    email = "leaving@district.gov"
    put_user(access_db, email, "district", districts=("310101",))
    at = signed_in(email)
    assert district_bar(at) == ["310101"]
    put_user(access_db, email, "district", districts=("310101",), disabled=True)
    at.run()
    assert not at.get("plotly_chart")
    assert any("has no access" in e.value for e in at.error)
    refused = [d for u, d in audit_rows(access_db, "denied") if u == email]
    assert refused == [{"reason": "disabled"}]
    at.run()  # refused again, not audited again in the same session
    assert [d for u, d in audit_rows(access_db, "denied") if u == email] == refused


def test_a_url_outside_the_scope_is_left_out_told_and_audited_once(access_db):
    asked = {"districts": "310105", "district": "310105", "street": "310105001", "lang": "en"}
    at = signed_in(TWO, query=asked)
    assert district_bar(at) == list(TWO_DISTRICTS)
    assert any("outside your access" in w.value for w in at.warning)
    at.run()
    mine = [d for u, d in audit_rows(access_db, "denied") if u == TWO]
    assert len(mine) == 1
    assert mine[0]["reason"] == "url_outside_scope"
    assert mine[0]["asked"]["districts"] == ["310105"]
    assert mine[0]["asked"]["street"] == ["310105001"]
    # a city viewer asking for the same districts asks for nothing outside its scope
    before = len(audit_rows(access_db, "denied"))
    signed_in(VIEWER, query=asked)
    assert len(audit_rows(access_db, "denied")) == before


def test_sign_ins_are_audited_once_per_session(access_db):
    before = [u for u, _ in audit_rows(access_db, "sign_in")].count(DEPT)
    at = signed_in(DEPT)
    at.run()
    at.run()
    assert [u for u, _ in audit_rows(access_db, "sign_in")].count(DEPT) == before + 1


def test_an_expired_id_token_signs_the_user_out(access_db):
    import time

    at = AppTest.from_file(APP, default_timeout=90)
    at.context = {"locale": "en-US"}
    at.secrets["auth"] = {"cookie_secret": "test-only"}
    at.user = {"is_logged_in": True, "email": ADMIN, "exp": int(time.time()) - 60}
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.get("plotly_chart")
    assert any("Please sign in" in i.value for i in at.info)
