"""The dashboard's PostgreSQL role and its rights (warmth/sql/grants.sql): data tables read
and written, the audit trail only appended to and read, the users tables and the schema
version only read (`warmth users` and `warmth init` run as the owner)."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

GRANTS_FILE = Path(__file__).resolve().parent / "sql" / "grants.sql"
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def statements(role: str) -> list[str]:
    """The statements of grants.sql for this role (a plain lower-case identifier)."""
    if not ROLE_NAME.match(role):
        raise ValueError(f"not a plain role name: {role!r}")
    text = "\n".join(
        line for line in GRANTS_FILE.read_text(encoding="utf-8").splitlines()
        if not line.lstrip().startswith("--")
    )  # fmt: skip
    text = text.replace(':"app_role"', f'"{role}"')
    return [s.strip() for s in text.split(";") if s.strip()]


def apply(conn: sa.Connection, role: str) -> None:
    """Grant the role its rights (in the caller's transaction, as the tables' owner)."""
    if conn.dialect.name != "postgresql":
        raise ValueError("grants are for PostgreSQL; SQLite has no roles")
    for statement in statements(role):
        conn.exec_driver_sql(statement)
