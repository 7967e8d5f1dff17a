"""warmth users add|list|set|disable|remove: who may sign in, and what they see.

    warmth users add ann@district.gov --role district --district 310101 --as me@city.gov
    warmth users set ann@district.gov --district 310101,310104 --may-reveal
    warmth users disable ann@district.gov
    warmth users list                      # who can see what

Every change is checked against the reference data and audited with the operator's e-mail
(`--as`, else $WARMTH_OPERATOR; one of them is required).
"""

from __future__ import annotations

import json
import sys

from warmth.commands import identity
from warmth.commands.init import open_database, write_failed
from warmth.errors import UsageError

ACTIONS = ("add", "list", "set", "disable", "enable", "remove")
ROLES = ("city_admin", "city_viewer", "district", "department")  # warmth.scope.ROLES


def _codes(values: list[str] | None) -> tuple[str, ...] | None:
    if values is None:
        return None
    return tuple(c.strip() for v in values for c in v.split(",") if c.strip())


def add_parser(sub):
    cmd = sub.add_parser("users", help="manage who may sign in and what they see")
    cmd.add_argument("action", choices=ACTIONS)
    cmd.add_argument("email", nargs="?", help="the user's e-mail (all but list)")
    cmd.add_argument("--role", choices=ROLES, default=None)
    cmd.add_argument(
        "--district", action="append", metavar="CODE", default=None,
        help="a district of a district user (repeatable or comma-separated)",
    )  # fmt: skip
    cmd.add_argument(
        "--department", action="append", metavar="CODE", default=None,
        help="a department of a department user (repeatable or comma-separated)",
    )  # fmt: skip
    reveal = cmd.add_mutually_exclusive_group()
    reveal.add_argument("--may-reveal", dest="may_reveal", action="store_true", default=None)
    reveal.add_argument("--no-may-reveal", dest="may_reveal", action="store_false")
    cmd.add_argument("--format", choices=["text", "json"], default="text", help="list only")
    identity.add_argument(cmd)
    return cmd


def _names(conn, table, lang: str) -> dict[str, str]:
    import sqlalchemy as sa

    rows = conn.execute(sa.select(table.c.code, table.c.name_zh, table.c.name_en))
    return {code: zh if lang == "zh" else en for code, zh, en in rows}


def print_list(conn, lang: str, fmt: str, out=None) -> int:
    from warmth import i18n, schema, users

    out = out or sys.stdout
    found = users.listing(conn)
    if fmt == "json":
        rows = [u.as_dict() | {"sees": users.sees(u), "changed_by": u.changed_by} for u in found]
        out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return len(found)
    t = lambda key, **v: i18n.t(key, lang, **v)  # noqa: E731
    district_names = _names(conn, schema.districts, lang)
    department_names = _names(conn, schema.departments, lang)
    if not found:
        out.write(t("users_none") + "\n")
    for u in found:
        may = users.sees(u)
        if may["districts"] is not None:
            sees = ", ".join(f"{c} {district_names.get(c, c)}" for c in may["districts"])
        elif may["departments"] is not None:
            names = ", ".join(f"{c} {department_names.get(c, c)}" for c in may["departments"])
            sees = t("users_sees_departments", departments=names)
        else:
            sees = t("users_sees_city")
        rights = [t(f"users_right_{r}") for r in ("upload", "reveal", "audit") if may[r]]
        state = t("users_disabled") if u.disabled else sees
        out.write(f"{u.email}\t{u.role}\t{state}\t{', '.join(rights) or '-'}\n")
    return len(found)


def run(args) -> int:
    import sqlalchemy as sa

    from warmth import bootstrap, users
    from warmth.database import redact

    lang = getattr(args, "lang", "en")
    if args.action != "list" and not args.email:
        raise UsageError(key="users_needs_email", action=args.action)
    if args.action == "add" and not args.role:
        raise UsageError(key="users_add_needs_role", roles=", ".join(ROLES))
    who = identity.operator(args, required=args.action != "list")
    engine = open_database(args.db)
    if not bootstrap.is_initialised(engine):
        raise UsageError(key="cli_not_initialised", url=redact(engine.url))
    districts, departments = _codes(args.district), _codes(args.department)
    try:
        if args.action == "list":
            with engine.connect() as conn:
                print_list(conn, lang, args.format)
            return 0
        with engine.begin() as conn:
            if args.action == "add":
                done = users.add(
                    conn, args.email, args.role, districts=districts or (),
                    departments=departments or (), may_reveal=bool(args.may_reveal),
                    operator=who,
                )  # fmt: skip
            elif args.action == "remove":
                done = users.remove(conn, args.email, operator=who)
            else:
                done = users.change(
                    conn, args.email, role=args.role, districts=districts,
                    departments=departments, may_reveal=args.may_reveal,
                    disabled={"disable": True, "enable": False}.get(args.action),
                    operator=who,
                )  # fmt: skip
    except sa.exc.OperationalError as exc:
        raise write_failed(engine, exc) from exc
    from warmth import i18n

    print(i18n.t(f"users_done_{args.action}", lang, email=done.email, role=done.role))
    return 0
