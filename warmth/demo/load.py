"""load_demo: the demo city generated, written in one transaction, and its snapshot built."""

from __future__ import annotations

import gc
import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import sqlalchemy as sa

from warmth import idkey, metrics, reference, schema, versions
from warmth.database import is_sqlite
from warmth.demo import snapshot as demo_snapshot
from warmth.demo.people import _people, _reference
from warmth.demo.records import _duplicates, _plan, _records, day_weights
from warmth.demo.rows import (
    SealBook,
    _bulk,
    _duplicate_rows,
    _insert_many,
    _person_chunks,
    _record_chunks,
    _seal_register,
    write_categories,
)
from warmth.demo.side import SideWriter
from warmth.plan_stats import analyze
from warmth.snapshot import store as snapshot
from warmth.snapshot.shards import Codes

Progress = Callable[[str, float], None]
"""Called as progress(stage, done) while loading: done is the share of the whole load, from
0.0 to 1.0 and never decreasing (fit for a progress bar); stage names the current step."""
# Where each step starts and ends on the overall progress scale.
STAGES = {
    "generating": (0.0, 0.15),
    "removing the earlier data": (0.15, 0.2),
    "register": (0.2, 0.55),
    "records": (0.55, 0.8),
    "indexing": (0.8, 0.85),
    "snapshot": (0.85, 1.0),
    "done": (1.0, 1.0),
}

DEFAULT_SCALE = 0.02
DEFAULT_SEED = 2005
BENEFICIARY_COLUMNS = (
    "id",
    "campaign_id",
    "id_number",
    "id_cipher",
    "name",
    "district_code",
    "street_code",
    "household_size",
    "address",
    "batch_id",
)
DUPLICATE_COLUMNS = (
    "campaign_id",
    "id_number",
    "id_cipher",
    "name",
    "district_code",
    "street_code",
    "categories",
    "batch_id",
)
RECORD_COLUMNS = (
    "id",
    "campaign_id",
    "submitter",
    "record_no",
    "id_number",
    "id_cipher",
    "programme_code",
    "amount_fen",
    "form",
    "date",
    "district_code",
    "batch_id",
)
BIG_LOAD = 100_000  # people; from here on SQLite indexes are rebuilt rather than grown


class DemoScaleError(ValueError):
    """The scale is outside (0, MAX_SCALE]."""


MAX_SCALE = 2.0  # twice Shanghai's register: the same districts and streets, more people in each


@dataclass(frozen=True)
class DemoStats:
    """What load_demo wrote."""

    beneficiaries: int
    records: int
    duplicate_registrations: int
    seconds: float
    categories: int = 0
    replaced: int = 0  # beneficiaries of the campaign deleted first
    batch_id: int | None = None
    behind_districts: tuple[str, ...] = ()


def check_scale(scale: float) -> float:
    """The scale as a float, or DemoScaleError when it is not in (0, MAX_SCALE]."""
    try:
        value = float(scale)
    except (TypeError, ValueError):
        raise DemoScaleError(
            f"scale must be a number in (0, {MAX_SCALE:g}], got {scale!r}"
        ) from None
    if not (0 < value <= MAX_SCALE):
        raise DemoScaleError(
            f"scale must be greater than 0 and at most {MAX_SCALE:g} (1 = the whole city, about "
            f"3 million beneficiaries; {MAX_SCALE:g} = a city of twice its register), got {scale:g}"
        )
    return value


