"""What a viewer may see (scope) and what they asked to see (filters).

Every query takes a Scope. Default deny: an empty scope sees nothing. District officials get
a scope of their own district; city staff get every district and department.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

import sqlalchemy as sa

from warmth import i18n, schema


@dataclass(frozen=True)
class Scope:
    """The districts and departments whose data a viewer may see, and whether personal data
    may be shown unmasked."""

    districts: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    role: str = "none"  # city | district | none
    user: str = "anonymous"
    may_unmask: bool = False

    @property
    def is_empty(self) -> bool:
        return not self.districts

    def allowed_districts(self, wanted: tuple[str, ...] | list[str] = ()) -> tuple[str, ...]:
        """The requested districts that the scope allows (all allowed ones when none asked),
        sorted; values from a URL are never trusted beyond this."""
        if not wanted:
            return tuple(sorted(self.districts))
        return tuple(sorted(set(wanted) & self.districts))

    def describe(self) -> str:
        return f"{self.role}:{','.join(sorted(self.districts)) or '-'}"


def city_scope(conn: sa.Connection, user: str = "city") -> Scope:
    """Everything: all districts and departments (the city's staff)."""
    d = conn.execute(sa.select(schema.districts.c.code)).scalars().all()
    p = conn.execute(sa.select(schema.departments.c.code)).scalars().all()
    return Scope(frozenset(d), frozenset(p), role="city", user=user)


def district_scope(conn: sa.Connection, district: str, user: str = "district") -> Scope:
    """One district's officials: their district only, every department's work in it."""
    p = conn.execute(sa.select(schema.departments.c.code)).scalars().all()
    return Scope(frozenset({district}), frozenset(p), role="district", user=user)


def scope_for_email(conn: sa.Connection, email: str) -> Scope | None:
    """The scope of a signed-in e-mail from the users table (matched without regard to case);
    None when it is not listed or its role grants nothing (a removed row or a role other
    than city or district is how access is taken away)."""
    u = schema.users
    row = conn.execute(sa.select(u).where(sa.func.lower(u.c.email) == email.lower())).first()
    if row is None:
        return None
    if row.role == "city":
        scope = city_scope(conn, user=email)
    elif row.role == "district" and row.district_code:
        scope = district_scope(conn, row.district_code, user=email)
    else:
        return None
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
