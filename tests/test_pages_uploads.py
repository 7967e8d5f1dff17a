"""The reporting page (信息报送) across district lines, in AppTest on a copy of the small demo
city: a Huangpu official's upload naming Xuhui's people tells them nothing of Xuhui (the
check and the import read as for people registered nowhere); their aid records for Xuhui's
people are held, and Xuhui's official accepts them on the same page; an uploaded file's name
is shown as text."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from tests.access_support import put_user
from tests.test_pages import signed_in
from warmth import idkey, schema
from warmth.database import make_engine
from warmth.ids import make_id

pytestmark = pytest.mark.usefixtures("demo_db")
HUANGPU, XUHUI = "310101", "310104"


@pytest.fixture
def users(own_db):
    """The demo copy with a Huangpu and a Xuhui official."""
    for email, district in (("hp@example.gov", HUANGPU), ("xh@example.gov", XUHUI)):
        put_user(own_db, email, "district", districts=(district,))
    return own_db


def xuhui_ids(url: str, n: int = 3) -> list[str]:
    engine = make_engine(url)
    b = schema.beneficiaries
    with engine.connect() as conn:
        found = conn.execute(
            sa.select(b.c.id_cipher).where(b.c.district_code == XUHUI).order_by(b.c.id).limit(n)
        ).scalars()
        out = idkey.for_conn(conn).open(list(found))  # the clear numbers, as a file holds them
    engine.dispose()
    return out


def data_page(email: str, lang: str = "en") -> AppTest:
    return signed_in(email, "data", lang)


def checked(at: AppTest, name: str, payload: bytes) -> dict[str, str]:
    at.file_uploader(key="submit_file").set_value((name, payload, "text/csv"))
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return {m.label: m.value for m in at.metric}


def register(numbers: list[str]) -> bytes:
    lines = ["id_number,name,district,street,categories"]
    lines += [f"{n},黄浦登记{i},黄浦区,南京东路街道,DBU" for i, n in enumerate(numbers)]
    return ("\n".join(lines) + "\n").encode()


def aid(numbers: list[str], prefix: str = "HP") -> bytes:
    lines = ["record_no,id_number,programme,amount_yuan,date,district"]
    lines += [f"{prefix}{i},{n},MZ01,300,2005-01-05,黄浦区" for i, n in enumerate(numbers)]
    return ("\n".join(lines) + "\n").encode()


def imported(at: AppTest, kind: str) -> str:
    at.segmented_control(key="submit_kind").set_value(kind).run()
    at.button(key="submit_import").click().run()
    assert not at.exception, [e.message for e in at.exception]
    return " ".join(m.value for m in (*at.success, *at.info, *at.error))


def test_a_register_of_another_districts_people_reads_as_strangers(users):
    theirs = xuhui_ids(users)
    strangers = [make_id(HUANGPU, date(1951, 3, 3), 700 + i) for i in range(3)]
    at = data_page("hp@example.gov")
    probe = checked(at, "probe.csv", register(theirs))
    control = checked(at, "control.csv", register(strangers))
    assert probe == control  # nothing told about Xuhui's register
    assert probe["Already present"] == "0" and probe["New"] == "3"
    at = data_page("hp@example.gov")
    checked(at, "probe.csv", register(theirs))
    said = imported(at, "register")
    assert "another district" not in said and "3 registrations imported" in said, said


def test_aid_for_another_districts_people_is_held_and_accepted_there(users):
    theirs = xuhui_ids(users)
    at = data_page("hp@example.gov")
    at.segmented_control(key="submit_kind").set_value("aid").run()
    counts = checked(at, "aid.csv", aid(theirs))
    assert counts["New"] == "3"  # the check does not tell where anyone lives
    said = imported(at, "aid")
    assert "3 records held" in said, said
    assert "Xuhui" not in said and "徐汇" not in said

    xuhui = data_page("xh@example.gov")
    waiting = next(df.value for df in xuhui.dataframe if "Record no." in df.value.columns)
    assert sorted(waiting["Record no."]) == ["HP0", "HP1", "HP2"]
    assert all("*" in v for v in waiting["ID number"])
    xuhui.button(key="submit_held_accept").click().run()
    assert not xuhui.exception, [e.message for e in xuhui.exception]
    assert any("3 records accepted" in s.value for s in xuhui.success)
    engine = make_engine(users)
    with engine.connect() as conn:
        r = schema.aid_records
        count = conn.execute(
            sa.select(sa.func.count()).where(r.c.record_no.in_(["HP0", "HP1", "HP2"]))
        ).scalar_one()
        decided = conn.execute(
            sa.select(schema.audit_log.c.action).where(schema.audit_log.c.action == "held_accept")
        ).all()
    engine.dispose()
    assert count == 3 and len(decided) == 1

    back = data_page("hp@example.gov")
    history = next(df.value for df in back.dataframe if "Accepted there" in df.value.columns)
    assert history[["Held for another district", "Accepted there"]].values.tolist() == [[3, 3]]


def test_an_uploaded_files_name_is_shown_as_text(users):
    at = data_page("hp@example.gov")
    name = "![x](https:attacker.example).csv"  # a "/" would be cut: names are never paths
    checked(at, name, register([make_id(HUANGPU, date(1952, 4, 4), 800)]))
    info = next(c.value for c in at.caption if "attacker" in c.value)
    assert "![x](https" not in info  # every Markdown character escaped
    assert r"\!\[x\]\(https\:attacker" in info
