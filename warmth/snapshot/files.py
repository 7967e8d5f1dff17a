"""The snapshot files kept beside a database (see warmth.snapshot.store for the layout):
one `.npz` archive per district's shard, one folder of `.npy` arrays per joined city, each
written atomically (a temporary file or folder, then renamed) and read back whole or not
at all."""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from warmth import idkey, metrics
from warmth.snapshot.city import City, People, Records
from warmth.snapshot.shards import Codes, Shard


def write(folder: Path, prefix: str, version: int, arrays: dict[str, np.ndarray]) -> None:
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


def carry_shards(folder: Path, districts: list[str], old: dict, new: dict, keep: set[int]) -> None:
    """Rename the shard files of these districts written at their old data versions to
    the new ones, for every campaign but those in `keep`: the district versions are the
    database's, so a write into one campaign moves them for all, and the other campaigns'
    shards (their data unchanged) would be read again. A file renamed meanwhile by
    another process, or not writable, is left as it is (read again)."""
    for district in districts:
        for path in folder.glob(f"c*-{district}-v{old.get(district, 0)}.npz"):
            campaign = path.name[1:].split("-", 1)[0]
            if not campaign.isdigit() or int(campaign) in keep:
                continue
            target = folder / f"c{campaign}-{district}-v{new.get(district, 0)}.npz"
            try:
                os.replace(path, target)
            except OSError:
                continue


def write_city(folder: Path, campaign_id: int, version: int, arrays: dict) -> None:
    """Write a city's arrays as a folder of .npy files, atomically (a temporary folder,
    then rename); remove the folders of older versions. Not writable: the next process
    builds again."""
    prefix = f"c{campaign_id}-v"
    final = folder / f"{prefix}{version}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=folder, suffix=".tmp"))
        for name, values in arrays.items():
            np.save(tmp / f"{name}.npy", values, allow_pickle=False)
        try:
            os.replace(tmp, final)
        except OSError:  # written meanwhile by another process: theirs is the same
            shutil.rmtree(tmp, ignore_errors=True)
        for old in folder.glob(f"{prefix}*"):
            if old != final and old.name[len(prefix) :].split(".")[0].isdigit():
                if old.is_dir():
                    shutil.rmtree(old, ignore_errors=True)
                else:  # a city file of the older single-file layout
                    old.unlink(missing_ok=True)
    except OSError:
        return


def shard_arrays(shard: Shard, coding: str) -> dict[str, np.ndarray]:
    out = {f"p_{k}": v for k, v in shard.people.items()}
    out["coding"] = np.array(coding)
    out.update({f"r_{k}": v for k, v in shard.records.items()})
    out["orphan_ids"] = np.asarray(shard.orphan_ids, dtype=f"U{idkey.HASH_CHARS}")
    return out


def read_shard_file(path: Path, district: str, coding: str) -> Shard | None:
    """The shard in a file, or None when there is none or it does not read whole: every
    member is read to its end, so a changed byte fails the archive's CRC-32, and the arrays
    must fit together (Shard.is_whole) and be coded as now (_coding). The caller then
    reads the district afresh."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            people = {k[2:]: z[k] for k in z.files if k.startswith("p_")}
            records = {k[2:]: z[k] for k in z.files if k.startswith("r_")}
            orphans = z["orphan_ids"].astype(object)
            if str(z["coding"]) != coding:
                return None
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None
    shard = Shard(district, people, records, orphans)
    return shard if shard.is_whole() else None


def city_arrays(c: City) -> dict[str, np.ndarray]:
    out = {f"p_{k}": v for k, v in vars(c.people).items() if k != "id_numbers"}
    out["p_id_numbers"] = np.asarray(c.people.id_numbers, dtype=f"U{idkey.HASH_CHARS}")
    out.update({f"r_{k}": v for k, v in vars(c.records).items()})
    out["codes_districts"] = np.asarray(c.codes.districts, dtype="U6")
    out["codes_streets"] = np.asarray(c.codes.streets, dtype="U9")
    out["codes_forms"] = np.asarray(c.codes.forms, dtype="U12")
    out["shard_versions"] = np.array([c.versions.get(d, 0) for d in c.codes.districts])
    out["register_version"] = np.array([c.register_version])
    return out


def read_city(
    path: Path, campaign_id: int, codes: Codes, cat: metrics.Catalogue, version: int
) -> City | None:
    def load(name: str, mapped: bool = True) -> np.ndarray:
        return np.load(path / f"{name}.npy", mmap_mode="r" if mapped else None)

    try:
        saved = Codes(
            *(tuple(load(f"codes_{k}", False).tolist()) for k in ("districts", "streets", "forms"))
        )
        if saved != codes:  # reference data changed: the integer codes mean other things
            return None
        names = [f.name[:-4] for f in path.glob("*.npy")]
        p = {k[2:]: load(k, k != "p_id_numbers") for k in names if k.startswith("p_")}
        r = {k[2:]: load(k) for k in names if k.startswith("r_")}
        shard_versions = load("shard_versions", False).tolist()
        registers = path / "register_version.npy"  # absent from older files: this version
        register_version = int(np.load(registers)[0]) if registers.exists() else version
    except (OSError, ValueError, KeyError):
        return None
    if set(r) != set(Records.__dataclass_fields__) or set(p) != set(People.__dataclass_fields__):
        return None  # a file of an older layout: built again
    p["id_numbers"] = p["id_numbers"].astype(object)
    got = City(
        campaign_id,
        codes,
        cat,
        People(**p),
        Records(**r),
        dict(zip(codes.districts, shard_versions, strict=True)),
    )
    got.version, got.register_version = version, register_version
    got.folder = path  # what it derives once is kept beside (snapshot.days, snapshot.kept)
    return got
