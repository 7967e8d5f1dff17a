"""The `warmth` command line: init, demo, refresh, report, import."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from warmth.commands import COMMANDS
from warmth.database import DatabaseUnavailableError
from warmth.errors import UsageError

__all__ = ["UsageError", "build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="warmth", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMANDS:
        module = importlib.import_module(f"warmth.commands.{name}")
        cmd = module.add_parser(sub)
        cmd.add_argument(
            "--db",
            metavar="URL",
            default=None,
            help="database URL (default: $WARMTH_DATABASE_URL, else sqlite:///data/warmth.db)",
        )
        cmd.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except (DatabaseUnavailableError, UsageError) as exc:
        print(f"warmth {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: stop quietly, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
