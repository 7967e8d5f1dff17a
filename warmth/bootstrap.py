"""Making a database ready: schema at the newest migration, reference data loaded, and the
checks the dashboard's first run makes."""

from __future__ import annotations

import sqlalchemy as sa

from warmth import migrate, reference, schema, versions


def init_database(engine: sa.Engine) -> dict[str, int]:
    """Create or upgrade the schema and load the reference data. Safe to run twice. An
    upgrade, or a reference load that changed a row (campaigns among them), bumps the data
    version in its own transaction, marking no district changed: a snapshot shard file
    records what its codes meant (warmth.snapshot.store) and is read again only when
    reference data changed that. When neither changed anything, nothing moves: the
    snapshots held and kept stay current."""
    upgraded = migrate.upgrade(engine)
    with engine.begin() as conn:
        counts, written = reference.sync(conn)
        if upgraded or written:
            versions.bump(conn, ())
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


def is_demo(conn: sa.Connection) -> bool:
    """True when the demo made this database: it holds the demo's batch, and every other
    batch was uploaded by the demo viewer. Only such a database opens without sign-in."""
    from warmth.scope import DEMO_USER

    b = schema.import_batches
    demo = sa.exists().where(b.c.kind == "demo")
    other = sa.exists().where(b.c.kind != "demo", b.c.submitted_by != DEMO_USER)
    return bool(conn.execute(sa.select(demo & ~other)).scalar())


def is_ready(engine: sa.Engine) -> bool:
    """The schema is at the newest revision and a register is loaded: nothing to prepare."""
    return is_initialised(engine) and has_data(engine)


def rebuild_snapshots(engine: sa.Engine, campaign: str | None = None, *, full: bool = True) -> int:
    """Build the columnar snapshot of every campaign that holds data (or of one, by code)
    again under a new data version; the next view loads it from beside the database.
    full: every district is marked changed, so every shard is read afresh from the base
    tables. Otherwise no district is: each district's shard file written at that
    district's last change is loaded and checked (warmth.snapshot.store), and only the
    districts whose file is missing, older or damaged are read again; the city is joined
    anew from the shards either way. Returns the number of campaigns built."""
    from warmth import campaigns
    from warmth.snapshot import ahead, store  # heavy; only a rebuild needs them

    with engine.connect() as conn:
        if campaign:
            found = campaigns.campaign(conn, campaign)
            ids = [found["id"]] if found else []
        else:
            ids = store.campaign_ids(conn)
        for campaign_id in [] if full else ids:
            # the aid batches imported or undone since the newest files applied to them,
            # which then hold the districts they touched: none of those is read again
            store.patch_on_file(conn, campaign_id)
    with engine.begin() as conn:
        versions.bump(conn, None if full else ())
    with engine.connect() as conn:
        for campaign_id in ids:
            # what its readers derive from it, kept beside the new version's files
            # (warmth.snapshot.ahead): made here once, not by this version's first reader
            ahead.make(store.city(conn, campaign_id))
    return len(ids)
