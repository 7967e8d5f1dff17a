"""Who is on each people list, from the snapshot: the same definitions as the figures
(warmth.metrics), applied person by person, so a list's length is its figure.

Each function takes the City and the Request and returns the list's members in list order:
registered beneficiaries by (street, beneficiaries.id), then ID numbers registered nowhere
by ID number. A member is (row in City.people, district code it counts under).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from warmth import metrics
from warmth.request import Request
from warmth.snapshot import profiles
from warmth.snapshot.city import City, day_number


@dataclass(frozen=True, eq=False)
class Members:
    """People of a list: who is on it (`chosen`, per row of City.people), in list order —
    those registered in the request's districts (`at_home`) in the order of `order`, then
    the others in that order too — and the district (code position) each one counts
    under. A page walks `order` from the start until it has its rows: the first page of a
    list of millions reads a block or two, never the whole list."""

    chosen: np.ndarray  # bool per person
    at_home: np.ndarray  # bool per person: registered in the request's districts
    order: np.ndarray  # every person in list order (_order)
    district_of: np.ndarray  # per person: the district they count under
    start: int = 0  # no one registered in the request's districts sits before it in order
    place: np.ndarray | None = None  # per person, their place in `order`

    def __len__(self) -> int:
        return self._counts[0]

    @property
    def here(self) -> int:
        """How many of the list are registered in the request's districts (they come
        first)."""
        return self._counts[1]

    @cached_property
    def _counts(self) -> tuple[int, int]:
        return int(np.count_nonzero(self.chosen)), int(np.count_nonzero(self._parts[0]))

    @cached_property
    def _parts(self) -> tuple[np.ndarray, np.ndarray]:
        return self.chosen & self.at_home, self.chosen & ~self.at_home

    @property
    def rows(self) -> np.ndarray:
        """Every member (rows of City.people), in list order."""
        return self.part(0, len(self))[0]

    def _read(self, which: int, start: int, stop: int) -> np.ndarray:
        """Rows start .. stop of one part (0: at home, 1: the others), in list order: a
        part of few people is sorted by place in the list (`place`) instead of walked, since
        a walk for rows that are not there reads the whole order."""
        wanted = self._parts[which]
        count = self._counts[1] if which == 0 else len(self) - self._counts[1]
        if self.place is not None and count <= FEW:
            rows = np.flatnonzero(wanted)
            return rows[np.argsort(self.place[rows], kind="stable")][start:stop]
        return _walk(self.order[self.start :] if which == 0 else self.order, wanted, start, stop)

    def part(self, start: int, stop: int) -> tuple[np.ndarray, np.ndarray]:
        """Rows start .. stop of the list (rows of City.people) and their districts."""
        here = self.here
        rows = [self._read(0, start, min(stop, here))]
        if stop > here:
            rows.append(self._read(1, max(start - here, 0), stop - here))
        got = np.concatenate(rows)
        return got, self.district_of[got]


FEW = 1 << 16  # a part of at most this many people is sorted, not walked (Members._read)


def _walk(order: np.ndarray, wanted: np.ndarray, start: int, stop: int) -> np.ndarray:
    """The start-th to stop-th rows of `order` that are wanted, read block by block (the
    blocks doubling) until there are enough."""
    out, seen, lo, block = [], 0, 0, 1 << 16
    while lo < len(order) and seen < stop:
        rows = order[lo : lo + block]
        hit = rows[wanted[rows]]
        if seen + len(hit) > start:
            out.append(hit[max(start - seen, 0) : stop - seen])
        seen += len(hit)
        lo, block = lo + block, block * 2
    return np.concatenate(out) if out else order[:0]


def _order(city: City) -> np.ndarray:
    """Every person in list order (see the module docstring)."""
    p = city.people
    reg = np.flatnonzero(p.registered)
    # people are in district order and by id inside a district; street codes sort with
    # their districts, so a stable sort by street gives (street, id)
    home = reg[np.argsort(p.street[reg], kind="stable")]
    others = np.flatnonzero(~p.registered)
    others = others[np.argsort(p.id_numbers.astype(str), kind="stable")]
    return np.concatenate([home, others]).astype("int32")


def _places(order: np.ndarray) -> np.ndarray:
    """Per person, their place in list order (the inverse of _order)."""
    out = np.empty(len(order), dtype="int32")
    out[order] = np.arange(len(order), dtype="int32")
    return out


def _positions(codes: tuple[str, ...], wanted) -> np.ndarray:
    index = {c: i for i, c in enumerate(codes)}
    return np.array([index[c] for c in wanted if c in index], dtype="int64")


def _inside(values: np.ndarray, codes: tuple[str, ...], wanted) -> np.ndarray:
    """Per value (a code position, -1 for none): whether its code is wanted (one gather
    from a table the size of the code list: much cheaper than np.isin on millions)."""
    table = np.zeros(len(codes) + 1, dtype=bool)
    table[_positions(codes, wanted)] = True
    return table[values]  # -1 reads the last slot, which is False


class _Person:
    """Per person, for one request, each made when first asked: whether they are at home
    (registered in the request's districts and streets), eligible and reached. A list's
    test is worked out on the table of distinct (masks, categories) pairs
    (warmth.snapshot.profiles) and read per person with one gather."""

    def __init__(self, city: City, req: Request) -> None:
        self.city, self.req = city, req

    @cached_property
    def codes(self) -> profiles.Codes:
        day = None if self.req.as_of is None else day_number(self.req.as_of)
        return profiles.of_day(self.city, day)

    @cached_property
    def allowed(self) -> np.ndarray:
        """Per entry of the code table: the programmes that would match its people."""
        cat, req, codes = self.req.cat, self.req, self.codes
        kc = metrics.ALL if req.categories is None else req.categories
        per_cat = np.array([cat.allowed(int(v) & kc) for v in codes.cat_values], dtype="int64")
        return per_cat[codes.cat_of]

    @cached_property
    def eligible_entry(self) -> np.ndarray:
        """Per entry: in a category that counts (one the slice's programmes serve, within
        the category filter)."""
        req = self.req
        kc = metrics.ALL if req.categories is None else req.categories
        return (self.codes.cats & kc & req.cat.served_categories(req.universe)) != 0

    @cached_property
    def reached_entry(self) -> np.ndarray:
        """Per entry: eligible and reached by a matching record of the slice."""
        return self.eligible_entry & ((self.codes.reach & self.req.universe & self.allowed) != 0)

    @cached_property
    def _rows(self) -> list[tuple[int, int]] | None:
        """The rows of the people registered in the request's districts, as (start, stop)
        runs (None: every row may count): only they can be at home, so the per-person
        values that are read only where at_home holds are read on these rows alone."""
        bounds = None if self.req.every_district else self.city.district_rows()
        if bounds is None:
            return None
        wanted = set(self.req.districts)
        return [
            (int(bounds[0][i]), int(bounds[1][i]))
            for i, c in enumerate(self.city.codes.districts)
            if c in wanted
        ]

    def at_home_with(self, entry: np.ndarray) -> np.ndarray:
        """Per person: at home, and their entry holds in `entry`."""
        return self.at_home & self.codes.read(entry, self._rows)

    @cached_property
    def at_home(self) -> np.ndarray:
        """Registered in the request's districts (and streets)."""
        city, req, p = self.city, self.req, self.city.people
        at_home = p.registered if req.every_district else city.registered_in(req.districts)
        if req.streets is not None:
            at_home = at_home & _inside(p.street, city.codes.streets, req.streets)
        return at_home

    @cached_property
    def eligible(self) -> np.ndarray:
        return self.at_home_with(self.eligible_entry)

    @cached_property
    def reached(self) -> np.ndarray:
        return self.at_home_with(self.reached_entry)


def _person(city: City, req: Request) -> _Person:
    return _Person(city, req)


def _members(city: City, req: Request, chosen: np.ndarray, district: np.ndarray) -> Members:
    """The chosen people as a list: registered in the request's districts first, then
    the others, each part in list order (_order)."""
    order = city._static("order", lambda: _order(city))
    place = city._static("places", lambda: _places(order))
    p = city.people
    if req.every_district:
        return Members(chosen, p.registered, order, district, place=place)
    at_home = city.registered_in(req.districts)
    firsts = city._static("district_starts", lambda: _district_starts(city, order))
    start = min((firsts.get(d, len(order)) for d in req.districts), default=len(order))
    return Members(chosen, at_home, order, district, start, place)


def _district_starts(city: City, order: np.ndarray) -> dict[str, int]:
    """Per district, the first place in list order of anyone registered there."""
    p = city.people
    homes = np.where(p.registered[order], p.home[order], -1)
    codes, first = np.unique(homes, return_index=True)
    return {city.codes.districts[c]: int(i) for c, i in zip(codes, first, strict=True) if c >= 0}


def omission(city: City, req: Request) -> Members:
    """Eligible and not reached (metrics.eligible, metrics.reached)."""
    x = _person(city, req)
    chosen = x.at_home_with(x.eligible_entry & ~x.reached_entry)
    return _members(city, req, chosen, city.people.home)


def repeats(city: City, req: Request) -> Members:
    """Two or more records of one programme of the slice (metrics.repeat_beneficiaries):
    registered people under their district; ID numbers registered nowhere under their
    leakage district (not inside a street or category filter)."""
    p, x = city.people, _person(city, req)
    if req.categories is not None:
        chosen = x.at_home_with((x.codes.repeat & x.allowed & req.universe) != 0)
        return _members(city, req, chosen, p.home)
    paid_twice = (x.codes.repeat & req.universe) != 0
    chosen = x.at_home_with(paid_twice)
    if req.streets is None:  # the registered nowhere are the last rows (City)
        m = p.n_registered
        away = _inside(p.leak_att[m:], city.codes.districts, req.districts)
        chosen[m:] |= away & np.take(paid_twice, x.codes.person[m:])
    district = city._static("repeat_district", lambda: np.where(p.registered, p.home, p.leak_att))
    return _members(city, req, chosen, district)


def overlaps(
    city: City,
    req: Request,
    cell: tuple[str | None, str | None, str | None] = (None, None, None),
) -> Members:
    """Reached for one need by programmes of two or more departments
    (metrics.overlap_beneficiaries); with a cell (dept_a, dept_b, need), only those whom
    both departments served for that need (any need when None), as
    queries.overlap_matrix counts its squares."""
    x, cat = _person(city, req), req.cat
    met = x.codes.reach & x.allowed
    many = np.bitwise_count(met) >= 2
    dept_a, dept_b, need = cell
    wanted = {d for d in (dept_a, dept_b) if d}
    pair = cat.department_mask(wanted) if wanted else 0
    needs = [cat.need_mask.get(need, 0)] if need is not None else list(cat.need_mask.values())
    values, inverse = np.unique(met, return_inverse=True)  # a few thousand entries
    keep = np.zeros(len(values), dtype=bool)
    for i in np.unique(inverse[many]).tolist():
        over = cat.overlapping(int(values[i]))
        if not over & req.universe:
            continue
        keep[i] = (not wanted and need is None) or any(
            _meets(cat, over & nm, wanted, pair, req.universe) for nm in needs
        )
    entry = many & keep[inverse]
    # a square of the matrix counts the eligible of the slice; the whole list, as the
    # figure does, every registered beneficiary of the districts
    if wanted or need is not None:
        entry &= x.eligible_entry
    return _members(city, req, x.at_home_with(entry), city.people.home)


def _meets(cat, m: int, wanted: set, pair: int, universe: int) -> bool:
    """Programmes `m` (of one need) of two or more departments, among them the wanted
    ones, and of the pair's and the slice's programmes."""
    depts = {cat.bit_dept[b] for b in metrics._bits(m)}
    return len(depts) >= 2 and wanted <= depts and bool(m & (pair or m) & universe)


def leakage(city: City, req: Request) -> Members:
    """A non-matching record of a programme of the slice (metrics.leakage_beneficiaries),
    under its leakage district: inside a street filter, only people of those streets whose
    leakage counts at home."""
    p, x, cat = city.people, _person(city, req), req.cat
    programmes = req.universe
    if req.categories is not None:
        programmes &= cat.serving(req.categories)
    leaks = (x.codes.leak & programmes) != 0
    if req.streets is not None:
        chosen = x.at_home_with(leaks)
        rows = np.flatnonzero(chosen)  # few: leakage is rare
        chosen[rows] = p.leak_att[rows] == p.home[rows]
    else:
        chosen = x.codes.read(leaks)
        rows = np.flatnonzero(chosen)
        chosen[rows] = _inside(p.leak_att[rows], city.codes.districts, req.districts)
    return _members(city, req, chosen, p.leak_att)
