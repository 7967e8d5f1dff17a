"""A city snapshot cut back into its districts' shards: the inverse of
warmth.snapshot.build.join, so that a snapshot patched with an aid batch
(warmth.snapshot.store) writes the touched districts' shard files itself and the next
`warmth refresh` loads them instead of reading those districts from the base tables.

The city holds everything a shard holds: its registered people are one run of rows per
district (in beneficiary id order, as a shard reads them), their records are the runs of
those rows (every record of theirs, wherever delivered), and an ID number registered
nowhere keeps its number, so its records delivered in a district are that district's
orphans. A shard is given in the order and the array types that reading it from the base
tables gives (warmth.snapshot.shards), so its file is the one a `refresh --full` writes.
"""

from __future__ import annotations

import numpy as np

from warmth.snapshot.city import City
from warmth.snapshot.shards import Shard

WIDE = ("rec_id", "pbit", "amount_fen", "form", "day", "deliver", "submitter")  # int64 as read


def shards(city: City, districts: list[str]) -> list[Shard] | None:
    """The shards of these districts (codes of city.codes.districts), as read from the
    base tables at the snapshot's data; None when the registered are not in district
    order (then they are read from the tables)."""
    bounds = city.district_rows()
    if bounds is None:
        return None
    p, rec = city.people, city.records
    m = p.n_registered
    tail = int(np.searchsorted(rec.person, m, "left"))  # the orphans' records: the last rows
    delivered = np.where(rec.deliver[tail:] >= 0, rec.deliver[tail:], rec.submitter[tail:])
    out = []
    for district in districts:
        i = city.codes.districts.index(district)
        start, end = int(bounds[0][i]), int(bounds[1][i])
        lo, hi = np.searchsorted(rec.person, [start, end], "left")
        orphan = tail + np.flatnonzero(delivered == i)
        orphan = orphan[np.lexsort((rec.rec_id[orphan], rec.day[orphan]))]  # orphans first
        rows = np.concatenate([orphan, np.arange(lo, hi)])
        records = {k: getattr(rec, k)[rows].astype("int64") for k in WIDE}
        records["batch_id"] = rec.batch_id[rows].astype("int32")
        local = rec.person[rows].astype("int64") - start
        local[: len(orphan)] = -1
        records["person"] = local.astype("int32")
        people = {
            "ben_id": p.ben_id[start:end].astype("int64"),
            "street": p.street[start:end].astype("int64"),
            "cat_mask": p.cat_mask[start:end].astype("int64"),
        }
        numbers = np.asarray(p.id_numbers, dtype=object)[rec.person[orphan].astype("int64") - m]
        out.append(Shard(district, people, records, numbers))
    return out
