"""warmth briefing: the meeting's briefing as an A4 PDF (warmth.briefing), for the whole city
or one district (that district's scope: its figures only), audited like every export.

    warmth briefing --out city.pdf
    warmth briefing --district 310101 --asof 2005-01-25 --lang zh --out 310101.pdf
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from warmth.commands.init import open_database, write_failed
from warmth.commands.report import _date, checked_scope
from warmth.errors import UsageError


def add_parser(sub):
    cmd = sub.add_parser("briefing", help="write the briefing (A4 PDF) of the city or a district")
    cmd.add_argument("--district", metavar="CODE", help="one district's briefing (its scope only)")
    cmd.add_argument("--asof", metavar="DATE", help="count records dated up to this day")
    cmd.add_argument("--campaign", metavar="CODE", help="campaign code (default: the newest)")
    cmd.add_argument("--out", metavar="FILE.pdf", required=True, help="where to write the PDF")
    return cmd


def run(args, out=None) -> int:
    out = out or sys.stdout
    started = time.monotonic()
    target = Path(args.out)
    if not target.parent.is_dir():
        raise UsageError(key="cli_no_folder", path=str(target.parent))
    as_of = _date(args.asof) if args.asof else None
    from warmth.briefing import render

    # The browser starts first: its few CPU-seconds run on the other core while this one
    # imports pandas and SQLAlchemy and computes the figures.
    render.warm()
    import sqlalchemy as sa

    from warmth import briefing
    from warmth.audit import write_audit
    from warmth.scope import Filters, district_scope

    try:
        engine = open_database(args.db)
    except BaseException:
        render.stop()
        raise
    try:
        with engine.connect() as conn:
            city = checked_scope(conn, args.campaign, [args.district] if args.district else [])
            scope = district_scope(conn, args.district, user="cli") if args.district else city
            filters = Filters(campaign=args.campaign, as_of=as_of)
            made = briefing.briefing(conn, scope, filters, args.lang)
        if made is None:
            raise UsageError(key="cli_no_campaign", code=args.campaign or "")
        target.write_bytes(made.pdf)
        with engine.begin() as conn:  # every export is audited, the command line's too
            write_audit(
                conn,
                user=os.environ.get("USER") or "cli",
                role=scope.role,
                scope=scope,
                action="export",
                detail=briefing.audit_detail(filters, args.lang, "cli") | {"file": target.name},
                row_count=made.pages,
            )
    except sa.exc.OperationalError as exc:
        raise write_failed(engine, exc, "read") from exc
    finally:
        render.stop()
    seconds = time.monotonic() - started
    from warmth import i18n

    print(
        i18n.t("briefing_written", args.lang, path=target, pages=made.pages, seconds=seconds),
        file=out,
    )
    return 0
