"""Tiny hand-made campaigns, inserted with SQLAlchemy, whose figures a person can check.

`build_small(conn)` makes the campaign every query test uses (districts A = 310101 黄浦,
B = 310104 徐汇):

| who | registered | categories | records (programme, yuan, date, delivering district) |
|---|---|---|---|
| P1 | A, street A1 | DBU + CJR | MZ01 300 12-20; MZ01 300 01-05 (repeat); CL01 200 01-10 |
| P2 | A, street A1 | YLJZ | MZ03 500 12-25 (MZ, medical); YB01 200 01-15 (YB, medical) |
| P3 | A, street A2 | LTX | JY01 500 01-20 (serves PKXS only: leakage, under A) |
| P4 | A, street A2 | TKSY | none (omitted) |
| P5 | B, street B1 | LTX | LB01 100 02-01 delivered by A (matches: counts in B); GH02 400 01-03 delivered by A (leakage, under A) |
| P6 | B, street B1 | PKXS | JY01 500 02-15 |
| U1 | not registered | - | MZ01 300 01-08 delivered by B (leakage, under B) |

Dates are 2004-12-xx and 2005-01/02-xx; the campaign is "2005" (2004-12-18 to 2005-02-23).
"""

from __future__ import annotations

import os
from datetime import date

import sqlalchemy as sa

from warmth import idkey, schema

A, B = "310101", "310104"
A1, A2, B1 = "310101002", "310101013", "310104003"
IDS = {
    "P1": "310101195001010011",
    "P2": "310101195001010022",
    "P3": "310101195001010033",
    "P4": "310101195001010044",
    "P5": "310104195001010055",
    "P6": "310104195001010066",
    "U1": "310104195001010077",
}


def campaign_id(conn: sa.Connection, code: str = "2005") -> int:
    c = schema.campaigns
    return conn.execute(sa.select(c.c.id).where(c.c.code == code)).scalar_one()


def add_person(
    conn: sa.Connection,
    cid: int,
    id_number: str,
    district: str,
    street: str,
    categories: list[str],
    name: str = "测试",
) -> int:
    bid = conn.execute(
        schema.beneficiaries.insert()
        .values(
            campaign_id=cid,
            **protected(conn, id_number),
            name=name,
            district_code=district,
            street_code=street,
        )
        .returning(schema.beneficiaries.c.id)
    ).scalar_one()
    conn.execute(
        schema.beneficiary_categories.insert(),
        [{"beneficiary_id": bid, "category_code": c} for c in categories],
    )
    return bid


def hashed(id_number: str) -> str:
    """The keyed hash the database keeps for an ID number (the tests' key, conftest)."""
    return idkey.IdKey.parse(os.environ[idkey.ENV_VAR]).hash(id_number)


def protected(conn: sa.Connection, id_number: str) -> dict[str, str]:
    """The ID number as the database keeps it: its keyed hash and its seal."""
    hashes, seals = idkey.for_conn(conn, write=True).protect([id_number])
    return {"id_number": hashes[0], "id_cipher": seals[0]}


_counter = {"n": 0}


def add_record(
    conn: sa.Connection,
    cid: int,
    id_number: str,
    programme: str,
    yuan: float,
    day: date,
    district: str | None = None,
    form: str | None = None,
    submitter: str = "310101",
    batch_id: int | None = None,
) -> None:
    if form is None:
        p = schema.programmes
        form = conn.execute(sa.select(p.c.form).where(p.c.code == programme)).scalar_one()
    _counter["n"] += 1
    conn.execute(
        schema.aid_records.insert().values(
            campaign_id=cid,
            submitter=submitter,
            record_no=f"R{_counter['n']:08d}",
            **protected(conn, id_number),
            programme_code=programme,
            amount_fen=int(round(yuan * 100)),
            form=form,
            date=day,
            district_code=district,
            batch_id=batch_id,
        )
    )


def build_small(conn: sa.Connection) -> int:
    """The campaign described in the module docstring; returns the campaign id."""
    cid = campaign_id(conn)
    add_person(conn, cid, IDS["P1"], A, A1, ["DBU", "CJR"])
    add_person(conn, cid, IDS["P2"], A, A1, ["YLJZ"])
    add_person(conn, cid, IDS["P3"], A, A2, ["LTX"])
    add_person(conn, cid, IDS["P4"], A, A2, ["TKSY"])
    add_person(conn, cid, IDS["P5"], B, B1, ["LTX"])
    add_person(conn, cid, IDS["P6"], B, B1, ["PKXS"])
    rec = add_record
    rec(conn, cid, IDS["P1"], "MZ01", 300, date(2004, 12, 20))
    rec(conn, cid, IDS["P1"], "MZ01", 300, date(2005, 1, 5))
    rec(conn, cid, IDS["P1"], "CL01", 200, date(2005, 1, 10))
    rec(conn, cid, IDS["P2"], "MZ03", 500, date(2004, 12, 25))
    rec(conn, cid, IDS["P2"], "YB01", 200, date(2005, 1, 15))
    rec(conn, cid, IDS["P3"], "JY01", 500, date(2005, 1, 20))
    rec(conn, cid, IDS["P5"], "LB01", 100, date(2005, 2, 1), district=A)
    rec(conn, cid, IDS["P5"], "GH02", 400, date(2005, 1, 3), district=A)
    rec(conn, cid, IDS["U1"], "MZ01", 300, date(2005, 1, 8), district=B, submitter=B)
    rec(conn, cid, IDS["P6"], "JY01", 500, date(2005, 2, 15), submitter=B)
    return cid


def assert_same_frames(a, b, as_of=None) -> None:
    """Two snapshots of one campaign give the same profile and record frames (as of a day,
    or with every record), whatever order their rows come in."""
    import pandas as pd

    for name in ("profile", "records_frame"):
        x, y = getattr(a, name)(as_of), getattr(b, name)(as_of)
        cols = list(x.columns)
        x = x.sort_values(cols, na_position="last").reset_index(drop=True)
        y = y.sort_values(cols, na_position="last").reset_index(drop=True)
        pd.testing.assert_frame_equal(x, y, obj=f"{name} as of {as_of}")
