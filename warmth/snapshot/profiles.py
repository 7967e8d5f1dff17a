"""Per person, one small code for everything a people list asks of them: their categories
and their reach, repeat and leak masks (for the whole campaign, or as of a day).

At full scale 3 million people have only a few hundred distinct (masks, categories)
pairs. So a list's test ("eligible and not reached", "paid twice by a programme of the
slice", ...) is worked out once per distinct pair, on a table of a few thousand entries,
and read for every person with one gather: never a pass per condition over millions.

`of_day(city, None)` is the whole campaign's (made once per snapshot and kept in its
folder with the category codes, warmth.snapshot.kept: its writer makes them, so that no
list of a new data version waits for them, warmth.snapshot.ahead); `of_day(city, day)`
a day's, from what each day changes (warmth.snapshot.days), kept per snapshot and day
with the other per-request arrays of a person's size (City._kept, big=True). Both are
shared by every request of that snapshot and day, whoever asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from warmth.snapshot import kept
from warmth.snapshot.city import City, narrow

KEPT_LAYOUT = 1  # part of the kept folders' names: raise it when what they hold changes


@dataclass(frozen=True, eq=False)
class Codes:
    """`person`: per person, the entry (state * len(cat_values) + category code) of the
    table whose columns are `reach`, `repeat`, `leak` and `cats` (masks as int64)."""

    person: np.ndarray  # per person, in the narrowest type (kept per snapshot and day)
    states: np.ndarray  # (3, n states) int64: reach, repeat, leak masks
    cat_values: np.ndarray  # int64: the distinct category masks

    @property
    def ncat(self) -> int:
        return len(self.cat_values)

    @cached_property
    def cat_of(self) -> np.ndarray:
        """Per entry, its category code."""
        return np.tile(np.arange(self.ncat), self.states.shape[1])

    def _per_entry(self, i: int) -> np.ndarray:
        return np.repeat(self.states[i], self.ncat)

    @cached_property
    def reach(self) -> np.ndarray:
        return self._per_entry(0)

    @cached_property
    def repeat(self) -> np.ndarray:
        return self._per_entry(1)

    @cached_property
    def leak(self) -> np.ndarray:
        return self._per_entry(2)

    @cached_property
    def cats(self) -> np.ndarray:
        return self.cat_values[self.cat_of]

    def read(self, table: np.ndarray, rows: list[tuple[int, int]] | None = None) -> np.ndarray:
        """table[entry] per person; with `rows` ((start, stop) runs) only there, False or
        zero elsewhere."""
        if rows is None:
            return np.take(table, self.person)
        out = np.zeros(len(self.person), dtype=table.dtype)
        for lo, hi in rows:
            out[lo:hi] = np.take(table, self.person[lo:hi])
        return out


def _cat_codes(city: City) -> tuple[np.ndarray, np.ndarray]:
    """Per person a category code (the narrowest type), and the distinct category masks."""

    def make() -> dict[str, np.ndarray]:
        codes, values = pd.factorize(city.people.cat_mask)
        return {"codes": narrow(codes), "values": np.asarray(values, dtype="int64")}

    got = kept.static(city, f"profile-categories-{KEPT_LAYOUT}", make)
    return got["codes"], got["values"]


def _whole_states(city: City) -> tuple[np.ndarray, np.ndarray]:
    """Per person a code for their whole-campaign (reach, repeat, leak) masks, and the
    (3, codes) table of them."""
    masks = city.masks(None)
    key = np.zeros(len(city.people), dtype="int64")
    for mask in masks:  # refactorized at each step, so the key stays below len(people)
        codes, uniq = pd.factorize(mask)
        key = pd.factorize(key * max(len(uniq), 1) + codes)[0].astype("int64")
    state = key
    one = np.zeros(int(state.max()) + 1 if len(state) else 0, dtype="int64")
    one[state] = np.arange(len(state))  # any holder of a code: they all share its masks
    table = np.stack([m[one].astype("int64") for m in masks])
    return state, table


def _whole_codes(city: City) -> dict[str, np.ndarray]:
    """The whole campaign's codes: per person (`person`) and their table (`states`)."""

    def make() -> dict[str, np.ndarray]:
        cat, cat_values = _cat_codes(city)
        state, table = _whole_states(city)
        return {"person": narrow(state * len(cat_values) + cat, "int16"), "states": table}

    return kept.static(city, f"profile-codes-{KEPT_LAYOUT}", make)


def make_kept(city: City) -> None:
    """Make the codes kept beside the snapshot (its writer does: warmth.snapshot.ahead)."""
    _whole_codes(city)


def of_day(city: City, day: int | None) -> Codes:
    """The codes counting the whole campaign (day None), or records up to `day` (a day
    number, days since 1970-01-01)."""
    cat, cat_values = _cat_codes(city)
    if day is None:

        def whole() -> Codes:
            got = _whole_codes(city)
            return Codes(got["person"], got["states"], cat_values)

        return city._static("profile_codes", whole)

    def dated() -> Codes:
        changes = city.day_changes()
        state = changes.state(changes.day(day)).astype("int64")
        table = np.asarray(changes.states, dtype="int64")
        return Codes(narrow(state * len(cat_values) + cat, "int16"), table, cat_values)

    return city._kept(("profile_codes", day), dated, big=True)
