"""What a held snapshot has worked out, carried across the aid batches applied to it
(warmth.snapshot.store), so that the first figure after an import or an undo costs the
people the batches touched, not the whole city.

An aid batch changes nothing about anyone but the people who have records in it: their
masks, their profile rows and their record groups. So, for those people only, the rows
before (of the held snapshot) are taken away from the held frames and the rows after (of
the patched one) are added; everyone else's are the same numbers. Each side is computed
by the snapshot's own code on a small snapshot of just those people and their records
(`_of`), so the rules of warmth.snapshot.city are written once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from warmth.snapshot import kept, patch_days
from warmth.snapshot.city import City, People, Records, _decoded

SUMS = {"profile": ["n"], "records": ["records", "repeat_records", "amount_fen"]}


def _of(city: City, persons: np.ndarray) -> City:
    """A snapshot of only these people (ascending rows of city.people) and all their
    records, which keep their derived columns (rank and attribution are a person's own)."""
    p, rec = city.people, city.records
    m = p.n_registered
    lo = np.searchsorted(rec.person, persons, "left")
    hi = np.searchsorted(rec.person, persons, "right")
    lengths = hi - lo
    rows = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
    people = People(
        registered=p.registered[persons],
        home=p.home[persons],
        street=p.street[persons],
        cat_mask=p.cat_mask[persons],
        ben_id=p.ben_id[persons],
        leak_att=p.leak_att[persons],
        id_numbers=p.id_numbers[persons[persons >= m] - m],
    )
    columns = {k: getattr(rec, k)[rows] for k in Records.__dataclass_fields__}
    columns["person"] = np.repeat(np.arange(len(persons), dtype="int32"), lengths)
    return City(city.campaign_id, city.codes, city.catalogue, people, Records(**columns), {})


def _combined(held: pd.DataFrame, before: pd.DataFrame, after: pd.DataFrame, kind: str):
    """The held frame with the touched people's rows before taken away and after added."""
    sums = SUMS[kind]
    before = before.assign(**{c: -before[c] for c in sums})
    both = pd.concat([held, before, after], ignore_index=True)
    keys = [c for c in held.columns if c not in sums]
    out = both.groupby(keys, sort=False, dropna=False)[sums].sum().reset_index()
    out = out.loc[out[sums[0]] != 0].reset_index(drop=True)
    if out.empty:  # nothing left anywhere: the touched people's frame is the empty one
        return after.iloc[:0]
    for c in sums:
        out[c] = out[c].astype("int64")
    for c in keys:  # codes set as warmth.snapshot.city sets them: pandas infers the type
        if not pd.api.types.is_numeric_dtype(held[c]) and held[c].dtype != bool:
            out[c] = out[c].to_numpy(dtype=object, na_value=None)
    return out[list(held.columns)]


def carry(held: City, got: City, touched: np.ndarray) -> None:
    """Give `got` (held with aid batches applied, its people the held's with any new ones
    at the end) what `held` had worked out for every record counted (the masks, the
    profile and record frames, the home groups, the day changes: warmth.snapshot.patch_days),
    brought up to date for the touched
    people (rows of got.people whose records the batches added or removed)."""
    touched = np.unique(touched).astype("int64")
    old = touched[touched < len(held.people)]
    before, after = _of(held, old), _of(got, touched)
    statics, frames = held._statics, held._frames
    if "home" in statics:  # registered people's district, street and categories: the same
        got._statics["home"] = statics["home"]
    if "masks" in statics:
        grown = len(got.people) - len(held.people)
        masks = []
        for mask, new in zip(statics["masks"], after.masks(None), strict=True):
            mask = np.concatenate([mask, np.zeros(grown, mask.dtype)])
            mask[touched] = new
            masks.append(mask)
        got._statics["masks"] = tuple(masks)
    changes = patch_days.carried(held, got, before, after, touched)
    if changes is not None:
        got._statics["day_changes"] = changes
    for kind, whole, named, make in (
        ("profile", City._whole_profile, _profile_named, City.profile),
        ("records", City._whole_records, City._named, City.records_frame),
    ):
        # with every column an integer code, as kept beside the city's files
        # (warmth.snapshot.kept): written with the patched city's, for the next process,
        # and named for the figures when the held had them named
        held_whole = whole_frame(held, kind)
        if held_whole is not None:
            got_whole = _combined(held_whole, whole(before), whole(after), kind)
            got._statics[("whole", kind)] = got_whole
            if (kind, None) in frames:
                got._frames[(kind, None)] = named(got, got_whole.copy())
        elif (kind, None) in frames:
            got._frames[(kind, None)] = _combined(
                frames[(kind, None)], make(before, None), make(after, None), kind
            )


def _profile_named(city: City, frame: pd.DataFrame) -> pd.DataFrame:
    """A profile of integer codes with its districts and streets named (City._profile)."""
    return _decoded(frame, city.codes)


def whole_frame(city: City, kind: str) -> pd.DataFrame | None:
    """The snapshot's whole-campaign frame (profile or records) as integer codes, when it
    has one at hand: carried to it by this module, or kept in its folder."""
    got = city._statics.get(("whole", kind))
    return got if got is not None else kept.read_frame(city.folder, kind)
