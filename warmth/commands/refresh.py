"""warmth refresh: rebuild the summary tables the dashboard reads."""

from __future__ import annotations

import time

from warmth.commands.init import open_database, write_failed
from warmth.errors import UsageError


def add_parser(sub):
    cmd = sub.add_parser(
        "refresh",
        help="rebuild the dashboard's summary tables from the register and the aid records",
    )
    cmd.add_argument("--campaign", metavar="CODE", help="campaign code (default: every campaign)")
    return cmd


def run(args) -> int:
    import sqlalchemy as sa

    from warmth import bootstrap, reference, schema, summaries, versions
    from warmth.database import redact

    engine = open_database(args.db)
    if not bootstrap.is_initialised(engine):
        raise UsageError(key="cli_not_initialised", url=redact(engine.url))
    try:
        with engine.begin() as conn:
            if args.campaign:
                try:
                    ids = [reference.campaign_id(conn, args.campaign)]
                except LookupError as exc:
                    raise UsageError(key="cli_no_campaign", code=args.campaign) from exc
            else:
                ids = list(conn.execute(sa.select(schema.campaigns.c.id)).scalars())
            started = time.perf_counter()
            for cid in ids:
                summaries.refresh(conn, cid)
            versions.bump(conn)
    except sa.exc.OperationalError as exc:
        raise write_failed(engine, exc) from exc
    print(
        f"refreshed summaries of {len(ids)} campaign(s) in {redact(engine.url)}: "
        f"{time.perf_counter() - started:.1f} s"
    )
    return 0
