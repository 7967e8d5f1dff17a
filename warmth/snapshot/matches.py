"""Which person of one campaign is which of another: the same ID number (its keyed hash)
registered in both campaigns.

`rows(conn, city, before)` gives, per person of `city`, their row in `before`'s people (-1:
not registered there; the ID numbers registered nowhere are never matched). It depends on
the two registers alone, so it is computed once per pair of register versions
(City.register_version: aid batches imported or undone since keep it) by one join of the
two registers in the database, and kept as an int32 array beside the city folders:
`m{campaign}-{other campaign}-r{register version}-{other's register version}.npy`,
memory-mapped read-only, so every process of the machine shares it and a new process
starts without the join. A file that cannot be written only costs the next process the
join again.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warmth import config, rls, schema, versions
from warmth.snapshot.city import City
from warmth.snapshot.shards import fetch


def rows(conn: sa.Connection, city: City, before: City) -> np.ndarray:
    """Per person of `city`: their row in `before` (the same ID number registered in that
    campaign), -1 for none (see the module docstring)."""
    key = ("matched", before.campaign_id, before.register_version, city.register_version)
    registered = city._static(key, lambda: _registered_rows(conn, city, before))
    out = np.full(len(city.people), -1, dtype="int32")
    out[: len(registered)] = registered  # the registered are the first rows (warmth.snapshot.city)
    return out


def file_name(city: City, before: City) -> str:
    return (
        f"m{city.campaign_id}-{before.campaign_id}"
        f"-r{city.register_version}-{before.register_version}.npy"
    )


def _folder(conn: sa.Connection) -> Path:
    url = conn.engine.url.render_as_string(hide_password=False)
    return config.snapshot_dir(url) / versions.identity(conn)


def _registered_rows(conn: sa.Connection, city: City, before: City) -> np.ndarray:
    """Per registered person of `city`: their row in `before`, from the file when there is
    one, else joined in the database and written."""
    folder = _folder(conn)
    path = folder / file_name(city, before)
    n = city.people.n_registered
    if path.exists():
        try:
            got = np.load(path, mmap_mode="r", allow_pickle=False)
            if got.shape == (n,) and got.dtype == np.int32:
                return got
        except (OSError, ValueError):
            pass  # unreadable: joined again below and written over
    got = _joined(conn, city, before)
    _write(folder, f"m{city.campaign_id}-{before.campaign_id}-r", path, got)
    return got


def _joined(conn: sa.Connection, city: City, before: City) -> np.ndarray:
    """The match by one join of the two registers on the ID number hash (city-wide: the
    array is shared by every viewer, and cut by scope where it is used)."""
    now, then = schema.beneficiaries.alias("now"), schema.beneficiaries.alias("then")
    query = (
        sa.select(now.c.id, then.c.id)
        .select_from(
            now.join(
                then,
                (then.c.campaign_id == before.campaign_id) & (then.c.id_number == now.c.id_number),
            )
        )
        .where(now.c.campaign_id == city.campaign_id)
    )
    with rls.elevated(conn) as reader:
        got = fetch(reader, query, {"now": "int64", "then": "int64"})
    n = city.people.n_registered
    out = np.full(n, -1, dtype="int32")
    at = pd.Index(city.people.ben_id[:n]).get_indexer(got["now"])
    was = pd.Index(before.people.ben_id[: before.people.n_registered]).get_indexer(got["then"])
    ok = (at >= 0) & (was >= 0)
    out[at[ok]] = was[ok]
    return out


def _write(folder: Path, prefix: str, final: Path, values: np.ndarray) -> None:
    """Write atomically (temporary file, then rename) and remove the older matches of the
    same pair of campaigns."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            np.save(out, values, allow_pickle=False)
        os.replace(tmp, final)
        for old in folder.glob(f"{prefix}*.npy"):
            if old != final:
                old.unlink(missing_ok=True)
    except OSError:
        return
