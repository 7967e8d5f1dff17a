"""Snapshots kept per data version: in memory for the process, on disk for every process.

`city(conn, campaign_id)` reads the data version (one query). When the snapshot in memory
is of that version it is returned as is. Otherwise the districts whose version moved are
re-read from the base tables (warmth.snapshot.shards), the others are loaded from their
files, and the city is joined again and written beside the database, so the next process
to start loads one file instead of reading three million rows.

Files (numpy, no pickles) live in `config.snapshot_dir(url)`, in a folder named by the
database's random identity (versions.identity: a database made again never reads another's):
`c{campaign}-{district}-v{version}.npz` per shard, and for the joined city a folder
`c{campaign}-v{version}/` of one uncompressed `.npy` file per array. The city's arrays are
memory-mapped read-only from those files: loading costs no copy, pages are read when a
figure first touches them, and every process on the machine shares them through the page
cache. A name says which data it holds; older ones are removed when a newer one is written.
The cross-year match of two campaigns lives in the same folder (warmth.snapshot.matches).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warmth import config, metrics, rls, schema, versions
from warmth.snapshot import ahead, files, kept, patch, split
from warmth.snapshot import days as days_module
from warmth.snapshot.build import join, with_records, without_batch
from warmth.snapshot.city import City, People
from warmth.snapshot.shards import (
    Codes,
    Shard,
    _array,
    fetch,
    read_all,
    read_shard,
    record_columns,
)

# bytes: allocations this large are served by mmap (see below). 8 MB keeps the page faults
# of fresh mappings off the many small temporaries (1 MB cost 15 % more CPU on new days)
MMAP_THRESHOLD = 8 << 20


def _map_large_allocations() -> None:
    """Have glibc serve allocations from MMAP_THRESHOLD up by mmap, so that the temporaries
    of a figure (arrays of a person's or a record's size, tens of MB each) go back to the
    system when freed. glibc's default threshold climbs to 32 MB after the first large
    free, and the freed arrays then stay in the heap: a server process grew by 150 MB
    that way. Not glibc: nothing to do."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(ctypes.c_int(-3), ctypes.c_int(MMAP_THRESHOLD))  # -3: M_MMAP_THRESHOLD
    except (OSError, AttributeError):
        return


_map_large_allocations()
# (url, database identity, campaign id): a database made again under the same URL (a SQLite
# file replaced, a PostgreSQL database created anew) never gets the old one's snapshot
_memory: dict[tuple[str, str, int], City] = {}
_locks: dict[tuple[str, str, int], threading.Lock] = {}
_guard = threading.Lock()
# aid batches this process committed, as written: (url, identity, batch, version) -> columns
_offered: dict[tuple[str, str, int, int], dict] = {}
_writers: list[threading.Thread] = []  # writing patched snapshots' files (settle)
OFFERS_KEPT = 4


def _lock(key: tuple[str, str, int]) -> threading.Lock:
    with _guard:
        return _locks.setdefault(key, threading.Lock())


def _url(conn: sa.Connection) -> str:
    return conn.engine.url.render_as_string(hide_password=False)


def city(conn: sa.Connection, campaign_id: int) -> City:
    """The current snapshot of a campaign (see the module docstring)."""
    url = _url(conn)
    key = (url, versions.identity(conn), campaign_id)
    version = versions.current(conn)
    got = _memory.get(key)
    if got is not None and got.version == version:
        return got
    with _lock(key):
        got = _memory.get(key)
        if got is not None and got.version == version:
            return got
        # shared by every session and cut by scope in numpy: read city-wide (warmth.rls)
        with rls.elevated(conn) as reader:
            folder = config.snapshot_dir(url)
            ident = folder / versions.identity(reader)
            patched = _patched(reader, got, version, ident) if got else None
            got = patched or _load_or_build(reader, campaign_id, version, folder)
        _memory[key] = got
        return got


def build(conn: sa.Connection, campaign_id: int, shards: list[Shard]) -> City:
    """The snapshot of the current data version made from shards the caller holds, one per
    district (the demo's, made from the arrays it has just written): kept in memory and
    written beside the database, as city() would build it from the base tables."""
    url = _url(conn)
    key = (url, versions.identity(conn), campaign_id)
    with _lock(key):
        given = {s.district: s for s in shards}
        got = _load_or_build(
            conn, campaign_id, versions.current(conn), config.snapshot_dir(url), given
        )
        _memory[key] = got
        return got


