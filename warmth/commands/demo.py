"""warmth demo: fill a campaign with the seeded demo city, replacing its earlier data."""

from __future__ import annotations

from warmth.commands.init import open_database, write_failed
from warmth.errors import UsageError

# warmth.demo's defaults, written here so that the parser needs no numpy (a test compares)
DEFAULT_SCALE = 0.02
DEFAULT_SEED = 2005


def add_parser(sub):
    cmd = sub.add_parser(
        "demo",
        help="fill a campaign with a realistic demo city (replaces the campaign's data)",
    )
    cmd.add_argument(
        "--scale",
        type=float,
        default=DEFAULT_SCALE,
        help="share of the whole city, in (0, 1]; 1 = about 3 million beneficiaries "
        f"(default {DEFAULT_SCALE})",
    )
    cmd.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="random seed (same seed, same city)"
    )
    cmd.add_argument("--campaign", default="2005", help="campaign code (default 2005)")
    return cmd


def run(args) -> int:
    import sqlalchemy as sa

    from warmth import bootstrap, demo
    from warmth.database import redact

    try:
        scale = demo.check_scale(args.scale)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    engine = open_database(args.db)
    try:
        bootstrap.init_database(engine)
        stats = demo.load_demo(engine, scale=scale, seed=args.seed, campaign=args.campaign)
    except LookupError as exc:
        raise UsageError(str(exc.args[0]) if exc.args else str(exc)) from exc
    except sa.exc.OperationalError as exc:
        raise write_failed(engine, exc) from exc
    print(
        f"demo city for campaign {args.campaign} (scale {scale:g}, seed {args.seed}) in "
        f"{redact(engine.url)}: {stats.beneficiaries:,} beneficiaries, {stats.records:,} aid "
        f"records, {stats.duplicate_registrations:,} cross-district duplicate registrations, "
        f"{stats.seconds:.1f} s"
    )
    return 0
