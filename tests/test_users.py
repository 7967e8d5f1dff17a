"""The users table as `warmth users` manages it (warmth.users) and the scope each role gets
(warmth.scope.scope_for_email): validated, audited with the operator, default deny."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from warmth import schema, users
from warmth.errors import UsageError
from warmth.scope import scope_for_email

ROOT = Path(__file__).resolve().parent.parent
BOSS = "boss@city.gov"


def audit_rows(conn) -> list[tuple[str, str, dict]]:
    a = schema.audit_log
    rows = conn.execute(sa.select(a.c.user, a.c.action, a.c.detail).order_by(a.c.id))
    return [(u, action, json.loads(d)) for u, action, d in rows]


def test_each_role_gets_its_scope(engine):
    with engine.begin() as conn:
        users.add(conn, "Admin@City.gov", "city_admin", may_reveal=True, operator=BOSS)
        users.add(conn, "viewer@city.gov", "city_viewer", operator=BOSS)
        users.add(conn, "two@d.gov", "district", districts=("310101", "310104"), operator=BOSS)
        users.add(conn, "mz@dept.gov", "department", departments=("MZ",), operator=BOSS)
    with engine.connect() as conn:
        admin = scope_for_email(conn, "admin@city.GOV")
        viewer = scope_for_email(conn, "viewer@city.gov")
        district = scope_for_email(conn, "two@d.gov")
        dept = scope_for_email(conn, "mz@dept.gov")
        assert scope_for_email(conn, "nobody@x.gov") is None
    assert (admin.role, admin.account, len(admin.districts), len(admin.departments)) == (
        "city", "city_admin", 19, 11,
    )  # fmt: skip
    assert admin.may_unmask and admin.may_audit and admin.may_upload
    assert (viewer.role, viewer.may_audit, viewer.may_upload, viewer.may_unmask) == (
        "city", False, False, False,
    )  # fmt: skip
    assert district.districts == {"310101", "310104"} and len(district.departments) == 11
    assert not district.may_audit and district.may_upload
    assert dept.departments == {"MZ"} and len(dept.districts) == 19
    assert (dept.role, dept.may_audit, dept.may_upload) == ("department", False, True)
    assert dept.describe().endswith("/MZ")


def test_a_disabled_user_gets_nothing_and_enabled_again_gets_it_back(engine):
    with engine.begin() as conn:
        users.add(conn, "d@d.gov", "district", districts=("310101",), operator=BOSS)
        users.change(conn, "d@d.gov", disabled=True, operator=BOSS)
    with engine.connect() as conn:
        assert scope_for_email(conn, "d@d.gov") is None
    with engine.begin() as conn:
        users.change(conn, "d@d.gov", disabled=False, operator=BOSS)
    with engine.connect() as conn:
        assert scope_for_email(conn, "d@d.gov").districts == {"310101"}
        actions = [action for _u, action, _d in audit_rows(conn)]
    assert actions == ["user_add", "user_disable", "user_enable"]


def test_every_change_is_audited_with_the_operator_and_before_after(engine):
    with engine.begin() as conn:
        users.add(conn, "a@d.gov", "district", districts=("310101",), operator=BOSS)
        users.change(conn, "a@d.gov", districts=("310104", "310105"), operator=BOSS)
        users.change(conn, "a@d.gov", districts=("310104", "310105"), operator=BOSS)  # no-op
        users.change(conn, "a@d.gov", role="department", departments=("MZ",), operator=BOSS)
        users.remove(conn, "a@d.gov", operator="other@city.gov")
    with engine.connect() as conn:
        rows = audit_rows(conn)
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.users)).scalar() == 0
        left = sa.select(sa.func.count()).select_from(schema.user_districts)
        assert conn.execute(left).scalar() == 0
    assert [(u, action) for u, action, _ in rows] == [
        (BOSS, "user_add"), (BOSS, "user_set"), (BOSS, "user_set"),
        ("other@city.gov", "user_remove"),
    ]  # fmt: skip
    moved = rows[1][2]
    assert moved["before"]["districts"] == ["310101"]
    assert moved["after"]["districts"] == ["310104", "310105"]
    assert rows[2][2]["after"] == {
        "email": "a@d.gov", "role": "department", "districts": [], "departments": ["MZ"],
        "may_reveal": False, "disabled": False,
    }  # fmt: skip
    assert rows[3][2]["after"] is None


@pytest.mark.parametrize(
    ("kwargs", "key"),
    [
        ({"role": "district"}, "users_district_needs_districts"),
        ({"role": "district", "districts": ("999999",)}, "cli_unknown_district"),
        ({"role": "district", "districts": ("310101",), "departments": ("MZ",)},
         "users_district_needs_districts"),
        ({"role": "department"}, "users_department_needs_departments"),
        ({"role": "department", "departments": ("ZZ",)}, "users_unknown_department"),
        ({"role": "city_admin", "districts": ("310101",)}, "users_city_takes_no_codes"),
        ({"role": "mayor"}, "users_bad_role"),
        ({"role": "city_admin", "email": "nobody"}, "users_bad_email"),
        ({"role": "city_admin", "email": "a@b"}, "users_bad_email"),
        ({"role": "city_admin", "email": "a b@c.gov"}, "users_bad_email"),
    ],
)  # fmt: skip
def test_a_bad_user_is_refused_and_nothing_is_written(sqlite_engine, kwargs, key):
    email = kwargs.pop("email", "x@d.gov")
    role = kwargs.pop("role")
    with pytest.raises(UsageError) as caught, sqlite_engine.begin() as conn:
        users.add(conn, email, role, operator=BOSS, **kwargs)
    assert caught.value.key == key
    assert caught.value.text("zh") != caught.value.text("en")
    with sqlite_engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(schema.users)).scalar() == 0
        assert audit_rows(conn) == []


def test_the_same_email_in_another_case_is_the_same_user(sqlite_engine):
    with sqlite_engine.begin() as conn:
        users.add(conn, "Ann@D.gov", "city_viewer", operator=BOSS)
        with pytest.raises(UsageError, match="exists"):
            users.add(conn, "ann@d.GOV", "city_admin", operator=BOSS)
        assert [u.email for u in users.listing(conn)] == ["ann@d.gov"]


def warmth(*argv: str, operator: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "WARMTH_OPERATOR"}
    env.update(LANG="C.UTF-8", PYTHONPATH=str(ROOT))
    if operator:
        env["WARMTH_OPERATOR"] = operator
    return subprocess.run(
        [sys.executable, "-m", "warmth.cli", *argv], capture_output=True, text=True, cwd=ROOT,
        env=env, timeout=120, check=False,
    )  # fmt: skip


def test_the_command_line_adds_lists_and_audits_with_warmth_operator(sqlite_engine):
    db = ["--db", sqlite_engine.url.render_as_string(hide_password=False), "--lang", "en"]
    done = warmth("users", "add", "d@d.gov", "--role", "district", "--district",
                  "310101,310104", *db, operator="Boss@City.gov")  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = warmth("users", "add", "mz@d.gov", "--role", "department", "--department", "MZ",
                  "--may-reveal", "--as", "other@city.gov", *db, operator=BOSS)  # fmt: skip
    assert done.returncode == 0, done.stderr
    listed = warmth("users", "list", *db)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("d@d.gov\tdistrict\t310101 Huangpu District, 310104 Xuhui")
    assert lines[1].startswith("mz@d.gov\tdepartment\tMZ Civil Affairs Bureau in every district")
    assert lines[1].endswith("uploads, may reveal")
    as_json = json.loads(warmth("users", "list", "--format", "json", *db).stdout)
    assert as_json[0]["sees"] == {
        "districts": ["310101", "310104"], "departments": None, "upload": True,
        "reveal": False, "audit": False,
    }  # fmt: skip
    with sqlite_engine.connect() as conn:
        who = [(u, action) for u, action, _ in audit_rows(conn)]
    assert who == [(BOSS, "user_add"), ("other@city.gov", "user_add")]  # --as wins over the env


def test_migration_0010_keeps_who_had_access(tmp_path):
    from alembic import command

    from warmth import migrate
    from warmth.database import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008")
        conn.execute(
            sa.text(
                "INSERT INTO districts (code, name_zh, name_en, kind, tile_row, "
                "tile_col) VALUES ('310101', '黄浦区', 'Huangpu', 'district', 0, 0)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO users (email, role, district_code, may_unmask) VALUES "
                "('c@city.gov', 'city', NULL, 1), ('d@d.gov', 'district', '310101', 0)"
            )
        )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        found = {u.email: u for u in users.listing(conn)}
    engine.dispose()
    assert (found["c@city.gov"].role, found["c@city.gov"].may_reveal) == ("city_admin", True)
    assert (found["d@d.gov"].role, found["d@d.gov"].districts) == ("district", ("310101",))
