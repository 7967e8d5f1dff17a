"""Every page in streamlit's AppTest against a small demo database: no exception, the right
charts, drill-down by an injected click, URL filters (unknown values ignored), language."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from components import panels
from tests.access_support import put_user
from tests.download_support import fetch
from warmth.config import ENV_VAR
from warmth.database import make_engine

APP = "../app.py"  # relative to this file
DISTRICT, STREET = "310101", "310101013"  # 黄浦区, 外滩街道


def run(
    page: str | None = None,
    *,
    query: dict | None = None,
    locale: str = "en-US",
    open_data: bool = False,
) -> AppTest:
    """The app run on page; open_data: then every chart's "data and definitions" expander
    opened (their tables and download buttons are drawn only while open)."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.context = {"locale": locale}
    if query:
        at.query_params.update(query)
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py").run()
    if open_data:
        opened(at)
    assert not at.exception, [e.message for e in at.exception]
    return at


def opened(at: AppTest, *keys: str) -> AppTest:
    """Open the data expanders of these charts (default: every chart on screen) and rerun,
    as a click on each expander's header does in the browser."""
    for key in keys or chart_keys(at):
        at.session_state[panels.data_key(key)] = True
    return at.run()


def charts(at: AppTest) -> dict[str, dict]:
    """Plotly specs on screen, by chart key."""
    out = {}
    for el in at.get("plotly_chart"):
        key = el.proto.id.split("-")[-1] if not el.key else el.key
        out[key] = json.loads(el.proto.spec)
    return out


def table_with(at: AppTest, column: str):
    """The (first) table on screen that has this column (AppTest does not expose table keys)."""
    for df in at.dataframe:
        if column in df.value.columns:
            return df.value
    raise AssertionError(f"no table with column {column!r}")


def chart_keys(at: AppTest) -> list[str]:
    return [el.key for el in at.get("plotly_chart")]


def click(key: str, code: str) -> dict:
    """A selection event as the browser sends it for a click on the point with this code."""
    return {
        "selection": {
            "points": [{"x": code, "customdata": [code]}],
            "point_indices": [0],
            "box": [],
            "lasso": [],
        }
    }


pytestmark = pytest.mark.usefixtures("demo_db")


def test_overview_shows_headline_and_charts():
    at = run()
    assert at.title[0].value == "Holiday aid campaign · Overview"
    labels = [m.label for m in at.metric]
    assert labels[:5] == ["Eligible", "Reached", "Coverage", "Omitted", "Amount (yuan)"]
    assert "To Spring Festival" in labels and "Pacing" in labels
    keys = chart_keys(at)
    assert keys == [
        "overview_district_bar",
        "overview_district_tiles",
        "overview_department_bar",
        "overview_category_bar",
        "overview_pacing",
    ]
    specs = charts(at)
    bar = specs["overview_district_bar"]["data"][0]
    assert bar["type"] == "bar" and len(bar["x"]) == 19
    tiles = specs["overview_district_tiles"]["data"][0]
    assert tiles["marker"]["symbol"] == "square" and len(tiles["x"]) == 19
    depts = specs["overview_department_bar"]["data"][0]
    assert len(depts["x"]) == 11  # every department, reporting or not
    pace = specs["overview_pacing"]["layout"]
    assert {a["text"] for a in pace["annotations"]} >= {"New Year", "Spring Festival"}


def test_overview_notes_that_totals_by_department_do_not_add_up():
    at = run()
    assert any("do not add up to the city total" in c.value for c in at.caption)


@pytest.mark.parametrize("page", ["overview", "districts", "departments", "categories", "timeline"])
def test_every_page_runs_in_both_languages(page):
    for locale, title_word in (
        ("zh-CN", "帮困送温暖" if page == "overview" else ""),
        ("en-US", ""),
    ):
        at = run(None if page == "overview" else page, locale=locale)
        assert at.title, page
        if title_word:
            assert title_word in at.title[0].value
        assert chart_keys(at), page


def test_language_from_locale_and_switch():
    at = run(locale="zh-CN")
    assert at.title[0].value == "帮困送温暖 · 总览"
    at.segmented_control(key="lang").set_value("en").run()
    assert at.title[0].value == "Holiday aid campaign · Overview"


def test_language_from_url():
    at = run(query={"lang": "zh"}, locale="en-US")
    assert at.title[0].value == "帮困送温暖 · 总览"


def test_districts_drill_city_to_district_to_street_and_back():
    at = run("districts")
    assert chart_keys(at) == ["districts_district_bar", "districts_district_tiles"]

    at.session_state["districts_district_bar"] = click("districts_district_bar", DISTRICT)
    at.run()
    assert not at.exception
    assert at.query_params["district"] == DISTRICT
    assert chart_keys(at) == ["districts_street_bar"]
    streets = charts(at)["districts_street_bar"]["data"][0]["x"]
    assert STREET in streets and all(s.startswith(DISTRICT) for s in streets)

    at.session_state["districts_street_bar"] = click("districts_street_bar", STREET)
    at.run()
    assert not at.exception
    assert at.query_params["street"] == STREET
    people = table_with(at, "ID number")
    assert len(people) > 0
    ids = people.iloc[:, 0]
    assert ids.str.contains(r"\*{8}", regex=True).all()  # masked on screen

    at.button(key="crumb_back").click().run()
    assert not at.exception
    assert "street" not in at.query_params
    assert chart_keys(at) == ["districts_street_bar"]


