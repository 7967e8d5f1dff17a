"""Making a database ready: schema at the newest migration, reference data loaded."""

from __future__ import annotations

import sqlalchemy as sa

from warmth import migrate, reference


def init_database(engine: sa.Engine) -> dict[str, int]:
    """Create or upgrade the schema and load the reference data. Safe to run twice."""
    migrate.upgrade(engine)
    with engine.begin() as conn:
        return reference.load(conn)


def is_initialised(engine: sa.Engine) -> bool:
    """True when the schema is at the newest revision."""
    try:
        return migrate.current_revision(engine) == migrate.head_revision()
    except sa.exc.OperationalError:
        return False
