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
PERSON_ARRAYS = ("ben_id", "street", "cat_mask")
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

    @property
    def nbytes(self) -> int:
        arrays = [*self.people.values(), *self.records.values()]
        return sum(a.nbytes for a in arrays) + 40 * len(self.orphan_ids)


def _index(column, codes, *, offset: int = 0):
    """The position of the column's value in `codes` (-1 when absent or NULL), computed by
    the database: small integers are cheap to fetch."""
    mapping = codes if isinstance(codes, dict) else {c: i for i, c in enumerate(codes)}
    if not mapping:
        return sa.literal(-1)
    return sa.case({c: int(i) + offset for c, i in mapping.items()}, value=column, else_=-1)


def _day(column, dialect: str):
    if dialect == "sqlite":
        return sa.cast(sa.func.julianday(column) - 2440587.5, sa.Integer)
    return column - sa.literal(EPOCH, sa.Date)


def _fetch(conn: sa.Connection, query, dtypes: dict[str, str]) -> dict[str, np.ndarray]:
    rows = conn.execute(query).all()
    cols = list(zip(*rows, strict=True)) if rows else [() for _ in dtypes]
    return {
        name: np.array(values, dtype=dtype)
        for (name, dtype), values in zip(dtypes.items(), cols, strict=True)
    }


def read_shard(
    conn: sa.Connection, campaign_id: int, district: str, codes: Codes, cat: metrics.Catalogue
) -> Shard:
    """The shard of one district, read inside the caller's transaction."""
    b, bc, r = schema.beneficiaries, schema.beneficiary_categories, schema.aid_records
    dialect = conn.dialect.name
    here = (b.c.campaign_id == campaign_id) & (b.c.district_code == district)
    people = _fetch(
        conn,
        sa.select(b.c.id, b.c.id_number, _index(b.c.street_code, codes.streets))
        .where(here)
        .order_by(b.c.id),
        {"ben_id": "int64", "id_number": object, "street": "int16"},
    )
    bit_of = {code: int(bit) for code, bit in cat.cat_bit.items()}
    links = _fetch(
        conn,
        sa.select(bc.c.beneficiary_id, _index(bc.c.category_code, bit_of))
        .select_from(bc.join(b, b.c.id == bc.c.beneficiary_id))
        .where(here),
        {"ben_id": "int64", "bit": "int64"},
    )
    cat_mask = np.zeros(len(people["ben_id"]), dtype="int64")
    if len(links["ben_id"]):
        row = np.searchsorted(people["ben_id"], links["ben_id"])
        ok = links["bit"] >= 0
        np.bitwise_or.at(cat_mask, row[ok], np.left_shift(np.int64(1), links["bit"][ok]))

    rec_cols = [
        r.c.id,
        r.c.id_number,
        _index(r.c.programme_code, cat.prog_bit),
        r.c.amount_fen,
        _index(r.c.form, codes.forms),
        _day(r.c.date, dialect),
        _index(r.c.district_code, codes.districts),
        _index(r.c.submitter, codes.districts),
        sa.func.coalesce(r.c.batch_id, -1),
    ]
    rec_types = {
        "rec_id": "int64",
        "id_number": object,
        "pbit": "int8",
        "amount_fen": "int64",
        "form": "int8",
        "day": "int32",
        "deliver": "int8",
        "submitter": "int8",
        "batch_id": "int32",
    }
    # the district's people, then their records through ix_aid_records_person (a join
    # would let SQLite scan every record of the campaign)
    their_ids = sa.select(b.c.id_number).where(here)
    own = _fetch(
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
        _fetch(
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
    )
