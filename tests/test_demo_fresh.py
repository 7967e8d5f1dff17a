"""`warmth demo` on a new SQLite file: built beside it without a journal, the records
written on the side by child processes and copied in once (a transfer), ID numbers protected
once for both campaigns on two cores; the same rows as the load into an existing database,
the same snapshot as one read from the tables, and an interrupted build leaves no database
that looks whole."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from tests.fixtures_small import assert_same_frames
from warmth import bootstrap, cli, idkey, reference, schema
from warmth.database import make_engine
from warmth.demo import fresh, load, rows, side
from warmth.demo_years import load_campaigns
from warmth.snapshot import store

SMALL = 0.003
TABLES = {
    "beneficiaries": "id",
    "beneficiary_categories": "beneficiary_id, category_code",
    "duplicate_registrations": "id",
    "aid_records": "id",
}


@pytest.fixture
def every_fast_path(monkeypatch):
    """The paths of a big load at a small scale: the second writer and the sealing worker."""
    monkeypatch.setenv(idkey.ENV_VAR, idkey.IdKey.new().text())  # one key for both files
    monkeypatch.setattr(load, "BIG_LOAD", 0)
    monkeypatch.setattr(rows, "PARALLEL_SEALS", 0)


def _tables(url: str) -> dict[str, pd.DataFrame]:
    """Every loaded table, ordered, the seals opened to the clear numbers they hold."""
    engine = make_engine(url)
    out = {}
    with engine.connect() as conn:
        idk = idkey.for_conn(conn)
        for table, order in TABLES.items():
            frame = pd.read_sql(f"SELECT * FROM {table} ORDER BY {order}", conn)  # noqa: S608
            if "id_cipher" in frame:
                frame["id_cipher"] = idk.open(frame["id_cipher"].tolist())
            out[table] = frame
    engine.dispose()
    return out


def test_a_new_file_gets_the_rows_of_a_load_in_place(tmp_path, every_fast_path, capsys):
    new, old = f"sqlite:///{tmp_path / 'new.db'}", f"sqlite:///{tmp_path / 'old.db'}"
    assert cli.main(["demo", "--scale", str(SMALL), "--seed", "7", "--db", new]) == 0
    assert "beneficiaries" in capsys.readouterr().out
    engine = make_engine(old)
    bootstrap.init_database(engine)
    load_campaigns(engine, scale=SMALL, seed=7)  # the load into a database that exists
    engine.dispose()
    made, kept = _tables(new), _tables(old)
    for table in TABLES:
        assert len(made[table]) > 5, table
        pd.testing.assert_frame_equal(made[table], kept[table], obj=table)
    names = {p.name for p in tmp_path.iterdir()}
    assert {"new.db", "new.db.snapshots"} <= names
    assert not [n for n in names if ".building" in n or ".side" in n]
    engine = make_engine(new)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        indexes = {
            name
            for (name,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='index'")
        }
        assert {"ix_aid_records_person", "ix_beneficiaries_street"} <= indexes
    engine.dispose()


def test_the_new_files_snapshots_equal_ones_read_from_the_tables(
    tmp_path, every_fast_path, monkeypatch
):
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert cli.main(["demo", "--scale", str(SMALL), "--seed", "8", "--db", url]) == 0
    engine = make_engine(url)
    store.forget()
    with engine.connect() as conn:
        ids = [reference.campaign_id(conn, code) for code in ("2004", "2005")]
        made = [store.city(conn, cid) for cid in ids]
    store.forget()
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "read"))
    with engine.connect() as conn:
        read = [store.city(conn, cid) for cid in ids]
    engine.dispose()
    for a, b in zip(made, read, strict=True):
        assert len(a.records) == len(b.records) > 0
        assert_same_frames(a, b)


def _plans(conn: sa.Connection, street: str) -> tuple[str, str]:
    """SQLite's plans of a street's people list and of the cross-district list (the city's
    viewer, no filters)."""
    from warmth.request import resolve
    from warmth.scope import Filters, city_scope
    from warmth.worklists.registrations import cross_district_query, street_query
    from warmth.worklists.slicing import sql_slice

    sl = sql_slice(conn, resolve(conn, city_scope(conn), Filters()))
    out = []
    for query in (street_query(conn, sl, street), cross_district_query(conn, sl)):
        sql = query.stmt.compile(conn, compile_kwargs={"literal_binds": True})
        out.append(
            " | ".join(str(r[-1]) for r in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
        )
    return out[0], out[1]


@pytest.mark.parametrize("new_file", [True, False])
def test_the_demo_leaves_statistics_and_the_street_list_takes_its_index(
    tmp_path, every_fast_path, new_file
):
    """ANALYZE after the load (after the indexes, in a new file): SQLite plans on
    statistics; a street's list reads the street index, not its district's register, and
    the cross-district list starts from the duplicate registrations, not the register."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    if not new_file:
        bootstrap.init_database(make_engine(url))  # a database that exists: loaded in place
    assert cli.main(["demo", "--scale", str(SMALL), "--db", url]) == 0
    engine = make_engine(url)
    with engine.connect() as conn:
        stats = {tuple(r) for r in conn.exec_driver_sql("SELECT tbl, idx FROM sqlite_stat1")}
        street = conn.execute(sa.select(schema.beneficiaries.c.street_code).limit(1)).scalar()
        street_plan, cross_plan = _plans(conn, street)
    engine.dispose()
    assert {
        ("beneficiaries", "ix_beneficiaries_street"),
        ("beneficiaries", "ix_beneficiaries_district"),
        ("aid_records", "ix_aid_records_person"),
    } <= stats
    assert "ix_beneficiaries_street" in street_plan, street_plan
    # the few duplicate registrations first, each looked up in the register by its number
    assert "duplicate_registrations" in cross_plan.split(" | ")[0], cross_plan


