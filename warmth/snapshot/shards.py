"""Reading the base tables into columnar shards, one per district.

A shard holds everything that belongs to one district: its registered beneficiaries with all
of their aid records (wherever delivered), and the records delivered there to ID numbers that
are registered nowhere ("orphans", counted as leakage). Every registered beneficiary is in
exactly one shard; an orphan ID number can have records in several shards, and the city
snapshot joins them (warmth.snapshot.city).

Districts, streets, programmes and forms are small integer codes into the sorted code lists
of `Codes`; days are days since 1970-01-01; money is integer fen. Reading is done with one
query per table, fetching plain tuples, and the work is done with numpy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warmth import metrics, schema

EPOCH = date(1970, 1, 1)
PEOPLE_ARRAYS = ("ben_id", "street", "cat_mask")
RECORD_ARRAYS = (
    "rec_id",
    "person",
    "pbit",
    "amount_fen",
    "form",
    "day",
    "deliver",
    "submitter",
    "batch_id",
)


@dataclass(frozen=True)
class Codes:
    """The code lists every shard of one database uses (positions are the integer codes)."""

    districts: tuple[str, ...]
    streets: tuple[str, ...]
    forms: tuple[str, ...]

    @classmethod
    def read(cls, conn: sa.Connection, cat: metrics.Catalogue) -> Codes:
        districts = tuple(sorted(conn.execute(sa.select(schema.districts.c.code)).scalars()))
        streets = tuple(sorted(conn.execute(sa.select(schema.streets.c.code)).scalars()))
        forms = tuple(sorted(set(cat.programmes["form"]) | {"cash", "in_kind", "visit"}))
        return cls(districts, streets, forms)


@dataclass
class Shard:
    """One district's people and records as arrays (see the module docstring).

    people: ben_id (beneficiaries.id), street (code), cat_mask (category bits).
    records: rec_id, person (row in people; -1 for an orphan), pbit (programme bit),
    amount_fen, form, day, deliver (delivering district, -1 none), submitter (district code
    of the submitter, -1 when a department submitted), batch_id (-1 none); orphans also keep
    their ID number in `orphan_ids` (aligned with the records whose person is -1)."""

    district: str
    people: dict[str, np.ndarray]
    records: dict[str, np.ndarray]
    orphan_ids: np.ndarray  # object: ID numbers of the orphan records, in record order

    def is_whole(self) -> bool:
        """The arrays fit together: every column there, one length for the people's and one
        for the records', each record's person a row of the people or -1, one ID number per
        orphan record. A shard file that was cut short or altered fails this (or its read)."""
        if set(self.people) != set(PEOPLE_ARRAYS) or set(self.records) != set(RECORD_ARRAYS):
            return False
        n = {len(v) for v in self.people.values()}
        m = {len(v) for v in self.records.values()}
        if len(n) != 1 or len(m) != 1:
            return False
        person = self.records["person"]
        if len(person) and (person.min() < -1 or person.max() >= n.pop()):
            return False
        return len(self.orphan_ids) == int(np.count_nonzero(person < 0))

    def in_order(self) -> Shard:
        """The shard with its records sorted by (person, day, record id), orphans first:
        joined shards then come close to the city's record order, which sorts in
        near-linear time (warmth.snapshot.build)."""
        r = self.records
        order = np.lexsort((r["rec_id"], r["day"], r["person"]))
        orphan = r["person"] < 0
        rank = np.cumsum(orphan) - 1  # each orphan record's place in orphan_ids
        orphan_ids = self.orphan_ids[rank[order[orphan[order]]]]
        records = {k: v[order] for k, v in r.items()}
        return Shard(self.district, self.people, records, orphan_ids)


DAY = "day"  # a fetched column of dates (ISO text on SQLite, dates on PostgreSQL) as day numbers


def _array(values, kind) -> np.ndarray:
    """A fetched column (a tuple of values) as an array: of a numpy type; DAY: days since
    EPOCH; or, for a code list (a tuple of codes or a dict code -> number), the position
    (number) of each value, -1 when absent or NULL. Codes and days are few: each distinct
    value is looked up once (a hash factorisation; a CASE or julianday() in the database
    costs more)."""
    if kind is DAY or not isinstance(kind, str | type):
        codes, uniques = pd.factorize(np.asarray(values, dtype=object))
        if kind is DAY:
            numbers = [_day_number(u) for u in uniques]
        else:
            mapping = kind if isinstance(kind, dict) else {c: i for i, c in enumerate(kind)}
            numbers = [mapping.get(u, -1) for u in uniques]
        lookup = np.array([*numbers, -1], dtype="int64")  # factorize's -1 (NULL): the last
        return lookup[codes]
    return np.asarray(values, dtype=kind)


def _day_number(value) -> int:
    day = date.fromisoformat(value[:10]) if isinstance(value, str) else value
    return (day - EPOCH).days


CHUNK_ROWS = 250_000  # rows turned into arrays at a time (bounds the memory of a read)


def fetch_chunks(conn: sa.Connection, query, dtypes: dict):
    """A query's rows as dicts of column arrays of the given types, chunk by chunk, read
    through the driver's own cursor (row objects would cost more than the database's
    work)."""
    compiled = query.compile(dialect=conn.dialect)
    params = (
        tuple(compiled.params[k] for k in compiled.positiontup)
        if compiled.positional
        else compiled.params
    )
    dbapi = conn.connection.dbapi_connection
    # PostgreSQL: a server-side cursor streams the rows (a plain one holds them all at once)
    cursor = (
        dbapi.cursor(name="warmth_snapshot")
        if conn.dialect.name == "postgresql"
        else dbapi.cursor()
    )
    try:
        cursor.execute(str(compiled), params)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            yield {  # column by column: no matrix of objects
                name: _array([row[i] for row in rows], t)
                for i, (name, t) in enumerate(dtypes.items())
            }
    finally:
        cursor.close()


def fetch(conn: sa.Connection, query, dtypes: dict) -> dict[str, np.ndarray]:
    """A query's columns as arrays of the given types (fetch_chunks, joined)."""
    parts = list(fetch_chunks(conn, query, dtypes))
    if not parts:
        return {name: _array((), t) for name, t in dtypes.items()}
    return {name: np.concatenate([p[name] for p in parts]) for name in dtypes}


