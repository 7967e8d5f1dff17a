"""The hand-made campaign loaded for each people-list test (see people.py)."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from tests.fixtures_small import protected
from tests.worklists.people import (
    A,
    B,
    C,
    D,
    E,
    F,
    X,
)
from warmth import schema, versions


@pytest.fixture
def db(engine):
    with engine.begin() as conn:
        cid = conn.execute(
            sa.select(schema.campaigns.c.id).where(schema.campaigns.c.code == "2005")
        ).scalar_one()
        people = [
            (1, A, "张三", "310101", "310101002", 1, "南京东路123弄4号501室", "DBU;LTX"),
            (2, B, "李四", "310101", "310101002", 2, "九江路8号", "YLJZ"),
            (3, C, "王五", "310101", "310101013", 1, None, "PKXS"),
            (4, D, "赵六", "310101", "310101013", 3, "中山东一路1号", "TKSY"),
            (5, E, "欧阳娜娜", "310104", "310104003", 1, "天平路5号", "LTX"),
            (6, F, "钱七", "310104", "310104003", 4, "天平路9号", "DBU"),
        ]
        conn.execute(
            schema.beneficiaries.insert(),
            [
                {
                    "id": i,
                    "campaign_id": cid,
                    **protected(conn, idn),
                    "name": name,
                    "district_code": d,
                    "street_code": s,
                    "household_size": hh,
                    "address": addr,
                }
                for i, idn, name, d, s, hh, addr, _ in people
            ],
        )
        conn.execute(
            schema.beneficiary_categories.insert(),
            [
                {"beneficiary_id": i, "category_code": c}
                for i, *_, cats in people
                for c in cats.split(";")
            ],
        )
        conn.execute(
            schema.duplicate_registrations.insert(),
            [
                {
                    "campaign_id": cid,
                    **protected(conn, F),
                    "name": "钱七",
                    "district_code": "310101",
                    "street_code": "310101002",
                    "categories": "DBU",
                }
            ],
        )
        records = [
            ("r1", A, "LB01", 100, "2004-12-25", "310101"),
            ("r2", A, "MZ01", 300, "2004-12-26", "310101"),
            ("r3", B, "YB01", 50, "2004-12-20", "310101"),
            ("r4", B, "YB01", 50, "2005-01-10", "310101"),
            ("r5", B, "MZ03", 500, "2005-01-02", "310101"),
            ("r6", C, "MZ01", 300, "2005-01-03", "310104"),
            ("r7", D, "GH02", 200, "2005-01-04", None),
            ("r8", E, "LB01", 100, "2005-02-01", "310101"),
            ("r9", E, "MZ01", 300, "2005-01-05", None),
            ("r10", X, "LB02", 150, "2005-01-06", "310104"),
        ]
        conn.execute(
            schema.aid_records.insert(),
            [
                {
                    "campaign_id": cid,
                    "submitter": "310101",
                    "record_no": no,
                    **protected(conn, idn),
                    "programme_code": prog,
                    "amount_fen": yuan * 100,
                    "form": "cash",
                    "date": date.fromisoformat(day),
                    "district_code": dist,
                }
                for no, idn, prog, yuan, day, dist in records
            ],
        )
        versions.bump(conn, ["310101", "310104"])
    with engine.connect() as conn:
        yield conn
