"""Frames derived from a city snapshot alone, kept in the snapshot's own folder so that
the next process reads them instead of computing them again.

The whole campaign's profile and record groups (City.profile(None), City.records_frame(None))
cost 0.4-0.7 CPU-s a campaign at scale 1.0 from the arrays; every process that shows a
figure of either campaign (the dashboard's servers, each `warmth briefing`, the previous
year's scorecard) made them again. Kept as integer columns (before the district and street
codes are decoded to names) in `<city folder>/kept/<name>.npz`, no pickles. The city folder
is named by its data version (warmth.snapshot.store), so a frame kept there is of that
version's data; a newer version is a new folder, and the old one goes with its frames.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

FOLDER = "kept"


def frame(folder: Path | None, name: str, make: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """The frame `name` read from the city's folder, else made and written there (a folder
    that cannot be read or written only costs the making). Its columns must be numeric."""
    if folder is None:
        return make()
    path = folder / FOLDER / f"{name}.npz"
    got = _read(path)
    if got is not None:
        return got
    made = make()
    _write(path, made)
    return made


def _read(path: Path) -> pd.DataFrame | None:
    try:
        with np.load(path, allow_pickle=False) as z:
            order = [str(c) for c in z["__columns__"]]
            return pd.DataFrame({c: z[c] for c in order})
    except (OSError, ValueError, KeyError):
        return None


def _write(path: Path, made: pd.DataFrame) -> None:
    """Atomically (a temporary file, then rename): a reader never sees half a file."""
    arrays = {str(c): made[c].to_numpy() for c in made.columns}
    if any(a.dtype == object for a in arrays.values()):
        raise TypeError(f"a kept frame holds numbers only: {path.name}")
    arrays["__columns__"] = np.array([str(c) for c in made.columns])
    try:
        path.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)
        os.replace(tmp, path)
    except OSError:
        return
