"""On PostgreSQL the dashboard's role may add to and read the audit trail, never change or
delete it, and may read but not change the users tables (warmth/sql/grants.sql)."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import _pg_engine
from warmth import audit, grants, users
from warmth.database import make_engine

pytestmark = pytest.mark.postgres


@pytest.fixture
def app_engine(pg_admin):
    """(owner engine, engine of a fresh login role holding only the granted rights)."""
    gen = _pg_engine(pg_admin)
    owner = next(gen)
    role = f"warmth_app_{uuid.uuid4().hex[:8]}"
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))
    with owner.begin() as conn:
        grants.apply(conn, role)
        users.add(conn, "a@d.gov", "district", districts=("310101",), operator="owner@city.gov")
    url = owner.url.set(username=role)
    app = make_engine(url.render_as_string(hide_password=False))
    yield owner, app
    app.dispose()
    next(gen, None)
    with pg_admin.connect() as conn:
        conn.execute(sa.text(f"DROP ROLE IF EXISTS {role}"))


def test_the_app_role_appends_to_the_audit_trail_and_reads_it(app_engine):
    _owner, app = app_engine
    assert audit.record(app, user="a@d.gov", role="district", scope="district:310101",
                        action="sign_in", detail={"via": "oidc"})  # fmt: skip
    with app.connect() as conn:
        rows, total = audit.trail(conn, audit.TrailQuery(actions=("sign_in",)))
    assert total == 1 and rows["user"].tolist() == ["a@d.gov"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET \"user\" = 'someone else'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "UPDATE users SET role = 'city_admin'",
        "INSERT INTO users (email, role) VALUES ('me@x.gov', 'city_admin')",
        "DELETE FROM user_districts",
        "DROP TABLE audit_log",
        "DELETE FROM alembic_version",
    ],
)
def test_the_app_role_cannot_change_the_trail_or_who_may_see_what(app_engine, statement):
    _owner, app = app_engine
    audit.record(app, user="a@d.gov", role="district", scope="-", action="view", detail={})
    count = "SELECT count(*) FROM audit_log WHERE \"user\" = 'a@d.gov'"
    refused = pytest.raises(sa.exc.ProgrammingError, match="permission denied|must be owner")
    with refused, app.begin() as conn:
        conn.exec_driver_sql(statement)
    with app.connect() as conn:
        assert conn.exec_driver_sql(count).scalar() == 1
        assert conn.exec_driver_sql("SELECT role FROM users").scalar() == "district"


def test_the_app_role_still_writes_the_data(app_engine):
    _owner, app = app_engine
    with app.begin() as conn:  # what an import does: the data version, a batch
        conn.exec_driver_sql("UPDATE data_version SET version = version + 1")
        conn.exec_driver_sql("DELETE FROM quarantine")


def test_a_role_name_is_an_identifier_only():
    with pytest.raises(ValueError, match="role name"):
        grants.statements('x"; DROP TABLE audit_log; --')
    assert grants.statements("warmth_app")[0] == 'GRANT USAGE ON SCHEMA public TO "warmth_app"'
