"""warmth init: create or upgrade the schema and load the reference data and campaigns."""

from __future__ import annotations

import sqlalchemy as sa

from warmth import bootstrap
from warmth.database import DatabaseUnavailableError, check, make_engine, redact


def add_parser(sub):
    return sub.add_parser("init", help="create the schema and load the reference data (safe twice)")


def open_database(url: str | None) -> sa.Engine:
    """An engine that has answered SELECT 1, or DatabaseUnavailableError naming the URL."""
    try:
        engine = make_engine(url)
    except OSError as exc:
        raise DatabaseUnavailableError(f"cannot use database {redact(url or '')}: {exc}") from exc
    check(engine)
    return engine


def run(args) -> int:
    engine = open_database(args.db)
    try:
        counts = bootstrap.init_database(engine)
    except sa.exc.OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0]
        raise DatabaseUnavailableError(
            f"cannot write database {redact(engine.url)}: {reason}"
        ) from exc
    print(f"initialised {redact(engine.url)}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0