def _delete_campaign(conn: sa.Connection, campaign_id: int) -> int:
    """Remove the campaign's register, records, duplicates and demo batches; returns the
    number of beneficiaries removed."""
    b, bc, dr = schema.beneficiaries, schema.beneficiary_categories, schema.duplicate_registrations
    ar, ib = schema.aid_records, schema.import_batches
    removed = conn.execute(
        sa.select(sa.func.count()).select_from(b).where(b.c.campaign_id == campaign_id)
    ).scalar_one()

    def only_this_campaign(table: sa.Table) -> bool:
        # SQLite empties a whole table much faster than it deletes the same rows one by one.
        others = sa.exists().where(table.c.campaign_id != campaign_id)
        return is_sqlite(conn) and not conn.execute(sa.select(others)).scalar()

    for table in (ar, dr):
        if only_this_campaign(table):
            conn.execute(sa.delete(table))
        else:
            conn.execute(sa.delete(table).where(table.c.campaign_id == campaign_id))
    if only_this_campaign(b):
        conn.execute(sa.delete(bc))
        conn.execute(sa.delete(b))
    else:
        mine = sa.select(b.c.id).where(b.c.campaign_id == campaign_id)
        conn.execute(sa.delete(bc).where(bc.c.beneficiary_id.in_(mine)))
        conn.execute(sa.delete(b).where(b.c.campaign_id == campaign_id))
    demo_batches = sa.select(ib.c.id).where(ib.c.campaign_id == campaign_id, ib.c.kind == "demo")
    conn.execute(sa.delete(schema.quarantine).where(schema.quarantine.c.batch_id.in_(demo_batches)))
    conn.execute(sa.delete(ib).where(ib.c.campaign_id == campaign_id, ib.c.kind == "demo"))
    return removed


# Indexes whose entries the load writes in their own order (the records go in by campaign,
# delivering district and id, one batch a campaign): they grow at their right edge, which
# costs less than a sort of the whole table after it.
IN_ORDER = ("ix_aid_records_batch", "ix_aid_records_delivering")


LOADED = ("beneficiaries", "beneficiary_categories", "aid_records")


def droppable(conn: sa.Connection, tables: Sequence[str] = LOADED) -> list[tuple[str, str]]:
    """(name, statement) of the SQLite indexes of these tables that a big load drops and
    builds again after it: all but a table constraint's own and those grown IN_ORDER."""
    return conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({', '.join('?' * len(tables))})"
        f" AND name NOT IN ({', '.join('?' * len(IN_ORDER))}) ORDER BY name",
        (*tables, *IN_ORDER),
    ).all()


def _drop_indexes(conn: sa.Connection) -> list[str]:
    """Drop the SQLite indexes of the loaded tables that can be dropped (not those of a table
    constraint); returns the statements that recreate them. Building an index once is much
    faster than growing it row by row, and a unique one built again checks every row."""
    found = droppable(conn)
    for name, _ in found:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]


@contextmanager
def unjournaled(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A connection to a fresh file (thrown away on failure) that writes without a journal
    and without foreign-key checks, sorts indexes on both cores in a large cache, and is
    set back to the database's own settings afterwards."""
    with engine.connect() as conn:
        for pragma in FAST_WRITES:
            conn.exec_driver_sql(f"PRAGMA {pragma}")
        conn.commit()  # the pragmas on foreign keys and the journal act outside a transaction
        try:
            yield conn
        finally:
            for pragma in NORMAL_WRITES:
                conn.exec_driver_sql(f"PRAGMA {pragma}")
            conn.commit()


FAST_WRITES = ("journal_mode=OFF", "synchronous=OFF", "foreign_keys=OFF",
               "cache_size=-262144", "threads=2")  # fmt: skip
NORMAL_WRITES = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON",
                 "cache_size=-2000", "threads=0")  # fmt: skip


def _reserve_ids(conn: sa.Connection, table: str, n: int) -> int:
    """The first of n consecutive free ids of a table (the PostgreSQL sequence moved past)."""
    t = schema.metadata.tables[table]
    top = conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.c.id), 0))).scalar_one()
    if is_sqlite(conn):
        return top + 1
    conn.execute(sa.text(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))
    top = conn.execute(sa.select(sa.func.coalesce(sa.func.max(t.c.id), 0))).scalar_one()
    seq = conn.execute(
        sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}
    ).scalar_one()
    last = conn.execute(sa.text(f"SELECT last_value FROM {seq}")).scalar_one()
    first = max(top, last) + 1
    conn.execute(sa.text("SELECT setval(CAST(:seq AS regclass), :v)"), {"seq": seq, "v": first + n})
    return first


