"""One module per `warmth` subcommand; each defines add_parser(subparsers) and run(args)."""

COMMANDS = ["init", "demo", "imports", "refresh", "report", "briefing", "users", "keys", "grant"]
