"""warmth report: figures for a meeting, as CSV or JSON on standard output.

`warmth report coverage --by district` prints the coverage table (warmth.queries);
`warmth report gaps --kind omission` a people list (warmth.worklists, masked);
`warmth report coverage --compare 2004` the table beside that campaign's (warmth.years),
`warmth report quality` the data-quality scorecard per district (warmth.quality) and
`warmth report indicators --by category` the standard indicators (warmth.indicators). CSV headers
are the English codes, or with `--lang zh` the Chinese headers (those of the upload formats,
warmth.intake.columns, for the columns the formats share); JSON keys are always the codes.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from datetime import date

from warmth.commands import identity
from warmth.commands.init import open_database, write_failed
from warmth.errors import UsageError

# The choices of warmth.queries.BYS and warmth.worklists.KINDS, written here so that the
# parser needs no pandas (tests/test_cli_errors.py checks they agree).
BYS = ("city", "district", "street", "category", "programme", "department")
KINDS = ("omission", "repeat", "overlap", "leakage", "cross-district", "left-out")
# Columns of the people lists that are columns of an upload format: the format's header.
INTERCHANGE = {
    "id_number": "id_number",
    "name": "name",
    "district_code": "district",
    "street_code": "street",
    "categories": "categories",
    "household_size": "household_size",
    "address": "address",
    "programme_code": "programme",
    "amount_yuan": "amount_yuan",
}


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(key="cli_bad_date", value=text) from exc


def checked_scope(conn, campaign: str | None, districts: list[str]):
    """The city's scope for the command line, once the campaign code and the district codes
    asked for are known ones (UsageError naming them otherwise)."""
    from warmth import reference
    from warmth.scope import city_scope

    if campaign:
        try:
            reference.campaign_id(conn, campaign)
        except LookupError as exc:
            raise UsageError(key="cli_no_campaign", code=campaign) from exc
    scope = city_scope(conn, user="cli")
    unknown = sorted(set(districts) - scope.districts)
    if unknown:
        raise UsageError(key="cli_unknown_district", codes=", ".join(unknown))
    return scope


def add_parser(sub):
    cmd = sub.add_parser("report", help="print coverage figures or gap lists as CSV or JSON")
    cmd.add_argument(
        "what", choices=["coverage", "gaps", "quality", "indicators"], help="which report"
    )
    cmd.add_argument("--by", choices=BYS, default="city", help="rows of the coverage table")
    cmd.add_argument("--kind", choices=KINDS, help="gaps: which list")
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
    cmd.add_argument(
        "--compare",
        metavar="CODE",
        help="coverage: beside this campaign's figures, with the change (quality: the "
        "campaign of the consistency check; default: the one before)",
    )
    cmd.add_argument("--format", choices=["csv", "json"], default="csv", help="output format")
    identity.add_argument(cmd)
    return cmd


def coverage_header(columns: list[str], lang: str) -> list[str]:
    """The coverage table's CSV header: the codes, or in Chinese the metrics' labels."""
    if lang != "zh":
        return list(columns)
    from warmth import i18n, metrics

    out = []
    for c in columns:
        d = metrics.DEFINITIONS.get(c)
        out.append(d.label_zh if d is not None else i18n.t(f"cli_col_{c}", "zh"))
    return out


def gaps_header(columns: list[str], lang: str) -> list[str]:
    """A people list's CSV header: the codes, or in Chinese the upload formats' headers."""
    if lang != "zh":
        return list(columns)
    from warmth import i18n
    from warmth.intake.columns import REGISTER

    zh = {c.field: c.zh for c in REGISTER} | {"programme": "项目", "amount_yuan": "金额"}
    out = []
    for c in columns:
        field = INTERCHANGE.get(c)
        key = c.removesuffix("_code")
        out.append(zh[field] if field else i18n.t(f"gaps_col_{key}", "zh"))
    return out


def _cell(column: str, value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if column.startswith("coverage") or _is_share(column):
        return round(float(value), 6)
    if "yuan" in column:
        return round(float(value), 2)
    if hasattr(value, "item"):
        return value.item()
    return value


def write_coverage(frame, fmt: str, out, lang: str = "en") -> None:
    """COVERAGE_COLUMNS exactly: coverage a fraction with 6 decimals (empty / null when
    undefined), amount_yuan with 2 decimals."""
    from warmth import queries

    columns = queries.COVERAGE_COLUMNS
    rows = [
        {c: _cell(c, v) for c, v in zip(columns, rec, strict=True)}
        for rec in frame[columns].itertuples(index=False, name=None)
    ]
    if fmt == "json":
        json.dump(rows, out, ensure_ascii=False, indent=1)
        out.write("\n")
        return
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(coverage_header(columns, lang))
    for row in rows:
        cells = []
        for c in columns:
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


def table_header(columns: list[str], lang: str) -> list[str]:
    """A compared table's, the scorecard's or the indicators' CSV header: the codes, or in
    Chinese the metrics' labels with "(previous)" / "(change)" for the suffixed columns."""
    if lang != "zh":
        return list(columns)
    from warmth import i18n, metrics

    out = []
    for c in columns:
        base, suffix = c, ""
        for end in ("_prev", "_change"):
            if c.endswith(end) and c != "consistency_change":
                base, suffix = c.removesuffix(end), i18n.t(f"cli_col_suffix{end}", "zh")
        d = metrics.DEFINITIONS.get(base)
        out.append((d.label_zh if d is not None else i18n.t(f"cli_col_{base}", "zh")) + suffix)
    return out