def _transfers(conn: sa.Connection, table: str) -> bool:
    """Whether SQLite prepares the copy of the side's table into the parent's as a transfer
    (its program moves whole rows, OP_RowData); it runs as one when the parent's is empty."""
    program = conn.exec_driver_sql(
        f"EXPLAIN INSERT INTO main.{table} SELECT * FROM {side.SCHEMA}.{table}"  # noqa: S608
    ).all()
    return any(row[1] == "RowData" for row in program)


def test_the_records_are_copied_in_once_as_a_transfer(tmp_path, every_fast_path, monkeypatch):
    """Both campaigns' records are written on the side and copied in after the last load,
    into an empty table that has every index (the side sorted the person index itself):
    SQLite's transfer, which moves rows and index entries without sorting them again."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    seen = []
    copy_in = side.SideWriter.copy_in

    def watched(self, conn):
        self.join()  # the child sorting the person index
        conn.exec_driver_sql(f"ATTACH DATABASE ? AS {side.SCHEMA}", (str(self.path),))
        main_rows = conn.exec_driver_sql("SELECT count(*) FROM main.aid_records").scalar()
        side_rows = conn.exec_driver_sql(f"SELECT count(*) FROM {side.SCHEMA}.aid_records").scalar()
        campaigns = conn.exec_driver_sql(
            f"SELECT count(DISTINCT campaign_id) FROM {side.SCHEMA}.aid_records"
        ).scalar()
        indexes = [
            {n for (n,) in conn.exec_driver_sql(
                f"SELECT name FROM {schema_}.sqlite_master WHERE type = 'index'"
                " AND tbl_name = 'aid_records'")}
            for schema_ in ("main", side.SCHEMA)
        ]  # fmt: skip
        seen.append((main_rows, side_rows, campaigns, indexes, _transfers(conn, "aid_records")))
        conn.exec_driver_sql(f"DETACH DATABASE {side.SCHEMA}")
        conn.commit()
        return copy_in(self, conn)

    monkeypatch.setattr(side.SideWriter, "copy_in", watched)
    assert cli.main(["demo", "--scale", str(SMALL), "--db", url]) == 0
    [(main_rows, side_rows, campaigns, (mine, theirs), transfer)] = seen
    assert main_rows == 0 and side_rows > 0 and campaigns == 2
    assert "ix_aid_records_person" in mine and mine == theirs
    assert transfer
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM aid_records").scalar() == side_rows
        assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").all() == []
        stats = "SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'aid_records' ORDER BY idx"
        copied = conn.exec_driver_sql(stats).all()
        conn.exec_driver_sql("ANALYZE aid_records")  # what the side's statistics stand for
        assert len(copied) == 4 and copied == conn.exec_driver_sql(stats).all()
    engine.dispose()
    assert not (tmp_path / "new.db.side").exists()


def test_a_copy_that_would_decode_rows_is_no_transfer(tmp_path):
    """What the test above holds to: with foreign keys on, SQLite copies row by row."""
    import sqlite3

    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    bootstrap.init_database(engine)
    with engine.connect() as conn:
        made = sqlite3.connect(tmp_path / "b.db")
        for sql in side.ddl_of(conn, "aid_records"):
            made.execute(sql)
        made.close()
        conn.exec_driver_sql(f"ATTACH DATABASE ? AS {side.SCHEMA}", (str(tmp_path / "b.db"),))
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        assert _transfers(conn, "aid_records")
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        assert not _transfers(conn, "aid_records")
    engine.dispose()


def test_an_interrupted_build_leaves_no_database_that_looks_whole(
    tmp_path, every_fast_path, monkeypatch, capsys
):
    url = f"sqlite:///{tmp_path / 'cut.db'}"

    def cut(self, conn):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(side.SideWriter, "copy_in", cut)
        assert cli.main(["demo", "--scale", str(SMALL), "--db", url]) != 0
    assert capsys.readouterr().err.strip() == "warmth demo: interrupted"
    assert list(tmp_path.iterdir()) == []  # no database, no half-built file beside it
    (tmp_path / "cut.db.building").write_bytes(b"a build cut off by a kill")
    assert cli.main(["demo", "--scale", str(SMALL), "--db", url]) == 0
    engine = make_engine(url)
    with engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(schema.beneficiaries)).scalar()
    engine.dispose()
    assert n > 0
    assert not (tmp_path / "cut.db.building").exists()


def test_a_database_with_data_is_loaded_in_place(tmp_path, every_fast_path):
    url = f"sqlite:///{tmp_path / 'kept.db'}"
    assert cli.main(["demo", "--scale", str(SMALL), "--campaign", "2005", "--db", url]) == 0
    assert fresh.new_file(url) is None
    assert cli.main(["demo", "--scale", str(SMALL), "--campaign", "2004", "--db", url]) == 0
    assert not (tmp_path / "kept.db.building").exists()
    engine = make_engine(url)
    with engine.connect() as conn:
        b, c = schema.beneficiaries, schema.campaigns
        codes = conn.execute(
            sa.select(c.c.code).join(b, b.c.campaign_id == c.c.id).distinct()
        ).scalars()
        assert sorted(codes) == ["2004", "2005"]
    engine.dispose()


def test_a_seal_book_protects_each_number_once():
    import numpy as np

    idk = idkey.IdKey.new()
    keys = np.arange(310101190001010000, 310101190001010000 + 500, dtype="int64")
    checks = np.arange(500, dtype="int64") % 11
    book = rows.SealBook()
    first = book.seal(idk, keys[:300], checks[:300])
    later = book.seal(idk, keys[200:][::-1], checks[200:][::-1])
    numbers = rows._id_strings(keys, checks)
    assert first.hashes.astype(str).tolist() == idk.hashes(numbers[:300])
    assert later.hashes.astype(str).tolist() == idk.hashes(numbers[200:][::-1])
    assert idk.open(later.seals.astype(str).tolist()) == numbers[200:][::-1]
    assert (later.seals[-100:] == first.seals[200:][::-1]).all()  # sealed once, reused
    assert len(book.key) == 500
    book.keep = False  # the last load: answered from the book, which then lets go
    last = book.seal(idk, keys[::-1], checks[::-1])
    assert (last.seals[-300:] == first.seals[::-1]).all() and len(book.key) == 0


@pytest.mark.parametrize("chunk", [7, 100_000])
def test_categories_made_inside_sqlite_are_the_rows_bound_one_by_one(
    sqlite_engine, monkeypatch, chunk
):
    from types import SimpleNamespace

    import numpy as np

    from warmth.demo.parameters import PROFILES

    monkeypatch.setattr(rows, "CHUNK", chunk)
    profile = np.random.default_rng(3).integers(0, len(PROFILES), 50)
    people = SimpleNamespace(key=np.arange(50), profile=profile)
    expected = [
        row for part in rows._category_chunks(people, 1001) for row in zip(*part, strict=True)
    ]
    with sqlite_engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")  # no register rows behind the ids
        conn.commit()
        with conn.begin():
            assert rows.write_categories(conn, people, 1001) == len(expected)
        written = conn.exec_driver_sql(
            "SELECT beneficiary_id, category_code FROM beneficiary_categories ORDER BY rowid"
        ).all()
    assert [tuple(r) for r in written] == expected
    assert len({p for p in profile.tolist() if len(PROFILES[p][0]) > 1}) > 0  # several a person
