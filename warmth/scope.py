"""What a viewer may see (scope) and what they asked to see (filters).

Every query takes a Scope. Default deny: an empty scope sees nothing. District officials get
a scope of their districts (every department's work there), a department's staff one of its
programmes in every district, city staff every district and department. A scope comes from
the users table (scope_for_email), never from the URL or the browser.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

import sqlalchemy as sa

from warmth import i18n, schema

ROLES = ("city_admin", "city_viewer", "district", "department")  # the users table's roles
DEMO_USER = "demo"  # the viewer when no sign-in is configured (the demo database only)


@dataclass(frozen=True)
class Scope:
    """The districts and departments whose data a viewer may see, and whether personal data
    may be shown unmasked.

    role is what the scope covers (city, district, department, none); account is the users
    table's role that gave it (ROLES), empty for the command line and tests, which act for
    the city. What a viewer may do besides looking follows from the account: city_viewer
    uploads nothing; only city_admin (and the command line) sees the audit trail."""

    districts: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    role: str = "none"  # city | district | department | none
    user: str = "anonymous"
    may_unmask: bool = False
    account: str = ""  # city_admin | city_viewer | district | department | "" (not a user)

    @property
    def is_empty(self) -> bool:
        return not self.districts

    @property
    def may_upload(self) -> bool:
        return not self.is_empty and self.account != "city_viewer"

    @property
    def may_audit(self) -> bool:
        return self.account in ("city_admin", "") and self.role == "city"

    def may_submit_for_department(self, department: str) -> bool:
        """Aid records may be submitted in a department's name by the city or by that
        department's own staff."""
        return self.role == "city" or (self.role == "department" and department in self.departments)

    def allowed_districts(self, wanted: tuple[str, ...] | list[str] = ()) -> tuple[str, ...]:
        """The requested districts that the scope allows (all allowed ones when none asked),
        sorted; values from a URL are never trusted beyond this."""
        if not wanted:
            return tuple(sorted(self.districts))
        return tuple(sorted(set(wanted) & self.districts))

    def describe(self) -> str:
        """role:districts (* for the city's), and the departments of a department scope:
        what the audit trail records."""
        districts = "*" if self.role == "city" else ",".join(sorted(self.districts)) or "-"
        text = f"{self.account or self.role}:{districts}"
        if self.role == "department":
            text += f"/{','.join(sorted(self.departments)) or '-'}"
        return text


def _codes(conn: sa.Connection, table: sa.Table) -> list[str]:
    return list(conn.execute(sa.select(table.c.code)).scalars())


def city_scope(conn: sa.Connection, user: str = "city", account: str = "") -> Scope:
    """Everything: all districts and departments (the city's staff)."""
    d, p = _codes(conn, schema.districts), _codes(conn, schema.departments)
    return Scope(frozenset(d), frozenset(p), role="city", user=user, account=account)


def district_scope(
    conn: sa.Connection, district: str | frozenset[str], user: str = "district"
) -> Scope:
    """District officials: their district(s) only, every department's work in them."""
    chosen = frozenset({district}) if isinstance(district, str) else frozenset(district)
    p = _codes(conn, schema.departments)
    return Scope(chosen, frozenset(p), role="district", user=user, account="district")


def department_scope(
    conn: sa.Connection, departments: frozenset[str], user: str = "department"
) -> Scope:
    """A department's staff: its own programmes, in every district."""
    d = _codes(conn, schema.districts)
    return Scope(
        frozenset(d), frozenset(departments), role="department", user=user, account="department"
    )


def scope_for_email(conn: sa.Connection, email: str) -> Scope | None:
    """The scope of a signed-in e-mail from the users table (matched without regard to case);
    None when it is not listed, disabled, or its role grants nothing (a district user
    without districts, a department user without departments, a role not in ROLES)."""
    u = schema.users
    row = conn.execute(sa.select(u).where(sa.func.lower(u.c.email) == email.lower())).first()
    if row is None or row.disabled or row.role not in ROLES:
        return None
    if row.role in ("city_admin", "city_viewer"):
        scope = city_scope(conn, user=email, account=row.role)
    else:
        link = schema.user_districts if row.role == "district" else schema.user_departments
        code = link.c.district_code if row.role == "district" else link.c.department_code
        codes = frozenset(conn.execute(sa.select(code).where(link.c.email == row.email)).scalars())
        if not codes:
            return None
        make = district_scope if row.role == "district" else department_scope
        scope = make(conn, codes, user=email)
    return replace(scope, may_unmask=bool(row.may_unmask))


@dataclass(frozen=True)
class Filters:
    """The viewer's choice of slice. Empty tuples mean 'all that the scope allows'."""

    campaign: str | None = None  # campaign code; None = the newest
    districts: tuple[str, ...] = ()
    streets: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    programmes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    forms: tuple[str, ...] = ()
    as_of: date | None = None  # reached by this date (records dated up to it)


FILTER_LABELS = {
    "districts": "dash_filter_districts",
    "departments": "dash_filter_departments",
    "categories": "dash_filter_categories",
    "forms": "dash_filter_forms",
}


def describe_filters(
    filters: Filters, lang: str, names: Mapping[str, Mapping[str, str]] | None = None
) -> str:
    """The filters in words, for exports, captions and briefings ("all" when nothing is
    picked); with names ({"districts": {code: name}, ...}) chosen codes show as names."""
    every = i18n.t("dash_filter_all", lang)
    names = names or {}

    def chosen(kind: str) -> str:
        codes = getattr(filters, kind)
        return ", ".join(names.get(kind, {}).get(c, c) for c in codes) or every

    parts = [
        f"{i18n.t('dash_filter_campaign', lang)}: {filters.campaign or '—'}",
        f"{i18n.t('dash_filter_as_of', lang)}: {filters.as_of.isoformat() if filters.as_of else every}",
        *(f"{i18n.t(label, lang)}: {chosen(kind)}" for kind, label in FILTER_LABELS.items()),
    ]
    if filters.streets:
        parts.append(f"streets: {', '.join(filters.streets)}")
    if filters.programmes:
        parts.append(f"programmes: {', '.join(filters.programmes)}")
    return "; ".join(parts)