def record_columns(conn: sa.Connection, codes: Codes, cat: metrics.Catalogue):
    """The columns read of aid_records, as small integer codes, and their array types."""
    r = schema.aid_records
    cols = [
        r.c.id,
        r.c.id_number,
        r.c.programme_code,
        r.c.amount_fen,
        r.c.form,
        r.c.date,
        r.c.district_code,
        r.c.submitter,
        sa.func.coalesce(r.c.batch_id, -1),
    ]
    types = {
        "rec_id": "int64",
        "id_number": object,
        "pbit": {c: int(b) for c, b in cat.prog_bit.items()},
        "amount_fen": "int64",
        "form": codes.forms,
        "day": DAY,
        "deliver": codes.districts,
        "submitter": codes.districts,
        "batch_id": "int32",
    }
    return cols, types


def read_shard(
    conn: sa.Connection, campaign_id: int, district: str, codes: Codes, cat: metrics.Catalogue
) -> Shard:
    """The shard of one district, read inside the caller's transaction."""
    b, bc, r = schema.beneficiaries, schema.beneficiary_categories, schema.aid_records
    here = (b.c.campaign_id == campaign_id) & (b.c.district_code == district)
    people = fetch(
        conn,
        sa.select(b.c.id, b.c.id_number, b.c.street_code).where(here).order_by(b.c.id),
        {"ben_id": "int64", "id_number": object, "street": codes.streets},
    )
    bit_of = {code: int(bit) for code, bit in cat.cat_bit.items()}
    links = fetch(
        conn,
        sa.select(bc.c.beneficiary_id, bc.c.category_code)
        .select_from(bc.join(b, b.c.id == bc.c.beneficiary_id))
        .where(here),
        {"ben_id": "int64", "bit": bit_of},
    )
    cat_mask = np.zeros(len(people["ben_id"]), dtype="int64")
    if len(links["ben_id"]):
        row = np.searchsorted(people["ben_id"], links["ben_id"])
        ok = links["bit"] >= 0
        np.bitwise_or.at(cat_mask, row[ok], np.left_shift(np.int64(1), links["bit"][ok]))

    rec_cols, rec_types = record_columns(conn, codes, cat)
    # the district's people, then their records through ix_aid_records_person (a join
    # would let SQLite scan every record of the campaign)
    their_ids = sa.select(b.c.id_number).where(here)
    own = fetch(
        conn,
        sa.select(*rec_cols).where(r.c.campaign_id == campaign_id, r.c.id_number.in_(their_ids)),
        rec_types,
    )
    registered = sa.select(b.c.id).where(
        b.c.campaign_id == r.c.campaign_id, b.c.id_number == r.c.id_number
    )
    # delivered here (the record's district, else its submitting district), each half on
    # ix_aid_records_delivering
    orphan_parts = [
        fetch(
            conn,
            sa.select(*rec_cols).where(
                r.c.campaign_id == campaign_id, here_cond, ~registered.exists()
            ),
            rec_types,
        )
        for here_cond in (
            r.c.district_code == district,
            r.c.district_code.is_(None) & (r.c.submitter == district),
        )
    ]
    orphans = {k: np.concatenate([part[k] for part in orphan_parts]) for k in rec_types}
    person = pd.Index(people["id_number"]).get_indexer(own["id_number"]).astype("int32")
    records = {k: np.concatenate([own[k], orphans[k]]) for k in RECORD_ARRAYS if k != "person"}
    records["person"] = np.concatenate([person, np.full(len(orphans["rec_id"]), -1, "int32")])
    return Shard(
        district=district,
        people={"ben_id": people["ben_id"], "street": people["street"], "cat_mask": cat_mask},
        records=records,
        orphan_ids=orphans["id_number"],
    ).in_order()