def load_demo(
    engine: sa.Engine,
    *,
    scale: float = DEFAULT_SCALE,
    seed: int = DEFAULT_SEED,
    campaign: str = "2005",
    progress: Progress | None = None,
    earlier: Callable | None = None,
    seals: SealBook | None = None,
    deferred: list[str] | None = None,
    side: SideWriter | None = None,
) -> DemoStats:
    """Replace the campaign's register and aid records with a seeded demo city.

    scale is the share of the whole city in (0, MAX_SCALE]; 1.0 gives about 3.0 million
    beneficiaries and 3.5 million aid records (above 1: more people in the same districts
    and streets). The campaign's aid records, register,
    categories, duplicate registrations and earlier demo batches are deleted first, in the
    same transaction: on failure nothing changes. progress, when given, is called as
    progress(stage, fraction). earlier(ref, people, plan) -> (people, plan), when given, makes
    the city of an earlier campaign out of the seed's (warmth.demo_years). seals keeps the
    ID numbers protected by an earlier load of the same demo. deferred, when given (a fresh
    SQLite file, see warmth.demo.fresh), receives the statements of the indexes this
    load dropped, and the caller builds them once after its last load; such a file is
    written without a rollback journal, so on failure it is to be thrown away. side, when
    given (with deferred), takes a big load's records, written by a child meanwhile
    (warmth.demo.side); the caller copies them in after its last load."""
    scale = check_scale(scale)
    began = time.perf_counter()

    def report(stage: str, fraction: float) -> None:
        if progress is not None:
            low, high = STAGES[stage]
            progress(stage, low + (high - low) * max(0.0, min(1.0, fraction)))

    report("generating", 0.0)
    idkey.ensure_demo_key(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        c = schema.campaigns
        cid = reference.campaign_id(conn, campaign)
        window = conn.execute(sa.select(c).where(c.c.id == cid)).one()
    start, end = window.window_start, window.window_end
    n_days = (end - start).days + 1
    days = [(start + timedelta(days=i)).isoformat() for i in range(n_days)]

    def offset(when: date | None, default: int) -> int:
        return min(max((when - start).days, 0), n_days - 1) if when else default

    new_year = offset(window.new_year, n_days // 5)
    festival = offset(window.spring_festival, n_days * 4 // 5)
    lantern = offset(window.lantern_festival, n_days - 1)

    rng = np.random.default_rng(seed)
    ref = _reference()
    plan = _plan(rng, len(ref.districts))
    people = _people(rng, ref, scale)
    if earlier is not None:
        people, plan = earlier(ref, people, plan)
    weights = np.stack(
        [
            day_weights(n_days, new_year, festival, lantern, behind=bool(b), push=push)
            for b, push in zip(plan.behind, plan.new_year_push, strict=True)
        ]
    )
    report("generating", 0.5)
    records, n_leak = _records(rng, ref, people, plan, weights)
    duplicates = _duplicates(rng, ref, people)
    report("generating", 1.0)
    behind = tuple(ref.districts[i] for i in np.flatnonzero(plan.behind))

    n_people, n_records = len(people.key), len(records.key)
    # The demo city "reported" at the close of the campaign window, so its reporting status
    # reads as a campaign would, not as late by the years since 2005.
    submitted_at = datetime.combine(end, datetime.min.time(), UTC) + timedelta(hours=18)
    batch = {
        "kind": "demo",
        "file_name": f"demo city, scale {scale:g}, seed {seed}",
        "file_sha256": hashlib.sha256(f"demo:{campaign}:{scale!r}:{seed}".encode()).hexdigest(),
        "mode": "strict",
        "submitted_by": "warmth demo",
        "rows_in": n_people + n_records,
        "inserted": n_people + n_records,
        "status": "imported",
        "report": json.dumps(
            {"scale": scale, "seed": seed, "behind_districts": list(behind), "leakage": n_leak}
        ),
    }
    with engine.connect() as conn:
        sqlite = is_sqlite(conn)
        if sqlite:
            # The rows are consistent with the reference by construction; SQLite's per-row
            # foreign-key lookups would double the load time. Takes effect outside a transaction.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
            conn.exec_driver_sql("PRAGMA threads=2")  # the index builds sort on both cores
            if deferred is not None:  # a new file, thrown away on failure: no journal to keep
                conn.exec_driver_sql("PRAGMA journal_mode=OFF")
                conn.exec_driver_sql("PRAGMA synchronous=OFF")
            conn.commit()
        # a fresh file's big load writes the records in a second process (warmth.demo.side)
        if not (sqlite and deferred is not None and n_people >= BIG_LOAD):
            side = None
        try:
            with conn.begin():
                report("removing the earlier data", 0.0)
                rebuild = _drop_indexes(conn) if sqlite and n_people >= BIG_LOAD else []
                if deferred is not None:
                    deferred += rebuild
                    rebuild = []
                replaced = _delete_campaign(conn, cid)
                batch_id = conn.execute(
                    schema.import_batches.insert().values(
                        campaign_id=cid, submitted_at=submitted_at, **batch
                    )
                ).inserted_primary_key[0]
                first_id = _reserve_ids(conn, "beneficiaries", n_people)
                first_record_id = _reserve_ids(conn, "aid_records", n_records)
                if side is not None:  # past the records an earlier load gave the side
                    first_record_id = side.reserve("aid_records", first_record_id, n_records)
                idk = idkey.for_conn(conn, write=True)
                sealed = _seal_register(idk, people, seals)
                by_key = np.argsort(people.key, kind="stable")
                record_rows = (
                    ref,
                    records,
                    (campaign, cid, batch_id, first_record_id),
                    days,
                    (idk, people, sealed, by_key),
                )
                if side is not None:  # the child writes the records meanwhile
                    side.start(
                        lambda raw: _insert_many(
                            raw,
                            "aid_records",
                            RECORD_COLUMNS,
                            _record_chunks(*record_rows, lambda _: None),
                        )
                    )
                _bulk(
                    conn,
                    "beneficiaries",
                    BENEFICIARY_COLUMNS,
                    _person_chunks(
                        ref,
                        people,
                        cid,
                        batch_id,
                        first_id,
                        sealed,
                        lambda f: report("register", f),
                    ),
                )
                n_duplicates = _bulk(
                    conn,
                    "duplicate_registrations",
                    DUPLICATE_COLUMNS,
                    iter([_duplicate_rows(ref, people, duplicates, cid, batch_id, sealed)]),
                )
                n_categories = write_categories(conn, people, first_id)
                report("records", 0.0)
                if side is None:
                    _bulk(
                        conn,
                        "aid_records",
                        RECORD_COLUMNS,
                        _record_chunks(*record_rows, lambda f: report("records", f)),
                    )
                for number, sql in enumerate(rebuild):
                    report("indexing", number / len(rebuild))
                    conn.exec_driver_sql(sql)
                versions.bump(conn, change=("campaign_loaded", batch_id, cid))
            if deferred is None:  # a fresh file's are made after its indexes (demo_years)
                analyze(conn)
                conn.commit()
            report("snapshot", 0.0)
            cat = metrics.load_catalogue(conn)
            made = demo_snapshot.shards(
                ref,
                people,
                records,
                first_id=first_id,
                first_record_id=first_record_id,
                batch_id=batch_id,
                window_start=start,
                codes=Codes.read(conn, cat),
                cat=cat,
                idk=idk,
                by_key=by_key,
            )
            del (
                people,
                records,
                duplicates,
                sealed,
                by_key,
            )  # the generated city: gone before the join
            gc.collect()
            # built now from what was written, kept beside the database: a fast first view
            snapshot.build(conn, cid, made)
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.exec_driver_sql("PRAGMA cache_size=-2000")
                conn.exec_driver_sql("PRAGMA threads=0")
                if deferred is not None:
                    conn.exec_driver_sql("PRAGMA journal_mode=WAL")
                    conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
                conn.commit()
    report("done", 1.0)
    return DemoStats(
        beneficiaries=n_people,
        records=n_records,
        duplicate_registrations=n_duplicates,
        seconds=round(time.perf_counter() - began, 2),
        categories=n_categories,
        replaced=replaced,
        batch_id=batch_id,
        behind_districts=behind,
    )
