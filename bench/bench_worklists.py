"""Time the people lists (warmth.worklists) on a large database: one page of 1,000 rows.

    python bench/bench_worklists.py --db sqlite:////tmp/wl_1.db
    python bench/bench_worklists.py --db sqlite:////tmp/wl_syn.db --synthetic 1.0

Use a demo database (`python -m warmth.cli demo --scale 1.0 --db ...`). Without one,
`--synthetic SCALE` fills an empty database with a plain synthetic campaign (3 million
beneficiaries and about 3.5 million records at 1.0: 85 % reached, 1 % paid twice, 2 %
non-matching records, 1 % records for unregistered IDs), which is enough to time the queries
but is no demo. Prints the median of --repeat runs per list, city-wide and for one district.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's warmth

from warmth import bootstrap, idkey, queries, schema, worklists  # noqa: E402
from warmth.database import make_engine  # noqa: E402
from warmth.ids import check_char  # noqa: E402
from warmth.scope import Filters, city_scope, district_scope  # noqa: E402

CATEGORY_WEIGHTS = {  # full-city counts from the domain README (thousands)
    "LTX": 2600,
    "DBU": 160,
    "DBR": 40,
    "TKZG": 60,
    "PKXS": 50,
    "TKSY": 40,
    "YLJZ": 30,
    "ZNZJ": 30,
    "KNFN": 30,
    "CJR": 25,
    "YLYL": 20,
    "KNQN": 20,
    "TKJT": 20,
    "LLM": 5,
    "YDAZ": 5,
    "HQS": 1,
}


def synthetic(engine: sa.Engine, scale: float, seed: int = 7) -> None:
    """Fill an initialised, empty database with a synthetic campaign (fast, raw inserts)."""
    rng = random.Random(seed)
    with engine.connect() as conn:
        cid = conn.execute(sa.select(schema.campaigns.c.id)).scalar_one()
        streets = conn.execute(
            sa.select(schema.streets.c.code, schema.streets.c.district_code)
        ).all()
        links = conn.execute(sa.select(schema.programme_categories)).all()
        districts = [d for (d,) in conn.execute(sa.select(schema.districts.c.code))]
    serving: dict[str, list[str]] = {}
    for prog, cat in links:
        serving.setdefault(cat, []).append(prog)
    programmes = sorted({p for p, _ in links})
    cats, weights = list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values())
    n = int(3_000_000 * scale)
    start = date(2004, 12, 18)
    people, person_cats, records = [], [], []
    rec_no = 0

    def record(idn: str, prog: str, district: str | None) -> None:
        nonlocal rec_no
        rec_no += 1
        day = start + timedelta(days=rng.randrange(60))
        records.append(
            (cid, "CITY", f"R{rec_no}", idn, prog, 10000, "cash", day.isoformat(), district)
        )

    for i in range(1, n + 1):
        street, district = streets[rng.randrange(len(streets))]
        first17 = f"{district}{i:011d}"
        idn = first17 + check_char(first17)
        mine = {rng.choices(cats, weights)[0]}
        if rng.random() < 0.07:
            mine.add(rng.choices(cats, weights)[0])
        people.append((i, cid, idn, f"人{i % 997}", district, street, 2, f"某某路{i % 300}号"))
        person_cats += [(i, c) for c in sorted(mine)]
        if rng.random() < 0.85:
            prog = rng.choice(serving[sorted(mine)[0]])
            record(idn, prog, district)
            if rng.random() < 0.012:
                record(idn, prog, district)  # paid twice
            if rng.random() < 0.12:
                record(idn, rng.choice(serving[rng.choice(sorted(mine))]), district)
        if rng.random() < 0.02:
            record(idn, rng.choice(programmes), rng.choice(districts))  # may not match
    for j in range(int(0.01 * n)):
        first17 = f"310230{j + 90_000_000_000:011d}"[:17]
        record(first17 + check_char(first17), rng.choice(programmes), rng.choice(districts))

    with engine.begin() as conn:  # as the database keeps them: keyed hash and seal
        key = idkey.for_conn(conn, write=True)
    hashes, seals = key.protect([p[2] for p in people])
    people = [(*p[:2], h, c, *p[3:]) for p, h, c in zip(people, hashes, seals, strict=True)]
    hashes, seals = key.protect([r[3] for r in records])
    records = [(*r[:3], h, c, *r[4:]) for r, h, c in zip(records, hashes, seals, strict=True)]
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.executemany(
            "INSERT INTO beneficiaries (id, campaign_id, id_number, id_cipher, name,"
            " district_code, street_code, household_size, address) VALUES (?,?,?,?,?,?,?,?,?)",
            people,
        )
        cur.executemany(
            "INSERT INTO beneficiary_categories (beneficiary_id, category_code) VALUES (?,?)",
            person_cats,
        )
        cur.executemany(
            "INSERT INTO aid_records (campaign_id, submitter, record_no, id_number, id_cipher,"
            " programme_code, amount_fen, form, date, district_code)"
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            records,
        )
        raw.commit()
        cur.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
    print(f"synthetic: {len(people):,} beneficiaries, {len(records):,} records", file=sys.stderr)


class Cell(NamedTuple):
    dept_a: str
    dept_b: str
    need: str


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database URL")
    parser.add_argument("--synthetic", type=float, default=None, metavar="SCALE")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--district", default="310115", help="district for the district runs")
    args = parser.parse_args(argv)

    engine = make_engine(args.db)
    if args.synthetic is not None:
        bootstrap.init_database(engine)
        synthetic(engine, args.synthetic)
    with engine.connect() as conn:
        people = conn.execute(sa.select(sa.func.count()).select_from(schema.beneficiaries))
        n_people = people.scalar_one()
        n_records = conn.execute(
            sa.select(sa.func.count()).select_from(schema.aid_records)
        ).scalar_one()
        print(
            f"{engine.url.render_as_string(hide_password=True)}: {n_people:,} beneficiaries, "
            f"{n_records:,} records"
        )
        city = city_scope(conn)
        one = district_scope(conn, args.district)
        street = conn.execute(
            sa.select(schema.beneficiaries.c.street_code)
            .where(schema.beneficiaries.c.district_code == args.district)
            .limit(1)
        ).scalar()
        try:  # the busiest and the quietest square of the overlap matrix
            matrix = queries.overlap_matrix(conn, city, Filters()).sort_values("beneficiaries")
            big, rare = matrix.iloc[-1], matrix.iloc[0]
        except sa.exc.SQLAlchemyError:  # an older schema: the demo's usual squares
            conn.rollback()
            big = Cell("LB", "MZ", "holiday_living")
            rare = Cell("CS", "HS", "social")
        runs = [
            ("omission city", lambda: worklists.omission(conn, city, Filters())),
            (
                "omission city offset 10k",
                lambda: worklists.omission(conn, city, Filters(), offset=10_000),
            ),
            ("omission district", lambda: worklists.omission(conn, one, Filters())),
            (
                "omission city LTX",
                lambda: worklists.omission(conn, city, Filters(categories=("LTX",))),
            ),
            (
                "omission city as_of",
                lambda: worklists.omission(conn, city, Filters(as_of=date(2005, 1, 10))),
            ),
            ("repeats city", lambda: worklists.repeats(conn, city, Filters())),
            ("repeats district", lambda: worklists.repeats(conn, one, Filters())),
            ("overlaps city", lambda: worklists.overlaps(conn, city, Filters())),
            ("overlaps district", lambda: worklists.overlaps(conn, one, Filters())),
            (
                f"overlaps cell {big.dept_a}×{big.dept_b}",
                lambda: worklists.overlaps(
                    conn, city, Filters(), dept_a=big.dept_a, dept_b=big.dept_b, need=big.need
                ),
            ),
            (
                f"overlaps cell {rare.dept_a}×{rare.dept_b}",
                lambda: worklists.overlaps(
                    conn, city, Filters(), dept_a=rare.dept_a, dept_b=rare.dept_b, need=rare.need
                ),
            ),
            (
                f"overlaps cell {big.dept_a}×{big.dept_b} dist.",
                lambda: worklists.overlaps(
                    conn, one, Filters(), dept_a=big.dept_a, dept_b=big.dept_b, need=big.need
                ),
            ),
            ("leakage city", lambda: worklists.leakage(conn, city, Filters())),
            ("leakage district", lambda: worklists.leakage(conn, one, Filters())),
            ("cross-district city", lambda: worklists.cross_district(conn, city, Filters())),
            ("street people", lambda: worklists.street_people(conn, city, Filters(), street or "")),
        ]
        print(f"{'list':28} {'ms':>9} {'rows':>6} {'total':>10}")
        for name, fn in runs:
            ms, page = timed(fn, args.repeat)
            print(f"{name:28} {ms:9.1f} {len(page.rows):6d} {page.total:10,d}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
