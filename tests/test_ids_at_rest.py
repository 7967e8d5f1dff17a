"""ID numbers at rest (warmth.idkey): a keyed hash to match on, a seal to reveal, the key
never in the database, and no clear number in the SQLite file, its WAL, the snapshot files,
the audit rows or the command line's output."""

from __future__ import annotations

import hmac
import json
import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command

from tests.fixtures_small import IDS, build_small, hashed
from tests.intake.support import AID_HEADER, REGISTER_HEADER, aid_rows, csv_bytes, register_rows
from warmth import bootstrap, demo, idkey, ids, migrate, schema, worklists
from warmth.cli import main
from warmth.database import make_engine
from warmth.errors import IdKeyError
from warmth.scope import Filters, city_scope

CLEAR = re.compile(rb"[0-9]{17}[0-9X]")
CLEAR_UTF32 = re.compile(rb"(?:[0-9]\x00\x00\x00){17}[0-9X]\x00\x00\x00")  # numpy text


def clear_ids_in(path: Path, known: set[str]) -> set[str]:
    """The known ID numbers found anywhere in a file's bytes (as text or as numpy text)."""
    if not path.is_file():
        return set()
    data = path.read_bytes()
    found = {m.decode() for m in CLEAR.findall(data)}
    found |= {m.decode("utf-32-le") for m in CLEAR_UTF32.findall(data)}
    return found & known


