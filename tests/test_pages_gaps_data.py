"""The gaps (不遗漏、少重复) and reporting (信息报送) pages in AppTest, on the small demo city
of tests/test_pages.py: no exception, the right elements, an overlap square picked by an
injected click lists people, a CSV register uploaded, checked and imported."""

from __future__ import annotations

import json
from datetime import date

import pytest
import sqlalchemy as sa

from tests.test_pages import charts, run
from warmth import schema
from warmth.database import make_engine
from warmth.ids import make_id

pytestmark = pytest.mark.usefixtures("demo_db")


def table_columns(at) -> list[list[str]]:
    return [list(df.value.columns) for df in at.dataframe]


def test_gaps_omission_list_is_masked_downloadable_and_audited(own_db):
    at = run("gaps")
    assert at.title[0].value.startswith("Leave nobody out")
    (cols,) = table_columns(at)
    assert cols[:4] == ["ID number", "Name", "District", "Street / town"]
    ids = at.dataframe[0].value["ID number"]
    assert len(ids) > 0 and all("********" in i for i in ids)
    mine = [b for b in at.get("download_button") if b.key.startswith("gaps_omission")]
    assert len(mine) == 2  # CSV and Excel of exactly these rows
    assert any("Rows 1–" in m.value and "in all" in m.value for m in at.markdown)
    engine = make_engine(own_db)
    with engine.connect() as conn:
        views = conn.execute(
            sa.select(schema.audit_log.c.detail, schema.audit_log.c.row_count).where(
                schema.audit_log.c.action == "view"
            )
        ).all()
    engine.dispose()
    assert [json.loads(d)["list"] for d, _ in views] == ["omission"]
    assert views[0][1] == len(ids)


def test_gaps_street_filter_narrows_the_omission_list():
    at = run("gaps")
    everyone = len(at.dataframe[0].value)
    at.selectbox(key="gaps_street").set_value("310101013").run()  # 外滩街道
    assert not at.exception
    narrowed = at.dataframe[0].value
    assert 0 < len(narrowed) < everyone
    assert set(narrowed["Street / town"]) == {"Waitan Subdistrict"}  # the English page


@pytest.mark.parametrize("section", ["repeat", "leakage", "cross"])
def test_gaps_other_lists(section):
    at = run("gaps", query={"list": section})
    assert not at.exception
    if section == "leakage":
        spec = charts(at)["gaps_leakage_bar"]
        assert [t["type"] for t in spec["data"]] == ["bar", "bar"]
        assert spec["layout"]["barmode"] == "group"
        assert len(spec["data"][0]["x"]) == 19


def test_overlap_matrix_click_lists_people():
    at = run("gaps", query={"list": "overlap"})
    spec = charts(at)["gaps_overlap_matrix"]
    trace = spec["data"][0]
    assert trace["type"] == "scatter" and trace["marker"]["symbol"] == "square"
    assert len(trace["customdata"]) > 0
    a, b = trace["customdata"][0]
    at.session_state["gaps_overlap_matrix"] = {
        "selection": {
            "points": [{"x": trace["x"][0], "y": trace["y"][0], "customdata": [a, b]}],
            "point_indices": [0],
            "box": [],
            "lasso": [],
        }
    }
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.subheader, "the picked square names its departments"
    people = at.dataframe[0].value
    assert len(people) > 0
    assert all("********" in i for i in people["ID number"])
    # both departments of the square appear in every listed person's departments
    departments = at.subheader[0].value.split(":")[0]
    assert "×" in departments


def register_csv(district: str, street: str) -> bytes:
    good = [
        make_id(district, date(1950, 1, 1), 901 + i)
        + f",测试{i},{district},{street},DBU,2,某路{i}号"
        for i in range(3)
    ]
    bad = "123456789012345678,坏行,310101,310101013,DBU,2,"
    lines = ["id_number,name,district,street,categories,household_size,address", *good, bad]
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_upload_is_checked_before_anything_is_written(own_db):
    at = run("data")
    assert at.title[0].value.startswith("Reporting")
    at.file_uploader(key="submit_file").set_value(
        ("register.csv", register_csv("310101", "310101013"), "text/csv")
    )
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    values = {m.label: m.value for m in at.metric}
    assert values["Rows"] == "4" and values["Valid"] == "3" and values["With errors"] == "1"
    assert any("encoding: utf-8" in c.value for c in at.caption)
    errors = at.dataframe[0].value  # the error report, before anything is written
    assert list(errors["Row"]) == [5] and list(errors["Value (masked)"]) == ["123456********5678"]
    assert at.button(key="submit_import").disabled  # strict mode and an error

    at.radio(key="submit_mode").set_value("quarantine").run()
    assert not at.button(key="submit_import").disabled
    at.button(key="submit_import").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.success, [m.value for m in (*at.error, *at.info, *at.warning)]
    engine = make_engine(own_db)
    with engine.connect() as conn:
        got = conn.execute(
            sa.select(sa.func.count()).where(schema.beneficiaries.c.name.like("测试%"))
        ).scalar_one()
        audited = (
            conn.execute(
                sa.select(schema.audit_log.c.detail).where(schema.audit_log.c.action == "upload")
            )
            .scalars()
            .all()
        )
    engine.dispose()
    assert got == 3
    assert any(json.loads(d).get("stage") == "preview" for d in audited)
    assert len(at.get("plotly_chart")) == 1  # the city sees the reporting status


def test_upload_refuses_a_file_that_is_not_a_table(own_db):
    at = run("data")
    at.file_uploader(key="submit_file").set_value(
        ("x.xlsx", b"MZ\x00\x01 not a zip", "application/octet-stream")
    )
    at.run()
    assert not at.exception
    assert at.error, "a refusal message"


def signed_in_district(url: str, page: str):
    from streamlit.testing.v1 import AppTest

    from tests.test_pages import APP, _add_user

    _add_user(url, "huangpu@example.gov", "district", "310101")
    at = AppTest.from_file(APP, default_timeout=90)
    at.context = {"locale": "en-US"}
    at.secrets["auth"] = {"cookie_secret": "test-only"}
    at.user = {"is_logged_in": True, "email": "huangpu@example.gov"}
    at.query_params.update({"districts": "310104"})  # the URL cannot widen the view
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_a_district_official_sees_only_their_district_lists(own_db):
    at = signed_in_district(own_db, "gaps")
    districts = set(at.dataframe[0].value["District"])
    assert districts == {"Huangpu District"}


def test_a_district_official_uploads_for_their_district_only(own_db):
    at = signed_in_district(own_db, "data")
    assert any("own district" in i.value for i in at.info)
    assert not at.get("plotly_chart")  # reporting status is for the city only
    at.file_uploader(key="submit_file").set_value(
        ("xuhui.csv", register_csv("310104", "310104003"), "text/csv")
    )
    at.run()
    values = {m.label: m.value for m in at.metric}
    assert values["Valid"] == "0"  # another district's rows are refused
