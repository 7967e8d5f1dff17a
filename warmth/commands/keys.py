"""warmth keys: the key that protects ID numbers at rest (warmth.idkey).

`keys new FILE` writes a fresh key to FILE (owner-only); `keys rotate` re-hashes and
re-seals every ID number with a new key in one transaction. The new key goes where the old
one came from when that is the demo's key file beside a SQLite database; a key from the
environment or the secrets file is replaced by the operator, from `--new-key-file`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from warmth.commands.init import open_database, write_failed
from warmth.errors import UsageError


def add_parser(sub):
    cmd = sub.add_parser("keys", help="make a key for ID numbers, or rotate the database's key")
    what = cmd.add_subparsers(dest="action", required=True)
    new = what.add_parser("new", help="write a new key to a file (readable by its owner only)")
    new.add_argument("file", type=Path)
    rotate = what.add_parser("rotate", help="re-hash and re-seal every ID number with a new key")
    rotate.add_argument(
        "--new-key-file",
        type=Path,
        help="the new key (made there when the file does not exist); required when the "
        "current key comes from WARMTH_ID_KEY or the secrets file",
    )
    for p in (new, rotate):  # the options every command takes, on the inner parser too
        p.add_argument("--db", metavar="URL", default=argparse.SUPPRESS, help="database URL")
        p.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS)
    return cmd


def run(args) -> int:
    from warmth import idkey

    if args.action == "new":
        if args.file.exists():
            raise UsageError(f"{args.file} exists: a key is never overwritten")
        idkey.write_key_file(args.file, idkey.IdKey.new())
        print(f"wrote a new key to {args.file}; set {idkey.ENV_VAR} to its content")
        return 0
    return _rotate(args)


def _rotate(args) -> int:
    import sqlalchemy as sa

    from warmth import idkey
    from warmth.database import redact

    engine = open_database(args.db)
    url = engine.url.render_as_string(hide_password=False)
    where = idkey.source(url)
    target = args.new_key_file
    if target is None:
        if where != "file":
            raise UsageError(f"the key comes from {where}: give --new-key-file for the new one")
        target = idkey.key_file(url).with_name(idkey.key_file(url).name + ".new")
    made = not target.exists()
    new = idkey.IdKey.new() if made else idkey.IdKey.parse(target.read_text())
    if made:
        idkey.write_key_file(target, new)
    started = time.perf_counter()
    try:
        with engine.begin() as conn:
            old = idkey.for_conn(conn)
            if old.fingerprint == new.fingerprint:
                raise UsageError("the new key is the key in use")
            counts = idkey.rotate(conn, old, new)
    except sa.exc.OperationalError as exc:
        raise write_failed(engine, exc) from exc
    seconds = time.perf_counter() - started
    if args.new_key_file is None:  # the demo's key file: replaced only once committed
        target.replace(idkey.key_file(url))
        told = "the key file beside the database holds the new key"
    else:
        told = f"set {idkey.ENV_VAR} to the key in {target} now: the old key no longer fits"
    rows = ", ".join(f"{k} {v}" for k, v in counts.items())
    print(f"rotated the ID key of {redact(engine.url)} in {seconds:.1f} s ({rows}); {told}")
    return 0
