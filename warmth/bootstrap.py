"""Making a database ready: schema at the newest migration, reference data loaded, and the
checks the dashboard's first run makes."""

from __future__ import annotations

import sqlalchemy as sa

from warmth import migrate, reference, schema, versions


def init_database(engine: sa.Engine) -> dict[str, int]:
    """Create or upgrade the schema and load the reference data. Safe to run twice. The
    reference load (campaigns among it) bumps the data version in its own transaction."""
    migrate.upgrade(engine)
    with engine.begin() as conn:
        counts = reference.load(conn)
        versions.bump(conn)
        return counts


def is_initialised(engine: sa.Engine) -> bool:
    """True when the schema is at the newest revision."""
    try:
        return migrate.current_revision(engine) == migrate.head_revision()
    except sa.exc.OperationalError:
        return False


def has_data(engine: sa.Engine) -> bool:
    """True when the database holds a register (at least one beneficiary)."""
    if not sa.inspect(engine).has_table(schema.beneficiaries.name):
        return False
    with engine.connect() as conn:
        return conn.execute(sa.select(schema.beneficiaries.c.id).limit(1)).first() is not None


def is_ready(engine: sa.Engine) -> bool:
    """The schema is at the newest revision and a register is loaded: nothing to prepare."""
    return is_initialised(engine) and has_data(engine)


def refresh_summaries(engine: sa.Engine) -> int:
    """Rebuild the summary tables of every campaign that holds a register (after a schema
    upgrade that added summary tables), bumping the data version in the same transaction.
    Returns the number of campaigns rebuilt."""
    from warmth import summaries  # heavy; only a refresh needs it

    with engine.begin() as conn:
        ids = list(conn.execute(sa.select(schema.beneficiaries.c.campaign_id).distinct()).scalars())
        for campaign_id in ids:
            summaries.refresh(conn, campaign_id)
        versions.bump(conn)
    return len(ids)
