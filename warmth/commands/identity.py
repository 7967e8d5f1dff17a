"""Who is at the command line, for the audit trail: `--as EMAIL`, else $WARMTH_OPERATOR.

The login name of the operating system ($USER) says which account ran a command, not which
person: it is kept in the audit row's detail, never taken as the identity. A change to the
users table needs the identity; a report or an import without one is recorded as
`cli:unverified:<login>`, so the trail shows that nobody said who they were.
"""

from __future__ import annotations

import getpass
import os

from warmth.errors import UsageError

ENV_VAR = "WARMTH_OPERATOR"


def add_argument(cmd) -> None:
    cmd.add_argument(
        "--as",
        dest="operator",
        metavar="EMAIL",
        default=None,
        help=f"who you are, for the audit trail (default: ${ENV_VAR})",
    )


def login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def operator(args, *, required: bool = False) -> str:
    """The operator's e-mail (lower case) from --as or $WARMTH_OPERATOR; without either,
    UsageError when required, else `cli:unverified:<login>`."""
    from warmth.users import check_email

    given = getattr(args, "operator", None) or os.environ.get(ENV_VAR)
    if given:
        return check_email(given, what="--as / " + ENV_VAR)
    if required:
        raise UsageError(key="users_who_are_you", env=ENV_VAR)
    return f"cli:unverified:{login()}"
