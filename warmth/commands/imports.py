"""warmth import register|aid FILE: validate an upload and load it (city scope).

Problems are printed in the language of --lang (default: the locale); the --report JSON
keeps every problem as a code with its values (and its English text), so it reads back in
either language (warmth.intake.report.stored_report_frame)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from warmth.commands import identity
from warmth.commands.init import open_database
from warmth.errors import UsageError

SHOWN_ERRORS = 20
MODES = ("strict", "quarantine", "correct")  # warmth.intake.loading.MODES (a test compares)


def add_parser(sub):
    cmd = sub.add_parser(
        "import",
        help="import a register or aid-record file (CSV or .xlsx); exit 1 when refused",
    )
    cmd.add_argument("kind", choices=["register", "aid"])
    cmd.add_argument("file", type=Path)
    cmd.add_argument("--mode", choices=MODES, default="strict")
    cmd.add_argument("--dry-run", action="store_true", help="validate only; write nothing")
    cmd.add_argument("--campaign", metavar="CODE", default=None, help="default: the newest")
    cmd.add_argument("--user", default=None, help="recorded as the submitter (default: --as)")
    identity.add_argument(cmd)
    cmd.add_argument(
        "--submitter", default=None, help="district or department code owning the record numbers"
    )
    cmd.add_argument("--report", type=Path, default=None, help="write every error as JSON here")
    return cmd


def _user(args) -> str:
    return args.user or identity.operator(args)


def read_file(path: Path) -> bytes:
    """The bytes of the file to import, or UsageError saying what is wrong with the path."""
    if not path.exists():
        raise UsageError(key="cli_no_such_file", path=str(path))
    if path.is_dir():
        raise UsageError(key="cli_is_a_folder", path=str(path))
    from warmth.intake.reading import check_size

    try:
        check_size(path.stat().st_size)  # UploadRefusedError before a byte is read
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(key="cli_cannot_read", path=str(path), reason=exc.strerror or exc) from exc


def check_report_path(path: Path | None) -> None:
    """Refuse a --report path that cannot be written, before any work is done."""
    if path is None:
        return
    if path.is_dir():
        raise UsageError(key="cli_report_is_a_folder", path=str(path))
    if not path.parent.is_dir():
        raise UsageError(key="cli_report_no_folder", path=str(path.parent))


def _write_report(path: Path | None, report: dict) -> None:
    if path is None:
        return
    try:
        path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    except OSError as exc:
        raise UsageError(
            key="cli_cannot_write", path=str(path), reason=exc.strerror or exc
        ) from exc


def _refused(text: str, lang: str) -> None:
    from warmth import i18n

    print(f"warmth import: {i18n.t('cli_refused', lang, reason=text)}", file=sys.stderr)


def run(args) -> int:
    from warmth import intake
    from warmth.scope import city_scope

    lang = getattr(args, "lang", "en")
    check_report_path(args.report)
    try:
        data = read_file(args.file)
        raw = intake.read_upload(data, args.file.name)
    except intake.UploadRefusedError as exc:
        _refused(exc.text(lang), lang)
        stored = exc.reason.as_dict() | {"reason": exc.text("en")}
        _write_report(args.report, {"status": "refused", "file_errors": [stored], "errors": []})
        return 1
    engine = open_database(args.db)
    user = _user(args)
    with engine.connect() as conn:
        scope = city_scope(conn, user=user)
        v = intake.validate(
            conn, args.campaign, args.kind, raw, scope=scope, submitter=args.submitter
        )
    report = v.report()
    if v.file_errors:  # the file as a whole: one line
        from warmth import formatting

        _refused(formatting.join((r.text(lang) for r in v.file_errors), lang), lang)
        report["status"] = "dry_run" if args.dry_run else "refused"
        _write_report(args.report, report)
        return 1
    print(f"{raw.file_name}: {raw.file_type}, {raw.encoding}, {v.rows} rows", file=sys.stderr)
    if v.headers.unknown:
        print("ignored columns: " + ", ".join(v.headers.unknown), file=sys.stderr)
    problems = bool(v.errors) and args.mode != "quarantine"
    if problems:
        from warmth import i18n

        lines = v.error_lines(SHOWN_ERRORS, lang)
        for line in lines:
            print(line, file=sys.stderr)
        if len(v.errors) > len(lines):
            more = len(v.errors) - len(lines)
            print(i18n.t("cli_more_problems", lang, n=more), file=sys.stderr)
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
        _refused(result.text(lang), lang)
        return 1
    print(result.text(lang))
    return 0
