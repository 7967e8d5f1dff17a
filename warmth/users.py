"""Who may sign in and what they see: the users table, managed by `warmth users ...`.

A user is an e-mail with one role (warmth.scope.ROLES): city_admin (everything, the audit
trail included), city_viewer (every figure and list, no upload, no audit trail), district
(one or more districts, every department's work there) or department (one or more
departments' programmes, in every district); may_reveal lets the user show personal data
unmasked. Every change is checked (the e-mail, the role, the codes against the reference
data) and writes an audit row in the same transaction, with who made it; a bad value is a
UsageError naming it. Disabling keeps the row (and its history) but grants nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from warmth import schema
from warmth.audit import write_audit
from warmth.errors import UsageError
from warmth.scope import ROLES

EMAIL = re.compile(r"^[^@\s,;<>\"']+@[^@\s,;<>\"']+\.[^@\s,;<>\"'.][^@\s,;<>\"']*$")
CITY_ROLES = ("city_admin", "city_viewer")


@dataclass(frozen=True)
class User:
    email: str
    role: str
    districts: tuple[str, ...]
    departments: tuple[str, ...]
    may_reveal: bool
    disabled: bool
    changed_at: datetime | None
    changed_by: str | None

    def as_dict(self) -> dict:
        return {
            "email": self.email,
            "role": self.role,
            "districts": list(self.districts),
            "departments": list(self.departments),
            "may_reveal": self.may_reveal,
            "disabled": self.disabled,
        }


def check_email(email: str, *, what: str = "email") -> str:
    """The e-mail in lower case, or UsageError: matching is without regard to case."""
    text = (email or "").strip()
    if len(text) > 120 or not EMAIL.match(text):
        raise UsageError(key="users_bad_email", email=email, what=what)
    return text.lower()


def _known(conn: sa.Connection, table: sa.Table) -> set[str]:
    return set(conn.execute(sa.select(table.c.code)).scalars())


def _check(
    conn: sa.Connection, role: str, districts: tuple[str, ...], departments: tuple[str, ...]
) -> None:
    if role not in ROLES:
        raise UsageError(key="users_bad_role", role=role, roles=", ".join(ROLES))
    unknown = sorted(set(districts) - _known(conn, schema.districts))
    if unknown:
        raise UsageError(key="cli_unknown_district", codes=", ".join(unknown))
    unknown = sorted(set(departments) - _known(conn, schema.departments))
    if unknown:
        raise UsageError(key="users_unknown_department", codes=", ".join(unknown))
    if role == "district" and (not districts or departments):
        raise UsageError(key="users_district_needs_districts")
    if role == "department" and (not departments or districts):
        raise UsageError(key="users_department_needs_departments")
    if role in CITY_ROLES and (districts or departments):
        raise UsageError(key="users_city_takes_no_codes", role=role)


def get(conn: sa.Connection, email: str) -> User | None:
    """The user with this e-mail (any case), or None."""
    u = schema.users
    row = conn.execute(sa.select(u).where(sa.func.lower(u.c.email) == email.lower())).first()
    if row is None:
        return None
    ud, up = schema.user_districts, schema.user_departments
    districts = conn.execute(
        sa.select(ud.c.district_code).where(ud.c.email == row.email).order_by(ud.c.district_code)
    ).scalars()
    departments = conn.execute(
        sa.select(up.c.department_code)
        .where(up.c.email == row.email)
        .order_by(up.c.department_code)
    ).scalars()
    return User(
        row.email,
        row.role,
        tuple(districts),
        tuple(departments),
        bool(row.may_unmask),
        bool(row.disabled),
        row.changed_at,
        row.changed_by,
    )


def listing(conn: sa.Connection) -> list[User]:
    """Every user, by e-mail."""
    emails = conn.execute(sa.select(schema.users.c.email).order_by(schema.users.c.email))
    return [found for e in emails.scalars() if (found := get(conn, e)) is not None]


def _write(conn: sa.Connection, user: User, operator: str, *, new: bool) -> None:
    u, ud, up = schema.users, schema.user_districts, schema.user_departments
    values = {
        "role": user.role,
        "may_unmask": user.may_reveal,
        "disabled": user.disabled,
        "changed_at": datetime.now(UTC),
        "changed_by": operator[:120],
    }
    if new:
        conn.execute(u.insert().values(email=user.email, **values))
    else:
        conn.execute(u.update().where(u.c.email == user.email).values(**values))
    conn.execute(ud.delete().where(ud.c.email == user.email))
    conn.execute(up.delete().where(up.c.email == user.email))
    if user.districts:
        conn.execute(
            ud.insert(), [{"email": user.email, "district_code": d} for d in user.districts]
        )
    if user.departments:
        conn.execute(
            up.insert(), [{"email": user.email, "department_code": d} for d in user.departments]
        )


def _audit(conn, operator: str, action: str, before: User | None, after: User | None) -> None:
    email = (after or before).email
    write_audit(
        conn,
        user=operator,
        role="cli",
        scope="cli",
        action=action,
        detail={
            "email": email,
            "before": before.as_dict() if before else None,
            "after": after.as_dict() if after else None,
        },
    )


def _existing(conn: sa.Connection, email: str) -> User:
    found = get(conn, email)
    if found is None:
        raise UsageError(key="users_no_such_user", email=email)
    return found


def add(
    conn: sa.Connection,
    email: str,
    role: str,
    *,
    districts: tuple[str, ...] = (),
    departments: tuple[str, ...] = (),
    may_reveal: bool = False,
    operator: str,
) -> User:
    """A new user (UsageError when the e-mail is taken or a value is wrong); audited."""
    email = check_email(email)
    if get(conn, email) is not None:
        raise UsageError(key="users_exists", email=email)
    districts, departments = tuple(sorted(set(districts))), tuple(sorted(set(departments)))
    _check(conn, role, districts, departments)
    user = User(email, role, districts, departments, may_reveal, False, None, operator)
    _write(conn, user, operator, new=True)
    _audit(conn, operator, "user_add", None, user)
    return user


def change(
    conn: sa.Connection,
    email: str,
    *,
    role: str | None = None,
    districts: tuple[str, ...] | None = None,
    departments: tuple[str, ...] | None = None,
    may_reveal: bool | None = None,
    disabled: bool | None = None,
    operator: str,
) -> User:
    """The user changed as asked (None: kept). A new role drops the codes the old one had
    unless new ones are given; the result is checked as a new user would be; audited."""
    before = _existing(conn, email)
    new_role = role or before.role
    if role and role != before.role:
        keep_d = keep_p = ()
    else:
        keep_d, keep_p = before.districts, before.departments
    after = User(
        before.email,
        new_role,
        tuple(sorted(set(keep_d if districts is None else districts))),
        tuple(sorted(set(keep_p if departments is None else departments))),
        before.may_reveal if may_reveal is None else may_reveal,
        before.disabled if disabled is None else disabled,
        None,
        operator,
    )
    _check(conn, after.role, after.districts, after.departments)
    if after.as_dict() == before.as_dict():
        return before
    _write(conn, after, operator, new=False)
    action = "user_set"
    if disabled is not None and disabled != before.disabled:
        action = "user_disable" if disabled else "user_enable"
    _audit(conn, operator, action, before, after)
    return after


def remove(conn: sa.Connection, email: str, *, operator: str) -> User:
    """The user deleted (their audit rows stay); audited."""
    before = _existing(conn, email)
    conn.execute(
        schema.user_districts.delete().where(schema.user_districts.c.email == before.email)
    )
    conn.execute(
        schema.user_departments.delete().where(schema.user_departments.c.email == before.email)
    )
    conn.execute(schema.users.delete().where(schema.users.c.email == before.email))
    _audit(conn, operator, "user_remove", before, None)
    return before


def why_refused(conn: sa.Connection, email: str) -> str:
    """Why this e-mail gets no scope, for the audit trail: unknown, disabled, no_role (a role
    that is none of ROLES) or no_scope (a district or department user without codes)."""
    found = get(conn, email)
    if found is None:
        return "unknown"
    if found.disabled:
        return "disabled"
    return "no_role" if found.role not in ROLES else "no_scope"


def sees(user: User) -> dict[str, object]:
    """What the user's role lets them do: the districts and departments they see (None:
    all), and whether they may upload, reveal and read the audit trail."""
    active = not user.disabled
    return {
        "districts": list(user.districts) if user.role == "district" else None,
        "departments": list(user.departments) if user.role == "department" else None,
        "upload": active and user.role != "city_viewer",
        "reveal": active and user.may_reveal,
        "audit": active and user.role == "city_admin",
    }
