"""What the readers of a snapshot keep beside it, made by whoever writes it.

A new data version's first reader (the first briefing, a server's first list or timeline)
found its snapshot's folder holding the arrays and frames only, and made what every
figure derives from them once: the day changes (2-2.5 CPU-s a campaign at scale 1.0, which
even an undated timeline counts its records by), the records' groups, the timelines' first records and cells,
the people lists' per-person codes, the whole campaign's frames. `make(city)` makes them
all and keeps them in the snapshot's folder (warmth.snapshot.kept), so that the writers of
a version (`warmth refresh`, the patched snapshot's writer behind an import) leave nothing
for its readers to make. What a city has made already (carried across aid batches,
warmth.snapshot.patch) is written as it is, not made again.
"""

from __future__ import annotations

from pathlib import Path

from warmth.snapshot import days, profiles, series
from warmth.snapshot.city import City


def make(city: City) -> None:
    """Make and keep in the city's folder everything its readers derive from it alone
    (a city with no folder: made in memory only)."""
    city.profile(None), city.records_frame(None)
    city._record_groups()  # kept in the folder when it was made in memory before
    changes = city.day_changes()
    if city.folder is not None and not (Path(city.folder) / days.FOLDER).is_dir():
        days.write(Path(city.folder) / days.FOLDER, changes)  # made before it had a folder
    series.make_kept(city)
    profiles.make_kept(city)
