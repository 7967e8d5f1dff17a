"""A hand-made world of two campaigns (2004 and 2005) whose year-over-year figures,
data-quality scorecard and standard indicators a person can check. Districts A = 310101
黄浦 (streets A1, A2) and B = 310104 徐汇 (street B1); LB01 (LB, 100 yuan) serves LTX,
MZ01 (MZ, 300 yuan) serves DBU.

2004 (window 2003-11-30 to 2004-02-05, Spring Festival 2004-01-22):
| who | registered | category | records |
|---|---|---|---|
| Q1 | A, A1 | DBU | MZ01 300 2003-12-20 |
| Q2 | A, A1 | LTX | LB01 100 2004-01-10 |
| Q3 | A, A2 | LTX | none |
| Q4 | A, A2 | LTX | LB01 100 2004-01-05 |
| Q5, Q6, Q8, Q9 | B, B1 | LTX | LB01 100 on 01-12, 01-15, 01-18, 01-19 |
| Q10 | B, B1 | DBU | MZ01 300 2004-01-20 |

2005 (window 2004-12-18 to 2005-02-23, Spring Festival 2005-02-09, deadline 2005-02-28):
| who | registered | category | records |
|---|---|---|---|
| Q1 | A, A1 | DBU | MZ01 300 2005-01-05 |
| Q2 | A, A1 | LTX | LB01 100 2005-01-10 |
| Q3 | A, A2 | LTX | LB01 100 2005-02-01, in a batch submitted 2005-03-02 (late) |
| Q4 | A, A2 | LTX | none (reached in 2004: left out this year) |
| Q5 | B, B1 | LTX | LB01 100 2005-01-20 |
| Q6 | B, B1 | LTX | LB01 1000 2005-01-25 (an outlier: 10 × the standard) |
| Q7 | B, B1 | DBU | none (new in 2005) |
| U1 | registered nowhere | - | LB01 100 2005-01-08 delivered by B (matches nobody) |
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa

from tests.fixtures_small import add_person, add_record, campaign_id
from warmth import schema, versions

A, B = "310101", "310104"
A1, A2, B1 = "310101002", "310101013", "310104003"
PEOPLE = {  # district, street, categories: the same in both years
    "Q1": (A, A1, ["DBU"]),
    "Q2": (A, A1, ["LTX"]),
    "Q3": (A, A2, ["LTX"]),
    "Q4": (A, A2, ["LTX"]),
    "Q5": (B, B1, ["LTX"]),
    "Q6": (B, B1, ["LTX"]),
    "Q7": (B, B1, ["DBU"]),
    "Q8": (B, B1, ["LTX"]),
    "Q9": (B, B1, ["LTX"]),
    "Q10": (B, B1, ["DBU"]),
}
IDS = {f"Q{i}": f"3101011950010100{i:02d}" for i in range(1, 11)} | {"U1": "310104195001019999"}


def build_years(conn: sa.Connection) -> tuple[int, int]:
    """Both campaigns of the module docstring; returns (id of 2004, id of 2005)."""
    old, new = campaign_id(conn, "2004"), campaign_id(conn, "2005")
    for q in ("Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q8", "Q9", "Q10"):
        add_person(conn, old, IDS[q], *PEOPLE[q])
    add_record(conn, old, IDS["Q1"], "MZ01", 300, date(2003, 12, 20))
    add_record(conn, old, IDS["Q2"], "LB01", 100, date(2004, 1, 10))
    add_record(conn, old, IDS["Q4"], "LB01", 100, date(2004, 1, 5))
    for q, day in (("Q5", 12), ("Q6", 15), ("Q8", 18), ("Q9", 19)):
        add_record(conn, old, IDS[q], "LB01", 100, date(2004, 1, day), submitter=B)
    add_record(conn, old, IDS["Q10"], "MZ01", 300, date(2004, 1, 20), submitter=B)

    for q in ("Q1", "Q2", "Q3", "Q4", "Q5", "Q6", "Q7"):
        add_person(conn, new, IDS[q], *PEOPLE[q])
    late = conn.execute(
        schema.import_batches.insert()
        .values(
            campaign_id=new,
            kind="aid",
            file_name="late.csv",
            file_sha256="0" * 64,
            district_code=A,
            submitted_by="test",
            submitted_at=datetime(2005, 3, 2, 10, tzinfo=UTC),
            status="imported",
        )
        .returning(schema.import_batches.c.id)
    ).scalar_one()
    add_record(conn, new, IDS["Q1"], "MZ01", 300, date(2005, 1, 5))
    add_record(conn, new, IDS["Q2"], "LB01", 100, date(2005, 1, 10))
    add_record(conn, new, IDS["Q3"], "LB01", 100, date(2005, 2, 1), batch_id=late)
    add_record(conn, new, IDS["Q5"], "LB01", 100, date(2005, 1, 20), submitter=B)
    add_record(conn, new, IDS["Q6"], "LB01", 1000, date(2005, 1, 25), submitter=B)
    add_record(conn, new, IDS["U1"], "LB01", 100, date(2005, 1, 8), district=B, submitter=B)
    versions.bump(conn)
    return old, new
