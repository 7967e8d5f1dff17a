"""warmth refresh: rebuild the columnar snapshot the dashboard reads: the districts whose
snapshot file is missing, stale or damaged read again from the base tables (--full: every
district), the city joined anew."""

from __future__ import annotations

import time

from warmth.commands.init import open_database, write_failed
from warmth.errors import UsageError


def add_parser(sub):
    cmd = sub.add_parser(
        "refresh",
        help="rebuild the dashboard's snapshot from the register and the aid records",
    )
    cmd.add_argument("--campaign", metavar="CODE", help="campaign code (default: every campaign)")
    cmd.add_argument(
        "--full",
        action="store_true",
        help="read every district again from the base tables (default: only the districts "
        "whose snapshot file is missing, older than their last write, or damaged)",
    )
    return cmd


def run(args) -> int:
    import sqlalchemy as sa

    from warmth import bootstrap, reference
    from warmth.database import redact

    engine = open_database(args.db)
    if not bootstrap.is_initialised(engine):
        raise UsageError(key="cli_not_initialised", url=redact(engine.url))
    started = time.perf_counter()
    try:
        if args.campaign:
            with engine.connect() as conn:
                try:
                    reference.campaign_id(conn, args.campaign)
                except LookupError as exc:
                    raise UsageError(key="cli_no_campaign", code=args.campaign) from exc
        built = bootstrap.rebuild_snapshots(engine, args.campaign, full=args.full)
    except sa.exc.OperationalError as exc:
        raise write_failed(engine, exc) from exc
    print(
        f"rebuilt the snapshot of {built} campaign(s) in {redact(engine.url)}: "
        f"{time.perf_counter() - started:.1f} s"
    )
    return 0
