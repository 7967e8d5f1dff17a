"""warmth init: create or upgrade the schema and load the reference data and campaigns."""

from __future__ import annotations

from typing import TYPE_CHECKING

from warmth.errors import DatabaseUnavailableError

if TYPE_CHECKING:
    import sqlalchemy as sa


def add_parser(sub):
    return sub.add_parser("init", help="create the schema and load the reference data (safe twice)")


def open_database(url: str | None) -> sa.Engine:
    """An engine that has answered SELECT 1, or DatabaseUnavailableError naming the URL."""
    from warmth.database import check, make_engine, redact

    try:
        engine = make_engine(url)
    except OSError as exc:
        raise DatabaseUnavailableError(f"cannot use database {redact(url or '')}: {exc}") from exc
    except Exception as exc:  # sqlalchemy.exc.ArgumentError and friends: not a URL
        raise DatabaseUnavailableError(f"not a database URL: {url!r}") from exc
    check(engine)
    return engine


def write_failed(
    engine: sa.Engine, exc: Exception, verb: str = "write"
) -> DatabaseUnavailableError:
    """The one line for a database that failed a write (read-only file, full disk...)."""
    from warmth.database import redact

    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
    return DatabaseUnavailableError(f"cannot {verb} database {redact(engine.url)}: {reason}")


def run(args) -> int:
    import sqlalchemy as sa

    from warmth import bootstrap
    from warmth.database import redact

    engine = open_database(args.db)
    try:
        counts = bootstrap.init_database(engine)
    except sa.exc.OperationalError as exc:
        raise write_failed(engine, exc) from exc
    print(f"initialised {redact(engine.url)}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0
