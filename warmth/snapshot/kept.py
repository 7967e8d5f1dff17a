"""What is derived from a city snapshot alone, kept in the snapshot's own folder so that
the next process reads it instead of computing it again.

Kept: the day changes (warmth.snapshot.days, 2-2.5 CPU-s a campaign at scale 1.0), the whole
campaign's profile and record groups (City.profile(None), City.records_frame(None): 0.4-0.7
CPU-s a campaign), the timelines' first records and cells (warmth.snapshot.series) and the
people lists' per-person codes (warmth.snapshot.profiles), these two by `static`. Whoever
writes a snapshot's folder makes them all there (warmth.snapshot.ahead), so that no reader
of the version makes any. Every process that shows a figure of
either campaign (the dashboard's servers, each `warmth briefing`, the previous year's
scorecard) made them again. Each is a folder of arrays, one .npy file per array, no pickles,
memory-mapped when read (so processes share them through the page cache). The city folder
is named by its data version (warmth.snapshot.store), so what is kept there is of that
version's data; a newer version is a new folder, and the old one goes with what it kept.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

FOLDER = "kept"  # the frames, inside the city's folder
COLUMNS = "__columns__"  # a kept frame's column order


def write_arrays(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    """Write the arrays as `folder`, atomically: a temporary folder beside it, then renamed,
    so a reader never sees half of it (another process that wrote it meanwhile wrote the
    same arrays). A folder that cannot be written (or whose city folder is gone) is left
    unwritten: it only costs the next process the making."""
    try:
        folder.parent.mkdir(exist_ok=True)  # not the city folder itself: gone is gone
        tmp = Path(tempfile.mkdtemp(dir=folder.parent, suffix=".tmp"))
        for name, values in arrays.items():
            np.save(tmp / f"{name}.npy", values, allow_pickle=False)
        try:
            os.replace(tmp, folder)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
    except OSError:
        return


def read_arrays(folder: Path) -> dict[str, np.ndarray] | None:
    """The arrays written as `folder`, memory-mapped (None: none, or unreadable)."""
    if not folder.is_dir():
        return None
    try:
        return {f.name[:-4]: np.load(f, mmap_mode="r") for f in folder.glob("*.npy")}
    except (OSError, ValueError):
        return None


def read_frame(folder: Path | None, name: str) -> pd.DataFrame | None:
    """The frame `name` kept in the city's folder (None: none, or unreadable)."""
    if folder is None:
        return None
    got = read_arrays(folder / FOLDER / name)
    if got is not None and COLUMNS in got and all(str(c) in got for c in got[COLUMNS]):
        return pd.DataFrame({str(c): np.array(got[str(c)]) for c in got[COLUMNS]})
    return None


def static(city, name: str, make: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """A dict of arrays that depends on the snapshot (a City) alone, made once per process
    (City._static) and kept in the snapshot's folder as `name`: the next process reads it
    instead of making it."""

    def load() -> dict[str, np.ndarray]:
        if city.folder is None:
            return make()
        got = read_arrays(Path(city.folder) / FOLDER / name)
        if got:
            return got
        made = make()
        write_arrays(Path(city.folder) / FOLDER / name, made)
        return made

    got = city._static(name, load)
    if city.folder is not None and not (Path(city.folder) / FOLDER / name).is_dir():
        # made in memory before the snapshot had a folder (a patched city, until its
        # files are written): kept now
        write_arrays(Path(city.folder) / FOLDER / name, dict(got))
    return got


def write_frame(folder: Path, name: str, made: pd.DataFrame) -> None:
    """Keep the frame `name` in the city's folder (its columns must be numeric)."""
    arrays = {str(c): made[c].to_numpy() for c in made.columns}
    if any(a.dtype == object for a in arrays.values()):
        raise TypeError(f"a kept frame holds numbers only: {name}")
    where = folder / FOLDER / name
    write_arrays(where, {**arrays, COLUMNS: np.array([str(c) for c in made.columns])})


def frame(folder: Path | None, name: str, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """The frame `name` read from the city's folder, else made and written there (a folder
    that cannot be read or written only costs the making). Its columns must be numeric."""
    if folder is None:
        return make()
    got = read_frame(folder, name)
    if got is not None:
        return got
    shutil.rmtree(folder / FOLDER / name, ignore_errors=True)  # unreadable or partial
    made = make()
    write_frame(folder, name, made)
    return made