def write_table(frame, fmt: str, out, lang: str = "en") -> None:
    """Every column of the frame: shares (and coverage) with 6 decimals, amounts in yuan
    with 2, counts as integers, undefined as empty (CSV) or null (JSON)."""
    columns = list(frame.columns)
    rows = [
        {c: _cell(c, v) for c, v in zip(columns, rec, strict=True)}
        for rec in frame.itertuples(index=False, name=None)
    ]
    if fmt == "json":
        json.dump(rows, out, ensure_ascii=False, indent=1)
        out.write("\n")
        return
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(table_header(columns, lang))
    for row in rows:
        writer.writerow(["" if row[c] is None else _text(c, row[c]) for c in columns])


def _text(column: str, value) -> object:
    if isinstance(value, float) and ("yuan" in column):
        return f"{value:.2f}"
    if isinstance(value, float) and value.is_integer() and not _is_share(column):
        return int(value)
    if isinstance(value, float):
        return f"{value:.6f}"
    return value


def _is_share(column: str) -> bool:
    shares = ("coverage", "share", "completeness", "incidence", "error", "consistency_change")
    return any(s in column for s in shares)


def write_gaps(conn, scope, filters, kind: str, fmt: str, out, lang: str = "en") -> int:
    """Every row of a people list (masked), as CSV or a JSON array; whole numbers such as
    the household size print as integers. Returns the number of rows written."""
    from warmth import formatting, worklists
    from warmth.exports import escape_cell

    columns = worklists.COLUMNS[kind]
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(gaps_header(columns, lang))
    else:
        out.write("[")
    for frame in worklists.iter_frames(conn, scope, filters, kind):
        for row in frame[columns].itertuples(index=False, name=None):
            cells = [formatting.cell(v) for v in row]
            if fmt == "csv":
                writer.writerow([escape_cell(v) if isinstance(v, str) else v for v in cells])
            else:
                record = {
                    c: None if v == "" else (v.isoformat() if hasattr(v, "isoformat") else v)
                    for c, v in zip(columns, cells, strict=True)
                }
                out.write(",\n" if count else "\n")
                out.write(json.dumps(record, ensure_ascii=False))
            count += 1
    if fmt == "json":
        out.write("\n]\n" if count else "]\n")
    return count


def run(args, out=None) -> int:
    import sqlalchemy as sa

    from warmth import indicators, quality, queries, years
    from warmth.audit import write_audit
    from warmth.scope import Filters

    out = out or sys.stdout
    lang = getattr(args, "lang", "en")
    date_from = _date(args.date_from) if args.date_from else None
    date_to = _date(args.date_to) if args.date_to else None
    if date_from and date_to and date_from > date_to:
        raise UsageError(key="cli_from_after_to")
    if args.what == "gaps" and not args.kind:
        raise UsageError(key="cli_gaps_needs_kind", kinds=", ".join(KINDS))
    engine = open_database(args.db)
    try:
        with engine.connect() as conn:
            scope = checked_scope(conn, args.campaign, args.district)
            if args.compare:
                checked_scope(conn, args.compare, [])
            filters = Filters(campaign=args.campaign, districts=tuple(args.district), as_of=date_to)
            if args.what == "gaps":
                rows = write_gaps(conn, scope, filters, args.kind, args.format, out, lang)
            elif args.what != "coverage" or args.compare:
                if args.what == "quality":
                    table = quality.scorecard(conn, scope, filters, args.compare)
                elif args.what == "indicators":
                    table = indicators.indicators(conn, scope, filters, args.by)
                else:
                    table = years.compare(conn, scope, filters, args.by, args.compare)
                write_table(table, args.format, out, lang)
                rows = len(table)
            else:
                table = queries.coverage(conn, scope, filters, args.by)
                write_coverage(table, args.format, out, lang)
                rows = len(table)
        with engine.begin() as conn:  # every export is audited, the command line's too
            write_audit(
                conn,
                user=identity.operator(args),
                role="city",
                scope=scope,
                action="export",
                detail={
                    "via": "cli",
                    "login": identity.login(),
                    "report": args.what,
                    "by": args.kind if args.what == "gaps" else args.by,
                    "compare": args.compare,
                    "format": args.format,
                    "districts": list(args.district),
                    "to": args.date_to,
                },
                row_count=rows,
            )
    except sa.exc.OperationalError as exc:
        raise write_failed(engine, exc, "read") from exc
    return 0
