"""Errors the command line turns into one clear line: UsageError and DatabaseUnavailableError
exit 2. Light on purpose: `warmth --help` imports this module and nothing heavy."""

from __future__ import annotations


class UsageError(ValueError):
    """Bad arguments: printed as one line, exit code 2. Built from a key of the string table
    (warmth/strings.csv) and its values, the line is in the user's language; a plain message
    is shown as it is."""

    def __init__(self, message: str = "", *, key: str | None = None, **values: object):
        self.key = key
        self.values = values
        super().__init__(message or (self.text("en") if key else ""))

    def text(self, lang: str = "en") -> str:
        if self.key is None:
            return str(self)
        from warmth import i18n

        return i18n.t(self.key, lang, **self.values)


class DatabaseUnavailableError(RuntimeError):
    """The database cannot be reached or written; the message names the URL, password hidden."""


def unavailable_errors() -> tuple[type[BaseException], ...]:
    """The exceptions that mean the database cannot be used right now (the server down or
    unreachable, a SQLite file gone, locked past its wait or unreadable), as opposed to a bug."""
    import sqlalchemy as sa  # imported here: `warmth --help` stays light

    return (sa.exc.OperationalError, sa.exc.InterfaceError, DatabaseUnavailableError)


class IdKeyError(RuntimeError):
    """No key for ID numbers, a malformed one, or not the one the database was written with
    (warmth.idkey)."""