def every_file(db: Path) -> list[Path]:
    snapshots = db.with_name(db.name + ".snapshots")
    files = [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-journal")]
    return files + (sorted(snapshots.rglob("*")) if snapshots.exists() else [])


def opened(engine: sa.Engine) -> set[str]:
    """Every ID number the database holds, opened from the seals."""
    numbers: set[str] = set()
    with engine.connect() as conn:
        key = idkey.for_conn(conn)
        for t in (schema.beneficiaries, schema.aid_records, schema.duplicate_registrations):
            numbers |= set(key.open(conn.execute(sa.select(t.c.id_cipher)).scalars()))
    return numbers


def test_hash_is_stable_seal_is_not_and_opens_only_with_its_key():
    key, other = idkey.IdKey.new(), idkey.IdKey.new()
    n = "11010519491231002X"
    assert key.hash(n) == key.hash(n) != other.hash(n)
    assert len(key.hash(n)) == idkey.HASH_CHARS and n not in key.hash(n)
    first, second = key.seal([n, n])
    assert first != second and n not in first
    assert key.open([first, None]) == [n, None]
    with pytest.raises(IdKeyError, match="another key"):
        other.open([first])
    assert idkey.IdKey.parse(key.text()).fingerprint == key.fingerprint
    with pytest.raises(IdKeyError):
        idkey.IdKey.parse("c2hvcnQ")


def test_hashes_are_the_hmac_of_each_number():
    key = idkey.IdKey.new()
    numbers = ["11010519491231002X", "310101195001010011", ""]
    mac_key = hmac.digest(key.secret, b"warmth id hash", "sha256")
    expected = [hmac.new(mac_key, n.encode(), "sha256").hexdigest()[:32] for n in numbers]
    assert key.hashes(numbers) == expected == [key.hash(n) for n in numbers]


def test_key_comes_from_env_then_secrets_then_the_file_beside_sqlite(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    monkeypatch.delenv(idkey.ENV_VAR)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(idkey, "SECRETS_FILES", (tmp_path / ".streamlit/secrets.toml",))
    with pytest.raises(IdKeyError, match="no key for ID numbers"):
        idkey.load(url)
    beside, from_secrets, from_env = idkey.IdKey.new(), idkey.IdKey.new(), idkey.IdKey.new()
    idkey.write_key_file(idkey.key_file(url), beside)
    assert oct(idkey.key_file(url).stat().st_mode & 0o777) == "0o600"
    assert idkey.load(url).fingerprint == beside.fingerprint
    (tmp_path / ".streamlit").mkdir()
    (tmp_path / ".streamlit/secrets.toml").write_text(f'WARMTH_ID_KEY = "{from_secrets.text()}"\n')
    assert idkey.load(url).fingerprint == from_secrets.fingerprint
    monkeypatch.setenv(idkey.ENV_VAR, from_env.text())
    assert idkey.load(url).fingerprint == from_env.fingerprint
    assert idkey.key_file("postgresql+psycopg://u@h/db") is None  # never a file for a server


def test_demo_makes_its_own_key_and_the_file_holds_no_clear_id(tmp_path, monkeypatch):
    monkeypatch.delenv(idkey.ENV_VAR)
    monkeypatch.setattr(idkey, "SECRETS_FILES", ())
    db = tmp_path / "warmth.db"
    engine = make_engine(f"sqlite:///{db}")
    bootstrap.init_database(engine)
    demo.load_demo(engine, scale=0.002)
    assert db.with_name("warmth.db.idkey").exists()
    known = opened(engine)
    assert len(known) > 5000 and all(ids.is_valid_id(n) for n in list(known)[:500])
    for path in every_file(db):
        assert clear_ids_in(path, known) == set(), path
    with engine.connect() as conn:
        assert conn.execute(sa.select(schema.id_key.c.fingerprint)).scalar_one() == (
            idkey.load(f"sqlite:///{db}").fingerprint
        )
    engine.dispose()


def test_an_import_writes_no_clear_id_anywhere(tmp_path, capsys):
    db = tmp_path / "warmth.db"
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    bootstrap.init_database(engine)
    register = register_rows(40)
    bad = register_rows(1, start=90)[0]
    bad[3] = "没有这个街道"
    reg = tmp_path / "register.csv"
    reg.write_bytes(csv_bytes(REGISTER_HEADER, [*register, bad]))
    aid = tmp_path / "aid.csv"
    aid.write_bytes(csv_bytes(AID_HEADER, aid_rows(30)))
    assert main(["import", "register", str(reg), "--db", url, "--mode", "quarantine"]) == 0
    assert main(["import", "aid", str(aid), "--db", url]) == 0
    assert main(["import", "register", str(reg), "--db", url, "--mode", "quarantine"]) == 0
    said = capsys.readouterr()
    known = {r[0] for r in register} | {r[1] for r in aid_rows(30)} | {bad[0]}
    assert opened(engine) == known - {bad[0]}
    with engine.connect() as conn:
        text = json.dumps(
            [
                [str(v) for v in row]
                for t in (schema.audit_log, schema.import_batches, schema.quarantine)
                for row in conn.execute(sa.select(t))
            ],
            ensure_ascii=False,
        )
        quarantined = conn.execute(sa.select(schema.quarantine.c.raw)).scalar_one()
    assert ids.mask_id(bad[0]) in quarantined
    for where in (text, said.out, said.err):
        assert {m for m in CLEAR.findall(where.encode())} == set()
    for path in every_file(db):
        assert clear_ids_in(path, known) == set(), path
    engine.dispose()


def test_lists_mask_from_the_seal_and_reveal_only_when_allowed(engine):
    with engine.begin() as conn:
        build_small(conn)
    with engine.connect() as conn:
        city = city_scope(conn)
        masked = worklists.leakage(conn, city, Filters()).rows
        assert set(masked["id_number"]) == {ids.mask_id(IDS[p]) for p in ("P3", "P5", "U1")}
        unmasker = city.__class__(**{**vars(city), "may_unmask": True})
        shown = worklists.leakage(conn, unmasker, Filters(), unmask=True).rows
        assert set(shown["id_number"]) == {IDS[p] for p in ("P3", "P5", "U1")}
        assert set(worklists.leakage(conn, city, Filters(), unmask=True).rows["id_number"]) == (
            set(masked["id_number"])  # asked, but the scope may not: still masked
        )


def test_a_key_that_is_not_the_databases_is_refused(engine, monkeypatch):
    with engine.begin() as conn:
        build_small(conn)
    monkeypatch.setenv(idkey.ENV_VAR, idkey.IdKey.new().text())
    with engine.connect() as conn, pytest.raises(IdKeyError, match="not the one"):
        idkey.for_conn(conn)


def test_rotation_rewrites_every_number_and_keeps_every_answer(engine, tmp_path, monkeypatch):
    with engine.begin() as conn:
        build_small(conn)
    url = engine.url.render_as_string(hide_password=False)
    with engine.connect() as conn:
        before = worklists.omission(conn, city_scope(conn), Filters()).rows
    old_hashes = {hashed(n) for n in IDS.values()}
    new_file = tmp_path / "new.key"
    assert main(["keys", "rotate", "--db", url, "--new-key-file", str(new_file)]) == 0
    with engine.connect() as conn, pytest.raises(IdKeyError, match="not the one"):
        idkey.for_conn(conn)  # the old key no longer fits
    monkeypatch.setenv(idkey.ENV_VAR, new_file.read_text().strip())
    new = idkey.IdKey.parse(new_file.read_text())
    with engine.connect() as conn:
        after = worklists.omission(conn, city_scope(conn), Filters()).rows
        stored = set(conn.execute(sa.select(schema.beneficiaries.c.id_number)).scalars())
    assert after.equals(before)
    assert stored == {new.hash(IDS[p]) for p in ("P1", "P2", "P3", "P4", "P5", "P6")}
    assert not stored & old_hashes
    assert opened(engine) == set(IDS.values())


def test_migration_converts_clear_numbers_given_the_key(tmp_path):
    db = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{db}")
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0008")
    with engine.begin() as conn:
        from warmth import reference

        reference.load(conn)
        cid = conn.execute(sa.text("SELECT id FROM campaigns WHERE code = '2005'")).scalar_one()
        for n, who in enumerate(("P1", "P2", "P5")):
            conn.execute(
                sa.text(
                    "INSERT INTO beneficiaries (id, campaign_id, id_number, name, district_code,"
                    " street_code) VALUES (:i, :c, :n, '测试', '310101', '310101002')"
                ),
                {"i": n + 1, "c": cid, "n": IDS[who]},
            )
        conn.execute(
            sa.text(
                "INSERT INTO aid_records (campaign_id, submitter, record_no, id_number,"
                " programme_code, amount_fen, form, date) VALUES"
                " (:c, '310101', 'R1', :n, 'MZ01', 30000, 'cash', '2005-01-05')"
            ),
            {"c": cid, "n": IDS["U1"]},
        )
        conn.exec_driver_sql("PRAGMA secure_delete=OFF")  # SQLite's own default
        gone = [ids.make_id("310104", date(1960, 1, 1) + timedelta(days=i), 7) for i in range(3000)]
        conn.execute(  # rows deleted before the upgrade: their pages are free, not empty
            sa.text(
                "INSERT INTO beneficiaries (campaign_id, id_number, name, district_code,"
                " street_code) VALUES (:c, :n, '测试', '310104', '310104003')"
            ),
            [{"c": cid, "n": n} for n in gone],
        )
        conn.execute(sa.text("DELETE FROM beneficiaries WHERE district_code = '310104'"))
    bootstrap.init_database(engine)
    with engine.connect() as conn:
        kept = set(conn.execute(sa.select(schema.beneficiaries.c.id_number)).scalars())
    assert kept == {hashed(IDS[p]) for p in ("P1", "P2", "P5")}
    assert opened(engine) == {IDS[p] for p in ("P1", "P2", "P5", "U1")}
    for path in every_file(db):
        assert clear_ids_in(path, set(IDS.values()) | set(gone)) == set(), path
    engine.dispose()


def test_the_key_is_never_in_the_database(tmp_path):
    db = tmp_path / "warmth.db"
    engine = make_engine(f"sqlite:///{db}")
    bootstrap.init_database(engine)
    with engine.begin() as conn:
        build_small(conn)
    secret = idkey.IdKey.parse(os.environ[idkey.ENV_VAR])
    data = b"".join(p.read_bytes() for p in every_file(db) if p.is_file())
    assert secret.secret not in data and secret.text().encode() not in data
    engine.dispose()
