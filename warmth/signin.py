"""Sign-in rules that need no browser: which identity a request carries, whether a database
may open without sign-in, and which codes a URL asked for outside the viewer's scope.

The dashboard signs people in three ways, and in no other:
- OIDC (`st.login`, an `[auth]` section in the secrets file);
- a trusted header set by an authenticating proxy (`server.trustedUserHeaders`); a request
  with two copies of the header, or one holding a list, is refused: the proxy must replace
  any copy the client sent, and Streamlit must listen on loopback only;
- one explicit user for a single-person installation ($WARMTH_SINGLE_USER, or
  `single_user` in the secrets file): whoever reaches the port is that user.
Without any of them only the demo database opens (warmth.bootstrap.is_demo). Whatever the
way, the role and the scope come from the users table alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from warmth.scope import Scope

SINGLE_USER_ENV = "WARMTH_SINGLE_USER"
SINGLE_USER_KEY = "single_user"
EMAIL_KEY = "email"  # the st.user key a trusted header must fill


def header_name(mapping: Mapping[str, str] | None) -> str | None:
    """The header that server.trustedUserHeaders maps to the e-mail, or None (mode off)."""
    if not isinstance(mapping, Mapping):
        return None
    return next((h for h, key in mapping.items() if key == EMAIL_KEY), None)


def header_identity(values: Iterable[str]) -> tuple[str | None, str | None]:
    """(e-mail, None) from the copies of the identity header a request carried, or
    (None, reason): "missing", "duplicate" (two copies, or a comma-joined list of them)."""
    copies = [v.strip() for v in values]
    if not copies or not copies[0]:
        return None, "missing"
    if len(copies) > 1 or "," in copies[0]:
        return None, "duplicate"
    return copies[0], None


# The URL parameters that carry codes of what to look at (components/filters.py, drill.py).
URL_DISTRICTS = ("districts", "district")
URL_DEPARTMENTS = ("depts",)
URL_STREETS = ("street",)


def outside_scope(
    scope: Scope,
    params: Mapping[str, list[str]],
    *,
    districts: Iterable[str],
    departments: Iterable[str],
    street_districts: Mapping[str, str],
) -> dict[str, list[str]]:
    """Per URL parameter, the known codes it asks for that the scope does not allow (a
    district user asking for another district, a department's staff for another department,
    a street of another district). Unknown codes are left out: they are typing, not asking."""
    known_d, known_p = set(districts), set(departments)
    found: dict[str, list[str]] = {}
    for param, values in params.items():
        if param in URL_DISTRICTS:
            bad = [v for v in values if v in known_d and v not in scope.districts]
        elif param in URL_DEPARTMENTS:
            bad = [v for v in values if v in known_p and v not in scope.departments]
        elif param in URL_STREETS:
            bad = [
                v for v in values if v in street_districts
                and street_districts[v] not in scope.districts
            ]  # fmt: skip
        else:
            continue
        if bad:
            found[param] = sorted(set(bad))
    return found