def _patched(conn: sa.Connection, held: City, version: int, folder: Path) -> City | None:
    """The held snapshot brought to `version` by applying the aid batches added or removed
    since (versions.changes), or None when some write in between was anything else."""
    steps = versions.changes(conn, held.version, version)
    if len(steps) != version - held.version or version < held.version:
        return None
    mine = [(v, kind, batch) for v, kind, batch, cid in steps if cid == held.campaign_id]
    if any(kind not in versions.AID_KINDS for _, kind, _ in mine):
        return None
    # only the leakage districts change in place: every other array is shared with the held
    people = People(**{**vars(held.people), "leak_att": held.people.leak_att.copy()})
    records = held.records
    touched = [np.zeros(0, "int64")]  # the people whose records the batches change
    for at, kind, batch in mine:
        if kind == "aid_removed":
            touched.append(records.person[records.batch_id == batch])
            records = without_batch(people, records, batch)
        else:
            people, added = _batch_records(conn, held, people, batch, at)
            touched.append(added["person"])
            records = with_records(people, records, added, held.catalogue)
    got = City(
        held.campaign_id, held.codes, held.catalogue, people, records, versions.districts(conn)
    )
    got.version = version
    got.register_version = held.register_version  # aid batches only: the same registers
    if held.folder is not None and "day_changes" not in held._statics:
        # kept beside the held one (its writer made them): carried, not made anew
        on_file = days_module.read(Path(held.folder) / days_module.FOLDER)
        if on_file is not None and on_file.people == len(held.people):
            held._statics.setdefault("day_changes", on_file)
    patch.carry(held, got, np.concatenate(touched))
    if versions.current(conn) == version:  # written behind the answer: the next start loads it
        changed = [
            d for d in held.codes.districts if got.versions.get(d, 0) != held.versions.get(d, 0)
        ]
        # the other campaigns' shards of those districts: unchanged when no batch was theirs
        written = {cid for *_, cid in steps}
        files.carry_shards(folder, changed, held.versions, got.versions, keep=written)
        writer = threading.Thread(
            target=_write_patched,
            args=(folder, got, changed, _coding(held.codes, held.catalogue)),
            daemon=True,
        )
        with _guard:
            _writers.append(writer)
        writer.start()
    return got


def _write_patched(folder: Path, got: City, changed: list[str], coding: str) -> None:
    """Write a patched snapshot's files: the city's folder, and the shard file of each
    district whose data version moved, cut from the city's arrays (warmth.snapshot.split),
    so that neither the next process nor `warmth refresh` reads those districts again;
    beside the city, the whole-campaign frames carried to it (warmth.snapshot.patch) and
    everything else its readers derive (warmth.snapshot.ahead: the day changes carried,
    or made here from the patched arrays, behind the answer)."""
    files.write_city(folder, got.campaign_id, got.version, files.city_arrays(got))
    for shard in split.shards(got, changed) or []:
        prefix = f"c{got.campaign_id}-{shard.district}-v"
        files.write(folder, prefix, got.versions[shard.district], files.shard_arrays(shard, coding))
    final = folder / f"c{got.campaign_id}-v{got.version}"
    if not final.is_dir():  # not writable: the next process builds
        return
    for kind in ("profile", "records"):
        whole = patch.whole_frame(got, kind)
        if whole is not None:
            kept.write_frame(final, kind, whole)
    got.folder = final  # what it derives from now on is kept there too
    # the day changes carried across the batches (warmth.snapshot.patch_days), else made
    # here, and what else its readers derive: no reader of the version makes any
    ahead.make(got)


def settle() -> None:
    """Wait for the files of the snapshots patched in this process to be written (a
    command that exits right after, a test that starts "a new process")."""
    with _guard:
        writers = list(_writers)
        _writers.clear()
    for writer in writers:
        writer.join()


def patch_on_file(conn: sa.Connection, campaign_id: int) -> bool:
    """Bring the campaign's newest city files to the current data version by applying the
    aid batches added or removed since (the files then hold the touched districts'
    shards at their new versions), and wait for them to be written. False when no city
    folder is on file or some write since was anything else: the caller then reads the
    districts written since from the base tables."""
    with rls.elevated(conn) as reader:
        folder = config.snapshot_dir(_url(reader)) / versions.identity(reader)
        version = versions.current(reader)
        if (folder / f"c{campaign_id}-v{version}").is_dir():
            return True
        cat = metrics.load_catalogue(reader)
        got = _on_file(reader, folder, campaign_id, version, Codes.read(reader, cat), cat)
    settle()
    return got is not None


