"""Users written straight into the users tables (no validation, no audit), so that tests can
also hold rows `warmth users` would refuse (a role that is no role, a district user without
districts)."""

from __future__ import annotations

import sqlalchemy as sa

from warmth import schema
from warmth.database import make_engine


def put_user(
    url: str,
    email: str,
    role: str | None = None,
    *,
    districts: tuple[str, ...] = (),
    departments: tuple[str, ...] = (),
    may_unmask: bool = False,
    disabled: bool = False,
) -> None:
    """The user's rows replaced by these (role None: the user removed)."""
    u, ud, up = schema.users, schema.user_districts, schema.user_departments
    engine = make_engine(url)
    with engine.begin() as conn:
        for table in (ud, up, u):
            conn.execute(sa.delete(table).where(table.c.email == email))
        if role is not None:
            conn.execute(
                u.insert().values(email=email, role=role, may_unmask=may_unmask, disabled=disabled)
            )
            for d in districts:
                conn.execute(ud.insert().values(email=email, district_code=d))
            for d in departments:
                conn.execute(up.insert().values(email=email, department_code=d))
    engine.dispose()
