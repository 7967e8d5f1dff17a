"""A demo into a new SQLite file, built beside it and renamed into place when whole.

Written without a rollback journal (the fast way to write millions of rows), a file cut off
half way is not a database to trust; so the demo builds `<name>.building` (with its key file
and snapshot folder), and only a finished build takes the target's name. An interrupted
demo leaves the building file, which the next demo removes, and no target that looks whole.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import sqlalchemy as sa

from warmth import config, idkey

SUFFIX = ".building"


def new_file(url: str) -> Path | None:
    """The SQLite file of url when it holds nothing yet (absent or empty), else None."""
    try:
        target = sa.engine.make_url(url)
    except sa.exc.ArgumentError:  # not a URL: opening it says so
        return None
    if target.get_backend_name() != "sqlite" or target.database in (None, "", ":memory:"):
        return None
    path = Path(target.database)
    if Path(f"{path}-wal").exists() or (path.exists() and path.stat().st_size > 0):
        return None
    return path


def building_url(url: str) -> str:
    """Where the demo builds the database of url (a file of the same folder)."""
    target = sa.engine.make_url(url)
    return target.set(database=f"{target.database}{SUFFIX}").render_as_string(False)


def start(url: str) -> str:
    """The URL to build the new database of url at, cleared of an unfinished build; the
    target's own key file, if it has one already, is the build's key."""
    discard(url)
    building = building_url(url)
    key, made = idkey.key_file(url), idkey.key_file(building)
    if key is not None and made is not None and key.exists():
        shutil.copy2(key, made)
    return building


def _parts(url: str) -> list[Path]:
    """The database file of url and what lives beside it: the key file, the snapshots."""
    path = Path(sa.engine.make_url(url).database)
    key = idkey.key_file(url)
    return [config.snapshot_dir(url), *([key] if key else []), path]


def discard(url: str) -> None:
    """Remove a building file of url and its key file and snapshots (an unfinished demo)."""
    building = building_url(url)
    for part in _parts(building):
        if part.is_dir():
            shutil.rmtree(part)
        else:
            part.unlink(missing_ok=True)
        for extra in ("-wal", "-shm", "-journal", ".side", ".side-journal"):
            Path(f"{part}{extra}").unlink(missing_ok=True)


def finish(url: str) -> None:
    """Give the finished build the name of url: the snapshots and the key first, the
    database file last, so that a database under that name is always whole."""
    for made, final in zip(_parts(building_url(url)), _parts(url), strict=True):
        if made.exists():
            if final.is_dir():
                shutil.rmtree(final)
            os.replace(made, final)