def read_all(
    conn: sa.Connection, campaign_id: int, codes: Codes, cat: metrics.Catalogue
) -> list[Shard]:
    """Every district's shard at once, from one pass over each base table (much faster
    than district by district when most districts are wanted)."""
    b, bc, r = schema.beneficiaries, schema.beneficiary_categories, schema.aid_records
    # the campaign's people in table order: `campaign_id + 0` keeps SQLite from walking an
    # index and fetching each row from elsewhere in the file (a plain scan is much cheaper)
    people = fetch(
        conn,
        sa.select(b.c.id, b.c.district_code, b.c.street_code, b.c.id_number)
        .where(b.c.campaign_id + 0 == campaign_id)
        .order_by(b.c.id),
        {"ben_id": "int64", "home": codes.districts, "street": codes.streets, "id_number": object},
    )
    bit_of = {code: int(bit) for code, bit in cat.cat_bit.items()}
    ids = people["ben_id"]
    lo, hi = (int(ids[0]), int(ids[-1])) if len(ids) else (0, -1)
    links = fetch(  # the campaign's id range, on the primary key: one campaign's links
        conn,
        sa.select(bc.c.beneficiary_id, bc.c.category_code).where(
            bc.c.beneficiary_id.between(lo, hi)
        ),
        {"ben_id": "int64", "bit": bit_of},
    )
    cat_mask = np.zeros(len(people["ben_id"]), dtype="int64")
    row = np.searchsorted(people["ben_id"], links["ben_id"])
    row = np.minimum(row, max(len(people["ben_id"]) - 1, 0))
    ok = (links["bit"] >= 0) & (len(people["ben_id"]) > 0)
    if len(people["ben_id"]):
        ok &= people["ben_id"][row] == links["ben_id"]  # other campaigns' people: skipped
        np.bitwise_or.at(cat_mask, row[ok], np.left_shift(np.int64(1), links["bit"][ok]))
    # each record's person found by its ID number's hash in a hash table of the people's
    # (cheaper than a join probing the database's index once per record); the ID number
    # kept only for the records of ID numbers registered nowhere
    registered = pd.Index(people.pop("id_number"))
    rec_cols, rec_types = record_columns(conn, codes, cat)
    query = sa.select(*rec_cols).where(r.c.campaign_id == campaign_id)
    parts, orphan_ids = [], []
    for chunk in fetch_chunks(conn, query, rec_types):
        numbers = chunk.pop("id_number")
        chunk["person"] = registered.get_indexer(numbers)
        orphan_ids.append(numbers[chunk["person"] < 0])
        parts.append(chunk)
    del registered
    names = [k for k in rec_types if k != "id_number"] + ["person"]
    rec = {
        k: np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, "int64") for k in names
    }
    person = rec.pop("person").astype("int64")
    rec["id_number"] = np.full(len(person), None, dtype=object)
    rec["id_number"][person < 0] = np.concatenate(orphan_ids) if orphan_ids else []
    home = np.where(person >= 0, people["home"][person], -1)
    delivered = np.where(rec["deliver"] >= 0, rec["deliver"], rec["submitter"])
    shards = []
    for i, district in enumerate(codes.districts):
        mine = np.flatnonzero(people["home"] == i)
        local = np.full(len(people["ben_id"]), -1, dtype="int64")
        local[mine] = np.arange(len(mine))
        own = np.flatnonzero(home == i)
        orphan = np.flatnonzero((person < 0) & (delivered == i))
        take = np.concatenate([own, orphan])
        records = {k: rec[k][take] for k in RECORD_ARRAYS if k != "person"}
        records["person"] = np.concatenate(
            [local[person[own]], np.full(len(orphan), -1, "int64")]
        ).astype("int32")
        shards.append(
            Shard(
                district=district,
                people={
                    "ben_id": people["ben_id"][mine],
                    "street": people["street"][mine],
                    "cat_mask": cat_mask[mine],
                },
                records=records,
                orphan_ids=rec["id_number"][orphan],
            ).in_order()
        )
    return shards
