"""PostgreSQL row-level security: the second wall around people's rows.

On PostgreSQL the tables that hold people (beneficiaries, aid_records,
duplicate_registrations, quarantine) have row-level security enabled (migration 0014) with
one policy each, keyed by the transaction-local setting `warmth.districts`: a comma-separated
list of district codes, or `*` for the whole city. A missing or empty setting sees no row.

Every transaction on an engine from `warmth.database.make_engine` starts by setting it
(`set_config(..., true)`, so it ends with the transaction and never leaks to the next user of
a pooled connection) from the districts of the current context:
- `scoped(districts)`: what a viewer's reads run under (components/data/ wraps each call);
- `city_wide()`: the trusted paths that must see the whole city — imports and undo
  (duplicates across districts), the demo, and the command line;
- `elevated(conn)`: the snapshot builder, shared by every session and cut by scope in
  numpy, reads the city inside the viewer's own transaction and narrows it back after;
- neither: the empty setting, so a read nobody scoped returns nothing.

The owner of the tables (who runs the migrations) is exempt, as PostgreSQL makes every owner
and superuser; the application connects as a role granted by `grant_app_role` (not owner,
no BYPASSRLS), so a district transaction cannot read another district's people even with a
hand-written query. The policy trusts the setting: code that calls `set_config` itself can
widen it, which is why only this module does. SQLite has no row-level security: there the
scope in the core (warmth.request) is the only wall.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress

import sqlalchemy as sa

SETTING = "warmth.districts"
CITY_WIDE = "*"
TABLES = ("beneficiaries", "aid_records", "duplicate_registrations", "held_records", "quarantine")

_current: contextvars.ContextVar[str] = contextvars.ContextVar("warmth_districts", default="")


@contextmanager
def _setting(value: str) -> Iterator[None]:
    token = _current.set(value)
    try:
        yield
    finally:
        _current.reset(token)


def scoped(districts: Iterable[str] | str) -> AbstractContextManager[None]:
    """Transactions begun inside see the people of these districts only (`*`: the city)."""
    value = districts if isinstance(districts, str) else ",".join(sorted(districts))
    return _setting(value)


def city_wide() -> AbstractContextManager[None]:
    """Transactions begun inside see the whole city (trusted core paths only)."""
    return _setting(CITY_WIDE)


def current() -> str:
    return _current.get()


def _on_begin(conn: sa.Connection) -> None:
    conn.exec_driver_sql(
        "SELECT set_config(%(name)s, %(value)s, true)", {"name": SETTING, "value": _current.get()}
    )


@contextmanager
def elevated(conn: sa.Connection) -> Iterator[sa.Connection]:
    """The caller's transaction, city-wide until the block ends, then back to what it was:
    for the snapshot builder only (trusted code in the same thread, no viewer SQL between).
    Nothing to do on SQLite."""
    if conn.dialect.name != "postgresql":
        yield conn
        return
    was = conn.execute(sa.text("SELECT current_setting(:n, true)"), {"n": SETTING}).scalar()
    conn.execute(sa.text("SELECT set_config(:n, :v, true)"), {"n": SETTING, "v": CITY_WIDE})
    try:
        yield conn
    finally:
        # an aborted transaction runs nothing more: there is nothing left to narrow
        with suppress(sa.exc.DBAPIError):
            conn.execute(sa.text("SELECT set_config(:n, :v, true)"), {"n": SETTING, "v": was or ""})


def install(engine: sa.Engine) -> None:
    """Set the districts at the start of every transaction on this (PostgreSQL) engine."""
    sa.event.listen(engine, "begin", _on_begin)


# --- the schema side: used by migration 0014 and by `warmth grant` ----------------------

SEES = """
CREATE OR REPLACE FUNCTION warmth_sees(code text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('warmth.districts', true), '') = '*'
      OR code = ANY (string_to_array(nullif(current_setting('warmth.districts', true), ''), ','))
$$
"""

POLICIES = {
    "beneficiaries": "warmth_sees(district_code)",
    "duplicate_registrations": "warmth_sees(district_code)",
    # a record is seen where it was delivered, and by the district its person is registered in
    "aid_records": (
        "warmth_sees(coalesce(district_code, submitter)) OR EXISTS (SELECT 1 FROM beneficiaries b"
        " WHERE b.campaign_id = aid_records.campaign_id AND b.id_number = aid_records.id_number)"
    ),
    # held for the district its person is registered in; seen by the one that sent it too
    "held_records": "warmth_sees(owner_district) OR warmth_sees(submitter)",
    "quarantine": (
        "EXISTS (SELECT 1 FROM import_batches ib WHERE ib.id = quarantine.batch_id"
        " AND warmth_sees(ib.district_code))"
    ),
}


def enable(conn: sa.Connection) -> None:
    """Row-level security on the people tables, one policy each (PostgreSQL only)."""
    conn.exec_driver_sql(SEES)
    for table, rule in POLICIES.items():
        conn.exec_driver_sql(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        conn.exec_driver_sql(f"DROP POLICY IF EXISTS warmth_district ON {table}")
        conn.exec_driver_sql(
            f"CREATE POLICY warmth_district ON {table} USING ({rule}) WITH CHECK ({rule})"
        )


def disable(conn: sa.Connection) -> None:
    for table in POLICIES:
        conn.exec_driver_sql(f"DROP POLICY IF EXISTS warmth_district ON {table}")
        conn.exec_driver_sql(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    conn.exec_driver_sql("DROP FUNCTION IF EXISTS warmth_sees(text)")


def grant_app_role(conn: sa.Connection, role: str) -> None:
    """Give an existing role what the application needs, and no more: read and write the
    tables (people's rows through the policies), only add to and read the audit trail.
    Refused for a role that is superuser, has BYPASSRLS or owns the tables."""
    found = conn.execute(
        sa.text("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = :r"), {"r": role}
    ).first()
    if found is None:
        raise ValueError(f"no role {role!r} (CREATE ROLE {role} LOGIN PASSWORD '...' first)")
    if found.rolsuper or found.rolbypassrls:
        raise ValueError(f"role {role!r} is superuser or has BYPASSRLS: it would pass the wall")
    owned = conn.execute(
        sa.text("SELECT count(*) FROM pg_tables WHERE tableowner = :r AND tablename = ANY(:t)"),
        {"r": role, "t": list(TABLES)},
    ).scalar_one()
    if owned:
        raise ValueError(f"role {role!r} owns the people tables: owners pass the wall")
    quoted = conn.dialect.identifier_preparer.quote(role)
    conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {quoted}")
    conn.exec_driver_sql(
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {quoted}"
    )
    conn.exec_driver_sql(f"REVOKE UPDATE, DELETE ON audit_log FROM {quoted}")
    conn.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quoted}")
    conn.exec_driver_sql(f"GRANT EXECUTE ON FUNCTION warmth_sees(text) TO {quoted}")