def test_tile_click_drills_too():
    at = run("districts")
    at.session_state["districts_district_tiles"] = click("districts_district_tiles", "310230")
    at.run()
    assert at.query_params["district"] == "310230"
    assert chart_keys(at) == ["districts_street_bar"]


def test_a_drill_click_draws_the_level_below_in_its_own_run(monkeypatch):
    at = run("districts")
    drawn = []  # the levels drawn: the city's panels, a district's streets
    for name in ("district_panels", "coverage_panel"):
        real = getattr(panels, name)
        monkeypatch.setattr(
            panels,
            name,
            lambda *a, _real=real, _name=name, **k: (drawn.append(_name), _real(*a, **k))[1],
        )
    at.session_state["districts_district_bar"] = click("districts_district_bar", DISTRICT)
    at.run()
    assert chart_keys(at) == ["districts_street_bar"]
    assert drawn == ["coverage_panel"]  # the streets only: the city's charts not drawn again
    drawn.clear()
    at.session_state["districts_street_bar"] = click("districts_street_bar", STREET)
    at.run()
    assert at.query_params["street"] == STREET and drawn == []
    assert table_with(at, "ID number").shape[0] > 0


def test_drill_state_from_url_and_checked():
    at = run("districts", query={"district": DISTRICT, "street": STREET})
    assert table_with(at, "ID number").shape[0] > 0
    at = run("districts", query={"district": "999999", "street": STREET})
    assert chart_keys(at) == ["districts_district_bar", "districts_district_tiles"]
    at = run("districts", query={"district": DISTRICT, "street": "310104003"})  # not in 黄浦
    assert chart_keys(at) == ["districts_street_bar"]


def test_url_filters_are_honoured():
    at = run(query={"districts": DISTRICT})
    bar = charts(at)["overview_district_bar"]["data"][0]
    assert bar["x"] == [DISTRICT]


def test_unknown_url_values_are_ignored():
    at = run(
        query={"districts": ["999999", "'; DROP TABLE users;--"], "depts": "XX", "cats": "NOPE"}
    )
    bar = charts(at)["overview_district_bar"]["data"][0]
    assert len(bar["x"]) == 19


def test_departments_click_picks_department_and_programme():
    at = run("departments")
    assert at.selectbox(key="dept").value == "MZ"  # civil affairs, the lead, first
    at.session_state["departments_bar"] = click("departments_bar", "LB")
    at.run()
    assert not at.exception
    assert at.selectbox(key="dept").value == "LB"
    progs = charts(at)["departments_programme_bar"]["data"][0]["x"]
    assert progs and all(p.startswith("LB") for p in progs)
    table = table_with(at, "Reporting")
    assert len(table) == 11
    assert table.iloc[0, 0].startswith("Civil Affairs")


def test_categories_and_timeline_pages():
    at = run("categories")
    assert chart_keys(at) == ["categories_bar", "categories_omitted"]
    assert len(table_with(at, "Programmes serving it")) == 16
    at = run("timeline")
    assert chart_keys(at) == ["timeline_daily", "timeline_pacing"]
    at.segmented_control(key="measure").set_value("records").run()
    assert not at.exception
    assert charts(at)["timeline_daily"]["layout"]["barmode"] == "stack"


def test_database_down_shows_a_friendly_message(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "postgresql+psycopg://nobody@127.0.0.1:9/nowhere")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.error and "数据库暂时无法连接" in at.error[0].value
    assert "cannot be reached" in at.error[0].value


def _add_user(url: str, email: str, role: str, district: str | None) -> None:
    put_user(url, email, role, districts=(district,) if district else ())


def signed_in(email: str, page: str | None = None, lang: str = "en") -> AppTest:
    """The app as this signed-in e-mail sees it (on that page, in that language)."""
    at = AppTest.from_file(APP, default_timeout=90)
    at.context = {"locale": "zh-CN" if lang == "zh" else "en-US"}
    at.secrets["auth"] = {"cookie_secret": "test-only"}  # sign-in configured
    at.user = {"is_logged_in": True, "email": email}
    at.run()
    if page:
        at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_a_district_official_sees_only_their_district(demo_db):
    _add_user(demo_db, "huangpu@example.gov", "district", DISTRICT)
    at = signed_in("huangpu@example.gov")
    assert charts(at)["overview_district_bar"]["data"][0]["x"] == [DISTRICT]
    assert "Demo" not in " ".join(w.value for w in at.warning)
    # the URL cannot widen the view
    at = AppTest.from_file(APP, default_timeout=90)
    at.secrets["auth"] = {"cookie_secret": "test-only"}
    at.user = {"is_logged_in": True, "email": "huangpu@example.gov"}
    at.query_params.update({"districts": "310104", "district": "310104"})
    at.run()
    at.switch_page("pages/districts.py").run()
    assert chart_keys(at)[0] == "districts_district_bar"
    assert charts(at)["districts_district_bar"]["data"][0]["x"] == [DISTRICT]


