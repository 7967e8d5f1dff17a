"""The lists chosen on the snapshot (warmth.snapshot.people): the members in list order,
and SQL only for the rows of the page shown."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sqlalchemy as sa

from warmth import years
from warmth.request import Request, resolve
from warmth.scope import Filters, Scope
from warmth.snapshot import people, store
from warmth.snapshot.city import City
from warmth.snapshot.people import Members
from warmth.worklists._common import Page, b, chunks, list_frame, mask_frame
from warmth.worklists.slicing import sql_slice


@dataclass(frozen=True)
class MemberRow:
    """What a list's finish reads of a member: their row in City.people, their
    registration (None fields when the ID number is registered nowhere) and the district
    the member counts under."""

    person: int
    id: int | None
    id_number: str
    name: str | None
    district_code: str | None
    street_code: str | None
    household_size: int | None
    address: str | None
    id_cipher: str | None = None  # the sealed ID number, for showing it (registered only)


def member_rows(
    conn: sa.Connection, city: City, rows: np.ndarray, districts: np.ndarray
) -> list[MemberRow]:
    """The rows' members in the order given: registrations read by id, in one query per
    900."""
    people = city.people
    ben_ids = people.ben_id[rows]
    found: dict[int, tuple] = {}
    for part in chunks([int(i) for i in ben_ids if i >= 0]):
        q = sa.select(
            b.c.id,
            b.c.id_number,
            b.c.name,
            b.c.street_code,
            b.c.household_size,
            b.c.address,
            b.c.id_cipher,
        ).where(b.c.id.in_(part))
        found.update({row[0]: tuple(row[1:]) for row in conn.execute(q)})
    n_registered = people.n_registered
    out = []
    for row, ben, district in zip(rows, ben_ids, districts, strict=True):
        code = city.codes.districts[district] if district >= 0 else None
        if ben >= 0 and int(ben) in found:
            idn, name, street, size, address, cipher = found[int(ben)]
            out.append(
                MemberRow(int(row), int(ben), idn, name, code, street, size, address, cipher)
            )
        elif ben < 0:
            idn = str(people.id_numbers[int(row) - n_registered])
            out.append(MemberRow(int(row), None, idn, None, code, None, None, None))
    return out


def page_rows(
    conn: sa.Connection, city: City, members: Members, offset: int, limit: int
) -> list[MemberRow]:
    """Rows offset .. offset+limit of the list: the members registered in the districts
    shown in street order, then the others (few) by ID number."""
    stop = offset + limit
    rows = member_rows(conn, city, *members.part(offset, min(stop, members.here)))
    if stop > members.here:
        others = member_rows(conn, city, *members.part(members.here, len(members)))
        others.sort(key=lambda row: row.id_number)
        rows += others[max(offset - members.here, 0) : stop - members.here]
    return rows


_MEMBERS: dict[str, Callable] = {
    "omission": lambda conn, city, req, cell: people.omission(city, req),
    "repeat": lambda conn, city, req, cell: people.repeats(city, req),
    "overlap": lambda conn, city, req, cell: people.overlaps(city, req, cell),
    "leakage": lambda conn, city, req, cell: people.leakage(city, req),
    "left-out": lambda conn, city, req, cell: years.left_out(conn, city, req),
}

Finish = Callable[[sa.Connection, City, list[MemberRow]], list[dict]]
Finisher = Callable[[Request, tuple], Finish]


def chosen(
    conn: sa.Connection,
    scope: Scope,
    filters: Filters,
    kind: str,
    finisher: Finisher,
    cell: tuple = (None,) * 3,
) -> tuple[City, Members, Callable] | None:
    """The snapshot, the list's members and its finish (made by `finisher` from the request
    and the overlap cell); None when nothing is visible."""
    req = resolve(conn, scope, filters)
    if req is None or not req.districts or (req.streets is not None and not req.streets):
        return None
    sl = sql_slice(conn, req)
    if sl.empty:
        return None
    city = store.city(conn, req.campaign_id)
    return city, _MEMBERS[kind](conn, city, req, cell), finisher(req, cell)


def chosen_page(
    conn: sa.Connection,
    scope: Scope,
    filters: Filters,
    kind: str,
    finisher: Finisher,
    *,
    limit: int,
    offset: int,
    unmask: bool,
    cell: tuple = (None,) * 3,
) -> Page:
    """One page of a snapshot list, masked unless the scope allows and the caller asks."""
    limit, offset = max(int(limit), 0), max(int(offset), 0)
    got = chosen(conn, scope, filters, kind, finisher, cell)
    if got is None:
        return Page(list_frame([], kind), 0, limit, offset)
    city, members, finish = got
    shown = page_rows(conn, city, members, offset, limit)
    seals = {row.id_number: row.id_cipher for row in shown if row.id_cipher is not None}
    rows = finish(conn, city, shown)
    frame = mask_frame(conn, city.campaign_id, list_frame(rows, kind), scope, unmask, seals)
    return Page(frame, len(members), limit, offset)
