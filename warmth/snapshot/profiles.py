"""Per person, one small code for everything a people list asks of them: their categories
and their reach, repeat and leak masks (for the whole campaign, or as of a day).

At full scale 3 million people have only a few hundred distinct (masks, categories)
pairs. So a list's test ("eligible and not reached", "paid twice by a programme of the
slice", ...) is worked out once per distinct pair, on a table of a few thousand entries,
and read for every person with one gather: never a pass per condition over millions.

`of_day(city, None)` is the whole campaign's (made once per snapshot); `of_day(city, day)`
a day's, from what each day changes (warmth.snapshot.days), kept per snapshot and day
with the other per-request arrays of a person's size (City._kept, big=True). Both are
shared by every request of that snapshot and day, whoever asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from warmth.snapshot.city import City, narrow


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

    def make():
        codes, values = pd.factorize(city.people.cat_mask)
        return narrow(codes), np.asarray(values, dtype="int64")

    return city._static("profile_cat_codes", make)


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


def of_day(city: City, day: int | None) -> Codes:
    """The codes counting the whole campaign (day None), or records up to `day` (a day
    number, days since 1970-01-01)."""
    cat, cat_values = _cat_codes(city)
    if day is None:

        def whole() -> Codes:
            state, table = _whole_states(city)
            return Codes(narrow(state * len(cat_values) + cat, "int16"), table, cat_values)

        return city._static("profile_codes", whole)

    def dated() -> Codes:
        changes = city.day_changes()
        state = changes.state(changes.day(day)).astype("int64")
        table = np.asarray(changes.states, dtype="int64")
        return Codes(narrow(state * len(cat_values) + cat, "int16"), table, cat_values)

    return city._kept(("profile_codes", day), dated, big=True)
