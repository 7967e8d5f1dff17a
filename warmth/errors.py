"""Errors the command line turns into one clear line and exit code 2."""


class UsageError(ValueError):
    """Bad arguments: printed as one line, exit code 2."""
