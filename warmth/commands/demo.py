"""warmth demo: fill a campaign with the seeded demo city, replacing its earlier data."""

from __future__ import annotations

from warmth.commands.init import open_database, write_failed
from warmth.errors import UsageError

# warmth.demo's defaults, written here so that the parser needs no numpy (a test compares)
DEFAULT_SCALE = 0.02
DEFAULT_SEED = 2005
MAX_SCALE = 2.0
CAMPAIGNS = ("2004", "2005")  # warmth.demo_years.CAMPAIGNS


def add_parser(sub):
    cmd = sub.add_parser(
        "demo",
        help="fill a campaign with a realistic demo city (replaces the campaign's data)",
    )
    cmd.add_argument(
        "--scale",
        type=float,
        default=DEFAULT_SCALE,
        help=f"share of the whole city, in (0, {MAX_SCALE:g}]; 1 = about 3 million "
        f"beneficiaries, above 1 more people in the same streets (default {DEFAULT_SCALE})",
    )
    cmd.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help="random seed (same seed, same city)"
    )
    cmd.add_argument(
        "--campaigns",
        default=",".join(CAMPAIGNS),
        metavar="CODES",
        help="comma-separated campaign codes; the newest is this year, the others its years "
        f"before, with largely the same people (default {','.join(CAMPAIGNS)})",
    )
    cmd.add_argument("--campaign", help="only this campaign (same as --campaigns CODE)")
    return cmd


def run(args) -> int:
    from warmth import demo
    from warmth.database import database_url, redact
    from warmth.demo import fresh

    try:
        scale = demo.check_scale(args.scale)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    url = database_url(args.db)
    new_file = fresh.new_file(url)  # a new file is built beside it, renamed when whole
    engine = open_database(args.db if new_file is None else fresh.start(url))
    shown = redact(url)
    try:
        codes, loaded = _load(engine, args, scale, fresh=new_file is not None)
    except BaseException:
        engine.dispose()
        if new_file is not None:
            fresh.discard(url)
        raise
    engine.dispose()
    if new_file is not None:
        fresh.finish(url)
    for code, stats in zip(codes, loaded, strict=True):
        print(
            f"demo city for campaign {code} (scale {scale:g}, seed {args.seed}) in "
            f"{shown}: {stats.beneficiaries:,} beneficiaries, {stats.records:,} "
            f"aid records, {stats.duplicate_registrations:,} cross-district duplicate "
            f"registrations, {stats.seconds:.1f} s"
        )
    return 0


def _load(engine, args, scale: float, *, fresh: bool):
    """(campaign codes, their DemoStats): the database initialised and the demo loaded."""
    import sqlalchemy as sa

    from warmth import bootstrap, demo_years

    try:
        bootstrap.init_database(engine)
        codes = demo_years.parse_campaigns(args.campaign or args.campaigns)
        if not codes:
            raise UsageError("--campaigns names no campaign")
        loaded = demo_years.load_campaigns(
            engine, campaigns=codes, scale=scale, seed=args.seed, fresh=fresh
        )
    except LookupError as exc:
        raise UsageError(str(exc.args[0]) if exc.args else str(exc)) from exc
    except sa.exc.OperationalError as exc:
        raise write_failed(engine, exc) from exc
    return codes, loaded