def _on_file(
    conn: sa.Connection,
    folder: Path,
    campaign_id: int,
    version: int,
    codes: Codes,
    cat: metrics.Catalogue,
) -> City | None:
    """The campaign's newest city folder older than `version` brought to it by applying
    the aid batches since (_patched), or None (no folder, or some other write since)."""
    newest = _newest(folder, f"c{campaign_id}-v", version)
    if newest is None:
        return None
    held = files.read_city(folder / f"c{campaign_id}-v{newest}", campaign_id, codes, cat, newest)
    return None if held is None else _patched(conn, held, version, folder)


def _newest(folder: Path, prefix: str, version: int, suffix: str = "") -> int | None:
    """The newest version older than `version` among the files (or folders) named
    prefix + version + suffix."""
    older = []
    for p in folder.glob(f"{prefix}*{suffix}"):
        number = p.name[len(prefix) : len(p.name) - len(suffix)]
        if number.isdigit() and int(number) < version:
            older.append(int(number))
    return max(older) if older else None


def offer_batch(conn: sa.Connection, version: int, batch: int, records: dict) -> None:
    """Keep an aid batch this process has just committed at `version`, as the values it
    wrote (columns named as record_columns' types, and ben_id), so that a snapshot held
    here applies it without reading it back (_batch_records). The last few are kept."""
    key = (_url(conn), versions.identity(conn), batch, version)
    with _guard:
        _offered[key] = records
        while len(_offered) > OFFERS_KEPT:
            _offered.pop(next(iter(_offered)))


def _batch_records(conn: sa.Connection, held: City, people: People, batch: int, version: int):
    """One aid batch's records as raw snapshot records (those this process offered at that
    version, else read from the base tables), and the people with any ID number registered
    nowhere that is new to the snapshot added."""
    r, b = schema.aid_records, schema.beneficiaries
    cols, types = record_columns(conn, held.codes, held.catalogue)
    types = {**types, "ben_id": "int64"}
    with _guard:
        offered = _offered.pop((_url(conn), versions.identity(conn), batch, version), None)
    if offered is not None:
        rec = {name: _array(offered[name], kind) for name, kind in types.items()}
    else:
        query = (
            sa.select(*cols, sa.func.coalesce(b.c.id, -1))
            .select_from(
                r.outerjoin(
                    b, (b.c.campaign_id == r.c.campaign_id) & (b.c.id_number == r.c.id_number)
                )
            )
            .where(r.c.batch_id == batch)  # on ix_aid_records_batch (one campaign's batch)
        )
        rec = fetch(conn, query, types)
    registered = np.flatnonzero(people.registered)
    at = pd.Index(people.ben_id[registered]).get_indexer(rec["ben_id"])
    person = np.where(at >= 0, registered[np.maximum(at, 0)], -1)
    orphan = person < 0
    if orphan.any():
        ids = rec["id_number"][orphan]
        known = pd.Index(people.id_numbers.astype(object))
        found = known.get_indexer(ids)
        new_ids = pd.unique(ids[found < 0])
        if len(new_ids):
            people = _with_orphans(people, new_ids)
            known = pd.Index(people.id_numbers.astype(object))
            found = known.get_indexer(ids)
        person[orphan] = len(registered) + found
    rec["person"] = person
    return people, rec


def _with_orphans(people: People, ids: np.ndarray) -> People:
    """The people with more ID numbers registered nowhere at the end."""
    k = len(ids)
    grow = {
        "registered": np.zeros(k, bool),
        "home": np.full(k, -1, people.home.dtype),
        "street": np.full(k, -1, people.street.dtype),
        "cat_mask": np.zeros(k, people.cat_mask.dtype),
        "ben_id": np.full(k, -1, people.ben_id.dtype),
        "leak_att": np.full(k, -1, people.leak_att.dtype),
    }
    out = {key: np.concatenate([getattr(people, key), extra]) for key, extra in grow.items()}
    out["id_numbers"] = np.concatenate([people.id_numbers.astype(object), ids.astype(object)])
    return People(**out)


def forget() -> None:
    """Drop every snapshot held in memory (files stay, written whole), and the batches
    offered."""
    settle()
    _memory.clear()
    _offered.clear()


