"""Where each clean row of an upload stands against the database: new, already present,
or concerning people registered in another district.

What the uploader is told is computed from this within their scope only (Validation.counts):
an ID number registered in a district the scope cannot see reads as new, so an upload can
never be used to look people up across the city.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warmth import schema

JSON_PART = 10_000

if TYPE_CHECKING:
    from warmth.intake.validation import Validation


def classify(conn: sa.Connection, v: Validation, submitter: str | None = None) -> pd.Series:
    """Per clean row: new, present (already in the database) or, for a register,
    cross_district (the ID is registered in another district the scope can see) or
    cross_hidden (registered in a district outside the scope: the uploader is told nothing
    of it, so it counts as new for them; the import keeps it as a second registration).
    For aid: held (the person is registered in a district outside the scope: the record
    waits for that district to accept it) when the scope is not the city's."""
    clean = v.clean
    if clean.empty:
        return pd.Series(dtype=object)
    if v.kind == "aid":
        return _classify_aid(conn, v, submitter or v.submitter)
    existing = _registered_in(conn, v.campaign.id, clean["id_number"])
    where = clean["id_number"].map(existing)
    visible = where.isin(sorted(v.scope.districts)).to_numpy()
    status = np.where(
        where.isna(),
        "new",
        np.where(
            where == clean["district_code"],
            "present",
            np.where(visible, "cross_district", "cross_hidden"),
        ),
    )
    return pd.Series(status, dtype=object)


def _registered_in(conn: sa.Connection, campaign_id: int, numbers: pd.Series) -> dict[str, str]:
    """ID number -> registered district, for these ID numbers (read in chunks, through the
    index on (campaign_id, id_number))."""
    b = schema.beneficiaries
    return dict(
        _in_parts(
            conn,
            sa.select(b.c.id_number, b.c.district_code).where(b.c.campaign_id == campaign_id),
            b.c.id_number,
            numbers,
        )
    )


def registered_people(conn: sa.Connection, campaign_id: int, numbers: pd.Series) -> pd.DataFrame:
    """The register's rows for these ID numbers (keyed hashes): columns id (the
    beneficiary's) and district_code, indexed by ID number; numbers registered nowhere are
    absent. One probe of the register's unique index per distinct number."""
    b = schema.beneficiaries
    found = _in_parts(
        conn,
        sa.select(b.c.id_number, b.c.id, b.c.district_code).where(b.c.campaign_id == campaign_id),
        b.c.id_number,
        numbers,
    )
    numbers, ids, districts = (list(c) for c in zip(*found, strict=True)) if found else ([],) * 3
    return pd.DataFrame(
        {"id": pd.array(ids, dtype="Int64"), "district_code": np.array(districts, dtype=object)},
        index=pd.Index(numbers, dtype=object, name="id_number"),
    )


def _in_parts(conn: sa.Connection, query: sa.Select, column, values: pd.Series) -> list[tuple]:
    """The query's rows whose column is one of the values, looked up 900 values at a time
    (under SQLite's bound-parameter limit; on SQLite JSON_PART values as one JSON array
    parameter, which costs less to bind than 900 parameters), each part through the index the column leads
    with the query's equalities: a file's worth of lookups, never the table read whole."""
    wanted = sorted(set(values.dropna()))
    found: list[tuple] = []
    if conn.dialect.name == "sqlite":  # one JSON parameter per part: no statement to expand
        for start in range(0, len(wanted), JSON_PART):
            given = sa.func.json_each(json.dumps(wanted[start : start + JSON_PART]))
            one_of = column.in_(sa.select(given.table_valued("value").c.value))
            found += conn.execute(query.where(one_of)).all()
        return found
    for start in range(0, len(wanted), 900):
        found += conn.execute(query.where(column.in_(wanted[start : start + 900]))).all()
    return found


def _classify_aid(conn: sa.Connection, v: Validation, submitter: str | None) -> pd.Series:
    a, held = schema.aid_records, schema.held_records
    clean = v.clean
    numbers = clean["record_no"]
    cid = v.campaign.id
    existing = {
        r[0]
        for r in _in_parts(
            conn,
            sa.select(a.c.record_no).where(a.c.campaign_id == cid, a.c.submitter == submitter),
            a.c.record_no,
            numbers,
        )
    }
    existing |= set(  # held records are few (no index on their numbers): read them whole
        conn.execute(
            sa.select(held.c.record_no).where(
                held.c.campaign_id == cid, held.c.submitter == submitter, held.c.status == "held"
            )
        ).scalars()
    )
    present = numbers.isin(existing).to_numpy()
    status = np.where(present, "present", "new")
    if v.scope.role != "city":
        owner = clean["id_number"].map(_registered_in(conn, cid, clean["id_number"]))
        elsewhere = (owner.notna() & ~owner.isin(sorted(v.scope.districts))).to_numpy()
        status = np.where(~present & elsewhere, "held", status)
    return pd.Series(status, dtype=object)