def test_an_unknown_signed_in_user_sees_nothing():
    at = signed_in("stranger@example.com")
    assert at.error and "has no access" in at.error[0].value
    assert not chart_keys(at)


def test_no_sign_in_configured_means_the_demo_viewer_shown_as_such():
    at = run()
    assert any("Demo" in w.value for w in at.warning)


def test_an_export_is_written_to_the_audit_trail(demo_db):
    import sqlalchemy as sa

    from warmth import schema

    at = run(open_data=True)
    fetch(at, "overview_district_bar_dl_csv")
    assert not at.exception
    engine = make_engine(demo_db)
    with engine.connect() as conn:
        log = schema.audit_log
        row = conn.execute(  # this download's row, not another test's briefing or CLI report
            sa.select(log).where(
                log.c.action == "export",
                log.c.detail.like('%"table": "%'),
                log.c.detail.notlike("%briefing%"),
                log.c.user.notlike("cli%"),
            )
        ).first()
    engine.dispose()
    assert row is not None and row.row_count == 19
    assert json.loads(row.detail)["table"] == "coverage_by_district"


def test_a_click_on_the_overview_opens_that_district_keeping_the_filters():
    at = run(query={"asof": "2005-01-25"})
    at.session_state["overview_district_tiles"] = click("overview_district_tiles", DISTRICT)
    at.run()
    assert not at.exception
    assert at.query_params["district"] == DISTRICT
    assert at.query_params["asof"] == "2005-01-25"
    assert str(at.date_input(key="asof").value) == "2005-01-25"
    assert chart_keys(at) == ["districts_street_bar"]


@pytest.mark.parametrize(
    "query",
    [{"lang": "xx"}, {"asof": "not-a-date"}, {"asof": "1999-01-01"}, {"campaign": "1999"}],
)
def test_bad_url_values_fall_back_to_defaults(query):
    at = run(query=query)
    assert at.title[0].value == "Holiday aid campaign · Overview"
    assert at.date_input(key="asof").value is None
    assert at.selectbox(key="campaign").value == "2005"


def test_as_of_from_url_cuts_the_figures():
    at = run(query={"asof": "2005-01-25"})
    assert str(at.date_input(key="asof").value) == "2005-01-25"
    late = run()
    reached = {m.label: m.value for m in at.metric}["Reached"]
    assert reached != {m.label: m.value for m in late.metric}["Reached"]
    assert {m.label: m.value for m in at.metric}["To Spring Festival"] == "15 days"


def test_a_charts_data_and_downloads_are_drawn_only_while_its_expander_is_open():
    at = run()
    closed = len(at.dataframe)
    buttons = {b.key for b in at.get("download_button")}
    assert not any(k.startswith("overview_district_bar_") for k in buttons)
    definition = "**Coverage**: "
    assert not any(m.value.startswith(definition) for m in at.markdown)
    opened(at, "overview_district_bar")
    assert not at.exception
    assert len(at.dataframe) == closed + 1
    assert len(table_with(at, "District")) == 19
    buttons = {b.key for b in at.get("download_button")}
    assert {f"overview_district_bar_{b}" for b in ("dl_csv", "dl_xlsx", "png")} <= buttons
    assert sum(m.value.startswith(definition) for m in at.markdown) == 1
    at.session_state[panels.data_key("overview_district_bar")] = False  # closed again
    at.run()
    assert len(at.dataframe) == closed


def test_the_overview_draws_no_data_grid_and_lists_the_districts_behind_pace_as_its_csv():
    """The behind-pace table is a plain table (a data grid would make the browser load the
    grid's code for a few rows); its rows are exactly the CSV's."""
    import csv
    import io

    at = run(query={"asof": "2005-01-25"})
    assert len(at.dataframe) == 0
    shown = [m.value for m in at.markdown if "\n| District |" in m.value]
    assert len(shown) == 1, [m.value[:40] for m in at.markdown]
    lines = [line for line in shown[0].splitlines() if line.startswith("| ")]
    rows = [line.split(" | ")[0].lstrip("| ") for line in lines[1:]]
    raw = fetch(at, "overview_behind_dl_csv").decode("utf-8-sig")
    exported = list(csv.DictReader(io.StringIO(raw)))
    assert rows and rows == [r["District"] for r in exported]
    # the slide's columns, on screen and in the file alike (four fit a 1280×720 screen)
    header = [c.strip() for c in lines[0].strip("| ").split(" | ")]
    assert header == ["District", "Coverage", "Eligible", "Omitted"] == list(exported[0])