def _load_or_build(
    conn: sa.Connection,
    campaign_id: int,
    version: int,
    folder: Path,
    given: dict[str, Shard] | None = None,
) -> City:
    """The city from its file, else joined from shards: those given, else those on file
    at their district's version, and the rest read from the base tables."""
    folder = folder / versions.identity(conn)  # files of this database only
    cat = metrics.load_catalogue(conn)
    codes = Codes.read(conn, cat)
    path = folder / f"c{campaign_id}-v{version}"
    if given is None and not path.is_dir():
        _carry(conn, folder, campaign_id, version)
        if not path.is_dir():  # an older city on file, and only aid batches since: applied
            patched = _on_file(conn, folder, campaign_id, version, codes, cat)
            if patched is not None:
                return patched
    if given is None and path.is_dir():
        loaded = files.read_city(path, campaign_id, codes, cat, version)
        if loaded is not None:
            return loaded
    wanted = versions.districts(conn)
    if given is not None:
        kept, fresh = dict.fromkeys(codes.districts), given
    else:
        coding = _coding(codes, cat)
        kept = {
            d: _shard_on_file(conn, folder, campaign_id, d, wanted.get(d, 0), coding)
            for d in codes.districts
        }
        todo = [d for d, shard in kept.items() if shard is None]
        if len(todo) > len(codes.districts) // 2:  # one pass over each table is quicker
            fresh = dict(zip(codes.districts, read_all(conn, campaign_id, codes, cat), strict=True))
        else:
            fresh = {d: read_shard(conn, campaign_id, d, codes, cat) for d in todo}
    missing = [d for d, shard in kept.items() if shard is None]
    for d in missing:
        arrays = files.shard_arrays(fresh[d], _coding(codes, cat))
        files.write(folder, f"c{campaign_id}-{d}-v", wanted.get(d, 0), arrays)
    shards = [kept[d] if kept[d] is not None else fresh[d] for d in codes.districts]
    built = join(campaign_id, shards, codes, cat, {d: wanted.get(d, 0) for d in codes.districts})
    built.version = built.register_version = version
    if versions.current(conn) == version:  # nothing committed meanwhile: the file is exact
        files.write_city(folder, campaign_id, version, files.city_arrays(built))
        mapped = files.read_city(path, campaign_id, codes, cat, version)
        if mapped is not None:  # the built arrays freed: the process holds the mapped ones
            return mapped
    return built


def _others_since(conn: sa.Connection, campaign_id: int, held: int, version: int) -> bool:
    """Whether every write after version `held` up to `version` recorded a change of other
    campaigns only (the demo loading campaigns one after the other, an import into another
    year): what was on file for this campaign at `held` still holds its data."""
    steps = versions.changes(conn, held, version)
    return len(steps) == version - held and all(cid != campaign_id for *_, cid in steps)


def _carry(conn: sa.Connection, folder: Path, campaign_id: int, version: int) -> None:
    """Rename the campaign's newest city folder to `version` when every write since was
    another campaign's (_others_since)."""
    prefix = f"c{campaign_id}-v"
    held = _newest(folder, prefix, version)
    if held is None or not (folder / f"{prefix}{held}").is_dir():
        return
    if not _others_since(conn, campaign_id, held, version):
        return
    try:
        os.replace(folder / f"{prefix}{held}", folder / f"{prefix}{version}")
    except OSError:  # carried meanwhile by another process, or not writable: built again
        return


def _shard_on_file(
    conn: sa.Connection, folder: Path, campaign_id: int, district: str, version: int, coding: str
) -> Shard | None:
    """The campaign's shard of the district from its file at the district's version; else
    from an older one, renamed to it, when every write since was another campaign's (a
    district's version moves with a write into any campaign)."""
    prefix = f"c{campaign_id}-{district}-v"
    path = folder / f"{prefix}{version}.npz"
    if not path.exists():
        held = _newest(folder, prefix, version, ".npz")
        if held is not None and _others_since(conn, campaign_id, held, version):
            # renamed meanwhile by another process: read below, or read again
            with contextlib.suppress(OSError):
                os.replace(folder / f"{prefix}{held}.npz", path)
    return files.read_shard_file(path, district, coding)


def _coding(codes: Codes, cat: metrics.Catalogue) -> str:
    """What a shard's integer codes mean (the code lists, the programmes' and categories'
    bits), as a digest kept in each shard file: a file coded otherwise is read again, so
    reference data loaded anew (warmth init) need not mark every district changed."""
    meaning = (codes, sorted(cat.prog_bit.items()), sorted(cat.cat_bit.items()))
    return hashlib.sha256(repr(meaning).encode()).hexdigest()


def campaign_ids(conn: sa.Connection) -> list[int]:
    """Campaigns that hold a register or records (the ones worth a snapshot)."""
    b, r, c = schema.beneficiaries, schema.aid_records, schema.campaigns
    # one index probe per campaign (DISTINCT would walk every row's index entry)
    held = sa.exists().where(b.c.campaign_id == c.c.id) | sa.exists().where(
        r.c.campaign_id == c.c.id
    )
    return sorted(conn.execute(sa.select(c.c.id).where(held)).scalars())
