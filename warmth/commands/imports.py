"""warmth import register|aid FILE: validate an upload and load it (city scope)."""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path

from warmth import intake
from warmth.commands.init import open_database
from warmth.scope import city_scope

SHOWN_ERRORS = 20


def add_parser(sub):
    cmd = sub.add_parser(
        "import",
        help="import a register or aid-record file (CSV or .xlsx); exit 1 when refused",
    )
    cmd.add_argument("kind", choices=["register", "aid"])
    cmd.add_argument("file", type=Path)
    cmd.add_argument("--mode", choices=intake.loading.MODES, default="strict")
    cmd.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    cmd.add_argument("--campaign", metavar="CODE", default=None, help="default: the newest")
    cmd.add_argument("--user", default=None, help="recorded as the submitter (default: $USER)")
    cmd.add_argument(
        "--submitter", default=None, help="district or department code owning the record numbers"
    )
    cmd.add_argument("--report", type=Path, default=None, help="write every error as JSON here")
    return cmd


def _user(args) -> str:
    if args.user:
        return args.user
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _write_report(path: Path | None, report: dict) -> None:
    if path is not None:
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


def run(args) -> int:
    data = args.file.read_bytes()
    try:
        raw = intake.read_upload(data, args.file.name)
    except intake.UploadRefusedError as exc:
        print(f"warmth import: refused: {exc}", file=sys.stderr)
        _write_report(args.report, {"status": "refused", "file_errors": [str(exc)], "errors": []})
        return 1
    engine = open_database(args.db)
    user = _user(args)
    with engine.connect() as conn:
        scope = city_scope(conn, user=user)
        v = intake.validate(
            conn, args.campaign, args.kind, raw, scope=scope, submitter=args.submitter
        )
    report = v.report()
    print(f"{raw.file_name}: {raw.file_type}, {raw.encoding}, {v.rows} rows", file=sys.stderr)
    if v.headers.unknown:
        print("ignored columns: " + ", ".join(v.headers.unknown), file=sys.stderr)
    problems = v.file_errors or (v.errors and args.mode != "quarantine")
    if problems:
        lines = v.error_lines(SHOWN_ERRORS)
        for line in lines:
            print(line, file=sys.stderr)
        total = len(v.file_errors) + len(v.errors)
        if total > len(lines):
            print(f"... and {total - len(lines)} more problems", file=sys.stderr)
    if args.dry_run:
        counts = ", ".join(f"{k} {n}" for k, n in v.counts.items())
        print(f"dry run: {counts}")
        report["status"] = "dry_run"
        _write_report(args.report, report)
        return 1 if problems else 0
    result = intake.import_batch(
        engine,
        v,
        mode=args.mode,
        user=user,
        file_name=raw.file_name,
        file_sha256=raw.sha256,
        submitter=args.submitter,
    )
    report["status"] = result.status
    report["result"] = result.as_dict()
    _write_report(args.report, report)
    if not result.ok:
        print(f"warmth import: refused: {result.message}", file=sys.stderr)
        return 1
    print(result.message)
    return 0
