"""Fresh everywhere, one door: a figure cached by the dashboard changes on the next run after
an import made by another process; access taken away or changed in the users table holds
from the next run; cached answers are shared by scope, never by viewer; and only
components/data/ reaches the database."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from tests.access_support import put_user
from tests.intake.support import AID_HEADER, csv_bytes
from tests.test_pages import APP, DISTRICT, charts, run
from warmth import idkey, queries, schema
from warmth.database import make_engine

ROOT = Path(__file__).resolve().parent.parent
OTHER_DISTRICT = "310104"  # 徐汇区


def metric(at: AppTest, label: str) -> str:
    return {m.label: m.value for m in at.metric}[label]


def unreached(url: str, n: int) -> list[tuple[str, str, str]]:
    """(id_number, district, a programme meant for them) of n people nobody has reached
    in the 2005 campaign (the one the page shows)."""
    ben, cats = schema.beneficiaries, schema.beneficiary_categories
    links, aid, camp = schema.programme_categories, schema.aid_records, schema.campaigns
    query = (
        sa.select(ben.c.id_cipher, ben.c.district_code, sa.func.min(links.c.programme_code))
        .join(cats, cats.c.beneficiary_id == ben.c.id)
        .join(links, links.c.category_code == cats.c.category_code)
        .join(camp, (camp.c.id == ben.c.campaign_id) & (camp.c.code == "2005"))
        .where(
            ~sa.exists().where(
                aid.c.id_number == ben.c.id_number, aid.c.campaign_id == ben.c.campaign_id
            )
        )
        .group_by(ben.c.id_number, ben.c.id_cipher, ben.c.district_code)
        .order_by(sa.func.min(ben.c.id))  # the register's order: the first district's people
        .limit(n)
    )
    engine = make_engine(url)
    with engine.connect() as conn:
        found = conn.execute(query).all()
        numbers = idkey.for_conn(conn).open([r[0] for r in found])  # the file names them
        rows = [(n, *r[1:]) for n, r in zip(numbers, found, strict=True)]
    engine.dispose()
    assert len(rows) == n
    return rows


def test_an_import_by_another_process_shows_on_the_next_run(own_db, tmp_path):
    at = run()
    before = metric(at, "Reached")
    assert metric(run(), "Reached") == before  # cached, and the same
    people = unreached(own_db, 5)
    rows = [
        [f"FRESH{i}", number, programme, "300", "2005-01-10", district]
        for i, (number, district, programme) in enumerate(people)
    ]
    path = tmp_path / "aid.csv"
    path.write_bytes(csv_bytes(AID_HEADER, rows))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "warmth.cli",
            "import",
            "aid",
            str(path),
            "--db",
            own_db,
            "--user",
            "demo",
        ],  # as the demo viewer: the database stays the demo's
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "5 records imported" in done.stdout
    at.run()
    assert not at.exception
    after = metric(at, "Reached")
    assert int(after.replace(",", "")) == int(before.replace(",", "")) + 5


def _set_user(url: str, email: str, role: str | None = None, district_code=None) -> None:
    put_user(url, email, role, districts=(district_code,) if district_code else ())


def signed_in(email: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.context = {"locale": "en-US"}
    at.secrets["auth"] = {"cookie_secret": "test-only"}  # sign-in configured
    at.user = {"is_logged_in": True, "email": email}
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def refused(at: AppTest) -> bool:
    return bool(at.error) and "has no access" in at.error[0].value and not at.get("plotly_chart")


def test_a_user_removed_or_moved_loses_that_access_on_the_next_run(own_db):  # noqa: F811
    email = "moving@example.gov"
    _set_user(own_db, email, role="district", district_code=DISTRICT)
    at = signed_in(email)
    assert charts(at)["overview_district_bar"]["data"][0]["x"] == [DISTRICT]

    _set_user(own_db, email, role="district", district_code=OTHER_DISTRICT)
    at.run()
    assert not at.exception
    assert charts(at)["overview_district_bar"]["data"][0]["x"] == [OTHER_DISTRICT]

    _set_user(own_db, email, role="retired", district_code=OTHER_DISTRICT)  # not a role
    at.run()
    assert refused(at)

    _set_user(own_db, email, role="district", district_code=DISTRICT)
    at.run()
    assert charts(at)["overview_district_bar"]["data"][0]["x"] == [DISTRICT]

    _set_user(own_db, email)  # the row removed
    at.run()
    assert refused(at)


def test_city_officials_share_one_answer_and_a_district_gets_its_own(own_db, monkeypatch):  # noqa: F811
    calls = []
    real = queries.coverage

    def counted(conn, scope, filters, *args, **kwargs):
        calls.append((tuple(sorted(scope.districts)), scope.user))
        return real(conn, scope, filters, *args, **kwargs)

    monkeypatch.setattr(queries, "coverage", counted)
    for n in (1, 2, 3):
        _set_user(own_db, f"city{n}@example.gov", role="city_admin")
    _set_user(own_db, "huangpu2@example.gov", role="district", district_code=DISTRICT)

    signed_in("city1@example.gov")
    first = len(calls)
    assert first > 0
    signed_in("city2@example.gov")
    signed_in("city3@example.gov")
    assert len(calls) == first  # the other city officials were served the same entries
    assert {user for _districts, user in calls} == {""}  # computed for nobody in particular

    at = signed_in("huangpu2@example.gov")
    assert len(calls) > first  # a district's answers are its own
    assert all(districts == (DISTRICT,) for districts, _user in calls[first:])
    assert charts(at)["overview_district_bar"]["data"][0]["x"] == [DISTRICT]


UI_FILES = sorted(
    p
    for p in [ROOT / "app.py", *(ROOT / "components").rglob("*.py"), *(ROOT / "pages").glob("*.py")]
    if ROOT / "components" / "data" not in p.parents
)
CORE_ONLY = {"sqlalchemy", "warmth.schema", "warmth.database", "warmth.versions"}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_only_components_data_reaches_the_database():
    assert len(UI_FILES) > 10
    offenders = {}
    for path in UI_FILES:
        wrong = {
            name
            for name in _imports(path)
            if any(name == m or name.startswith(f"{m}.") for m in CORE_ONLY)
        }
        text = path.read_text(encoding="utf-8")
        wrong |= {w for w in ("_engine", "engine()", ".connect(", ".begin(") if w in text}
        if wrong:
            offenders[str(path.relative_to(ROOT))] = sorted(wrong)
    assert offenders == {}


def test_each_answer_keeps_its_own_entries_shared_by_scope_not_viewer(demo_db):
    from dataclasses import replace

    import pandas as pd

    from components import data
    from warmth.scope import Filters

    scope, f = data.demo_scope(), Filters()
    headline, pacing = data.headline(scope, f, "en"), data.pacing(scope, f, "en")
    assert isinstance(headline, dict)  # the same arguments: each answer its own entries
    assert isinstance(pacing, pd.DataFrame) and len(pacing) > 0
    someone = replace(scope, user="someone-else@example.gov")
    assert data.pacing(someone, f, "en") is pacing  # shared: the scope's allowance, not its user
    assert data.pacing(scope, f, "zh") is not pacing  # the language is part of the key
    batches = data.batches(scope, None)
    again = data.batches(someone, None)
    assert again is not batches and again.equals(batches)  # a copy for each run (cache_data)
