"""Snapshots kept per data version: in memory for the process, on disk for every process.

`city(conn, campaign_id)` reads the data version (one query). When the snapshot in memory
is of that version it is returned as is. Otherwise the districts whose version moved are
re-read from the base tables (warmth.snapshot.shards), the others are loaded from their
files, and the city is joined again and written beside the database, so the next process
to start loads one file instead of reading three million rows.

Files (numpy .npz, no pickles) live in `config.snapshot_dir(url)`:
`c{campaign}-{district}-v{version}.npz` per shard and `c{campaign}-v{version}.npz` for the
joined city. A file's name says which data it holds; older files are removed when a newer
one is written.
"""

from __future__ import annotations

import os
import tempfile
import threading
from pathlib import Path

import numpy as np
import sqlalchemy as sa

from warmth import config, metrics, schema, versions
from warmth.snapshot.city import City, People, Records, join
from warmth.snapshot.shards import Codes, Shard, read_all, read_shard

_memory: dict[tuple[str, int], City] = {}
_locks: dict[tuple[str, int], threading.Lock] = {}
_guard = threading.Lock()


def _lock(key: tuple[str, int]) -> threading.Lock:
    with _guard:
        return _locks.setdefault(key, threading.Lock())


def _url(conn: sa.Connection) -> str:
    return conn.engine.url.render_as_string(hide_password=False)


def city(conn: sa.Connection, campaign_id: int) -> City:
    """The current snapshot of a campaign (see the module docstring)."""
    url = _url(conn)
    key = (url, campaign_id)
    version = versions.current(conn)
    got = _memory.get(key)
    if got is not None and got.version == version:
        return got
    with _lock(key):
        got = _memory.get(key)
        if got is not None and got.version == version:
            return got
        got = _load_or_build(conn, campaign_id, version, config.snapshot_dir(url))
        _memory[key] = got
        return got


def forget() -> None:
    """Drop every snapshot held in memory (files stay)."""
    _memory.clear()


def _load_or_build(conn: sa.Connection, campaign_id: int, version: int, folder: Path) -> City:
    cat = metrics.load_catalogue(conn)
    codes = Codes.read(conn, cat)
    path = folder / f"c{campaign_id}-v{version}.npz"
    if path.exists():
        loaded = _read_city(path, campaign_id, codes, cat, version)
        if loaded is not None:
            return loaded
    wanted = versions.districts(conn)
    kept = {
        d: _read_shard_file(folder / f"c{campaign_id}-{d}-v{wanted.get(d, 0)}.npz", d)
        for d in codes.districts
    }
    missing = [d for d, shard in kept.items() if shard is None]
    if len(missing) > len(codes.districts) // 2:  # one pass over each table is quicker
        fresh = dict(zip(codes.districts, read_all(conn, campaign_id, codes, cat), strict=True))
    else:
        fresh = {d: read_shard(conn, campaign_id, d, codes, cat) for d in missing}
    for d in missing:
        _write(folder, f"c{campaign_id}-{d}-v", wanted.get(d, 0), _shard_arrays(fresh[d]))
    shards = [kept[d] if kept[d] is not None else fresh[d] for d in codes.districts]
    built = join(campaign_id, shards, codes, cat, {d: wanted.get(d, 0) for d in codes.districts})
    built.version = version
    if versions.current(conn) == version:  # nothing committed meanwhile: the file is exact
        _write(folder, f"c{campaign_id}-v", version, _city_arrays(built))
    return built


# --- files ------------------------------------------------------------------------------------


def _write(folder: Path, prefix: str, version: int, arrays: dict[str, np.ndarray]) -> None:
    """Write atomically (temporary file, then rename); remove older versions of the same
    prefix. A folder that cannot be written only costs the next process a rebuild."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)
        final = folder / f"{prefix}{version}.npz"
        os.replace(tmp, final)
        for old in folder.glob(f"{prefix}*.npz"):
            if old != final and old.name[len(prefix) : -4].isdigit():
                old.unlink(missing_ok=True)
    except OSError:
        return


def _shard_arrays(shard: Shard) -> dict[str, np.ndarray]:
    out = {f"p_{k}": v for k, v in shard.people.items()}
    out.update({f"r_{k}": v for k, v in shard.records.items()})
    out["orphan_ids"] = np.asarray(shard.orphan_ids, dtype="U18")
    return out


def _read_shard_file(path: Path, district: str) -> Shard | None:
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            people = {k[2:]: z[k] for k in z.files if k.startswith("p_")}
            records = {k[2:]: z[k] for k in z.files if k.startswith("r_")}
            orphans = z["orphan_ids"].astype(object)
    except (OSError, ValueError, KeyError):
        return None
    return Shard(district, people, records, orphans)


def _city_arrays(c: City) -> dict[str, np.ndarray]:
    out = {f"p_{k}": v for k, v in vars(c.people).items() if k != "id_numbers"}
    out["p_id_numbers"] = np.asarray(c.people.id_numbers, dtype="U18")
    out.update({f"r_{k}": v for k, v in vars(c.records).items()})
    out["codes_districts"] = np.asarray(c.codes.districts, dtype="U6")
    out["codes_streets"] = np.asarray(c.codes.streets, dtype="U9")
    out["codes_forms"] = np.asarray(c.codes.forms, dtype="U12")
    out["shard_versions"] = np.array([c.versions.get(d, 0) for d in c.codes.districts])
    return out


def _read_city(
    path: Path, campaign_id: int, codes: Codes, cat: metrics.Catalogue, version: int
) -> City | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            saved = Codes(
                tuple(z["codes_districts"].tolist()),
                tuple(z["codes_streets"].tolist()),
                tuple(z["codes_forms"].tolist()),
            )
            if saved != codes:  # reference data changed: the integer codes mean other things
                return None
            p = {k[2:]: z[k] for k in z.files if k.startswith("p_")}
            r = {k[2:]: z[k] for k in z.files if k.startswith("r_")}
            shard_versions = z["shard_versions"].tolist()
    except (OSError, ValueError, KeyError):
        return None
    p["id_numbers"] = p["id_numbers"].astype(object)
    got = City(
        campaign_id,
        codes,
        cat,
        People(**p),
        Records(**r),
        dict(zip(codes.districts, shard_versions, strict=True)),
    )
    got.version = version
    return got


def campaign_ids(conn: sa.Connection) -> list[int]:
    """Campaigns that hold a register or records (the ones worth a snapshot)."""
    b, r = schema.beneficiaries, schema.aid_records
    ids = set(conn.execute(sa.select(b.c.campaign_id).distinct()).scalars())
    ids |= set(conn.execute(sa.select(r.c.campaign_id).distinct()).scalars())
    return sorted(ids)
