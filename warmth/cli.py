"""The `warmth` command line: init, demo, refresh, report, import, keys, grant.

Building the parser imports no heavy library (pandas, numpy, SQLAlchemy, openpyxl): each
command imports what it uses inside run(), so `warmth --help` answers at once. Every bad
path, argument or value ends in one line on stderr and exit code 2 (usage) or 1 (refused),
never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from warmth.commands import COMMANDS
from warmth.errors import DatabaseUnavailableError, IdKeyError, UsageError

__all__ = ["UsageError", "build_parser", "default_lang", "main"]


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (argparse prints the usage too)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def default_lang(environ: os._Environ | dict | None = None) -> str:
    """zh when the locale (LC_ALL, LC_MESSAGES, LANG) is Chinese, en otherwise."""
    env = os.environ if environ is None else environ
    locale = env.get("LC_ALL") or env.get("LC_MESSAGES") or env.get("LANG") or ""
    return "zh" if locale.lower().startswith("zh") else "en"


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="warmth", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for name in COMMANDS:
        module = importlib.import_module(f"warmth.commands.{name}")
        cmd = module.add_parser(sub)
        cmd.add_argument(
            "--db",
            metavar="URL",
            default=None,
            help="database URL (default: $WARMTH_DATABASE_URL, else sqlite:///data/warmth.db)",
        )
        cmd.add_argument(
            "--lang",
            choices=["zh", "en"],
            default=default_lang(),
            help="language of messages and of CSV headers (default: from the locale)",
        )
        cmd.set_defaults(run=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    lang = args.lang
    try:
        from warmth import rls  # the command line is trusted: it reads the whole city

        with rls.city_wide():
            return int(args.run(args) or 0)
    except UsageError as exc:
        print(f"warmth {args.command}: {exc.text(lang)}", file=sys.stderr)
        return 2
    except (DatabaseUnavailableError, IdKeyError) as exc:
        print(f"warmth {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head`: stop quietly, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(f"warmth {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last guard: a user sees one line, a developer can ask more
        if os.environ.get("WARMTH_DEBUG"):
            raise
        first = (str(exc).strip().splitlines() or [""])[0]
        print(
            f"warmth {args.command}: failed: {type(exc).__name__}: {first} "
            "(set WARMTH_DEBUG=1 for the details)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
