"""A page's members' aid records, read from the snapshot (warmth.snapshot.city.Records):
what the repeat, overlap and leakage lists show beside each member, without a pass over
the base tables.

The records of a person are one run of the snapshot's records (sorted by person, day and
record id), so a page's are found by a binary search per member. The conditions below are
those the lists' SQL used to read the same rows with (warmth.worklists.slicing): the
request's date window and forms, its programmes, a category filter, matching.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from warmth.request import Request
from warmth.snapshot.city import City, day_number
from warmth.snapshot.shards import EPOCH


@dataclass(frozen=True)
class PageRecords:
    """The records of a page's members: for each, which member (index into the page's
    rows) and where it is in City.records; a member's records in (day, record id) order."""

    city: City
    owner: np.ndarray
    at: np.ndarray

    def where(self, keep: np.ndarray) -> PageRecords:
        return PageRecords(self.city, self.owner[keep], self.at[keep])

    def window(self, req: Request) -> np.ndarray:
        """Dated up to the request's day, of its forms (every record when neither is set)."""
        rec, ok = self.city.records, np.ones(len(self.at), dtype=bool)
        if req.as_of is not None:
            ok &= rec.day[self.at] <= day_number(req.as_of)
        if req.forms is not None:
            wanted = [i for i, f in enumerate(self.city.codes.forms) if f in req.forms]
            ok &= np.isin(rec.form[self.at], wanted)
        return ok

    def of_programmes(self, mask: int) -> np.ndarray:
        """Of a programme whose bit is in `mask`."""
        pbit = self.city.records.pbit[self.at].astype("int64")
        return (np.left_shift(np.int64(1), pbit) & mask) != 0

    def serving(self, categories: int) -> np.ndarray:
        """Matching, by a programme that serves one of the person's categories among
        `categories` (a category filter's "the records that count for them")."""
        rec, people = self.city.records, self.city.people
        serves = self.city.catalogue.serves_array()[rec.pbit[self.at].astype("int64")]
        cats = people.cat_mask[rec.person[self.at]].astype("int64")
        return rec.matching[self.at] & ((serves & cats & categories) != 0)

    def matching(self) -> np.ndarray:
        return self.city.records.matching[self.at]

    def rows(self) -> list[tuple[int, str, int, date]]:
        """(member, programme code, amount in fen, date) per record, in order."""
        rec, cat = self.city.records, self.city.catalogue
        code = dict(zip(cat.programmes.bit, cat.programmes.code, strict=True))
        return [
            (o, code[b], f, EPOCH + timedelta(days=d))
            for o, b, f, d in zip(
                self.owner.tolist(),
                rec.pbit[self.at].tolist(),
                rec.amount_fen[self.at].tolist(),
                rec.day[self.at].tolist(),
                strict=True,
            )
        ]


def of_people(city: City, persons: list[int]) -> PageRecords:
    """The records of the people (rows of City.people), member by member."""
    person = city.records.person
    wanted = np.asarray(persons, dtype=person.dtype)
    lo = np.searchsorted(person, wanted, side="left")
    hi = np.searchsorted(person, wanted, side="right")
    sizes = hi - lo
    owner = np.repeat(np.arange(len(wanted)), sizes)
    starts = np.repeat(lo - (np.cumsum(sizes) - sizes), sizes)
    return PageRecords(city, owner, (starts + np.arange(len(owner))).astype("int64"))
