"""warmth grant ROLE: let an existing PostgreSQL role be the application's (warmth.rls).

Run by the owner of the tables. The role gets what the dashboard needs and passes through
the row-level security policies: it must not be superuser, have BYPASSRLS or own the tables.
"""

from __future__ import annotations

from warmth.commands.init import open_database
from warmth.errors import UsageError


def add_parser(sub):
    cmd = sub.add_parser("grant", help="PostgreSQL: let a role be the application's (RLS)")
    cmd.add_argument("role", help="an existing login role, not the tables' owner")
    return cmd


def run(args) -> int:
    from warmth import rls
    from warmth.database import redact

    engine = open_database(args.db)
    if engine.dialect.name != "postgresql":
        raise UsageError("row-level security exists on PostgreSQL only; SQLite has no roles")
    try:
        with engine.begin() as conn:
            rls.grant_app_role(conn, args.role)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    print(f"granted {args.role} the application's rights on {redact(engine.url)}")
    return 0
