"""warmth report: figures for a meeting, as CSV or JSON on standard output.

`warmth report coverage --by district` prints the coverage table (warmth.queries). The
`gaps` action (people lists) is provided by warmth.worklists.report_gaps.
"""

from __future__ import annotations

import csv
import json
import math
import os
import sys
from datetime import date

import sqlalchemy as sa

from warmth import queries, reference
from warmth.audit import write_audit
from warmth.commands.init import open_database
from warmth.database import DatabaseUnavailableError, redact
from warmth.errors import UsageError
from warmth.scope import Filters, city_scope


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"not a date (YYYY-MM-DD): {text!r}") from exc


def add_parser(sub):
    cmd = sub.add_parser("report", help="print coverage figures or gap lists as CSV or JSON")
    cmd.add_argument("what", choices=["coverage", "gaps"], help="which report")
    cmd.add_argument(
        "--by", choices=list(queries.BYS), default="city", help="rows of the coverage table"
    )
    cmd.add_argument("--kind", help="gaps: which list (see warmth.worklists)")
    cmd.add_argument(
        "--district",
        action="append",
        default=[],
        metavar="CODE",
        help="only this district (repeatable)",
    )
    cmd.add_argument(
        "--from",
        dest="date_from",
        metavar="DATE",
        help="start of the date window; checked only: reach is defined 'by a date', so "
        "figures count every record up to --to",
    )
    cmd.add_argument(
        "--to", dest="date_to", metavar="DATE", help="count records dated up to this day"
    )
    cmd.add_argument("--campaign", metavar="CODE", help="campaign code (default: the newest)")
    cmd.add_argument("--format", choices=["csv", "json"], default="csv", help="output format")
    return cmd


def _cell(column: str, value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if column == "coverage":
        return round(float(value), 6)
    if column == "amount_yuan":
        return round(float(value), 2)
    if hasattr(value, "item"):
        return value.item()
    return value


def write_coverage(frame, fmt: str, out) -> None:
    """COVERAGE_COLUMNS exactly: coverage a fraction with 6 decimals (empty / null when
    undefined), amount_yuan with 2 decimals."""
    rows = [
        {c: _cell(c, v) for c, v in zip(queries.COVERAGE_COLUMNS, rec, strict=True)}
        for rec in frame[queries.COVERAGE_COLUMNS].itertuples(index=False, name=None)
    ]
    if fmt == "json":
        json.dump(rows, out, ensure_ascii=False, indent=1)
        out.write("\n")
        return
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(queries.COVERAGE_COLUMNS)
    for row in rows:
        cells = []
        for c in queries.COVERAGE_COLUMNS:
            v = row[c]
            if v is None:
                cells.append("")
            elif c == "coverage":
                cells.append(f"{v:.6f}")
            elif c == "amount_yuan":
                cells.append(f"{v:.2f}")
            else:
                cells.append(v)
        writer.writerow(cells)


def run(args, out=None) -> int:
    out = out or sys.stdout
    date_from = _date(args.date_from) if args.date_from else None
    date_to = _date(args.date_to) if args.date_to else None
    if date_from and date_to and date_from > date_to:
        raise UsageError("--from is after --to")
    engine = open_database(args.db)
    try:
        with engine.connect() as conn:
            if args.campaign:
                try:
                    reference.campaign_id(conn, args.campaign)
                except LookupError as exc:
                    raise UsageError(str(exc).strip("'\"")) from exc
            scope = city_scope(conn, user="cli")
            unknown = sorted(set(args.district) - scope.districts)
            if unknown:
                raise UsageError(f"unknown district: {', '.join(unknown)}")
            filters = Filters(campaign=args.campaign, districts=tuple(args.district), as_of=date_to)
            if args.what == "gaps":
                from warmth import worklists

                if not args.kind:
                    raise UsageError("gaps needs --kind")
                rows = worklists.write_gaps(conn, scope, filters, args.kind, args.format, out)
            else:
                table = queries.coverage(conn, scope, filters, args.by)
                write_coverage(table, args.format, out)
                rows = len(table)
        with engine.begin() as conn:  # every export is audited, the command line's too
            write_audit(
                conn,
                user=os.environ.get("USER") or "cli",
                role="city",
                scope=scope,
                action="export",
                detail={
                    "via": "cli",
                    "report": args.what,
                    "by": args.by if args.what == "coverage" else args.kind,
                    "format": args.format,
                    "districts": list(args.district),
                    "to": args.date_to,
                },
                row_count=rows,
            )
    except sa.exc.OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0]
        raise DatabaseUnavailableError(
            f"cannot read database {redact(engine.url)}: {reason}"
        ) from exc
    return 0
