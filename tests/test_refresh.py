"""`warmth refresh` re-reads only the districts whose snapshot shard file is missing, older
than the district's last write, damaged or coded otherwise, loads the others from their
files, and joins a city equal to one built from nothing; `--full` reads every district
again (and so repairs a snapshot whose base tables were changed behind the data version's
back). `warmth init` marks no district changed. On SQLite and PostgreSQL."""

from __future__ import annotations

import struct
import zipfile
from datetime import date

import pytest
import sqlalchemy as sa

from tests import fixtures_small as fx
from tests.test_batch_shards import P7, rebuilt, same_city
from warmth import bootstrap, cli, config, versions
from warmth.snapshot import store


@pytest.fixture
def reads(monkeypatch):
    """The districts read from the base tables, call by call ("*" for all in one pass)."""
    got: list[str] = []
    one, every = store.read_shard, store.read_all

    def read_shard(conn, campaign_id, district, codes, cat):
        got.append(district)
        return one(conn, campaign_id, district, codes, cat)

    def read_all(conn, campaign_id, codes, cat):
        got.append("*")
        return every(conn, campaign_id, codes, cat)

    monkeypatch.setattr(store, "read_shard", read_shard)
    monkeypatch.setattr(store, "read_all", read_all)
    return got


def built(engine, tmp_path, monkeypatch) -> tuple[int, object]:
    """The small campaign with its snapshot files written (in tmp_path/kept)."""
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    with engine.begin() as conn:
        cid = fx.build_small(conn)
        fx.add_person(conn, cid, P7, fx.B, fx.B1, ["PKXS"])
        versions.bump(conn)
    with engine.connect() as conn:
        store.city(conn, cid)
        folder = config.snapshot_dir(engine.url.render_as_string(False))
        return cid, folder / versions.identity(conn)


def shard_file(folder, cid: int, district: str):
    (path,) = folder.glob(f"c{cid}-{district}-v*.npz")
    return path


def damage(path, member: str) -> None:
    """Change the last byte of one array's data in a shard file (its CRC-32 then fails)."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    data = bytearray(path.read_bytes())
    local = info.header_offset  # a local header: 30 bytes, then the name and extra field
    name, extra = struct.unpack("<HH", data[local + 26 : local + 30])
    data[local + 30 + name + extra + info.file_size - 1] ^= 0xFF
    path.write_bytes(bytes(data))


def refreshed(engine, cid: int, full: bool = False):
    store.forget()  # a new process: nothing held in memory
    assert bootstrap.rebuild_snapshots(engine, full=full) == 1
    with engine.connect() as conn:
        return store.city(conn, cid)


def test_refresh_reads_again_only_the_stale_and_damaged_shards(
    engine, tmp_path, monkeypatch, reads
):
    cid, folder = built(engine, tmp_path, monkeypatch)
    damage(shard_file(folder, cid, fx.A), "r_rec_id.npy")
    with engine.begin() as conn:  # B's data changed, its shard file now older than B
        fx.add_record(conn, cid, P7, "JY01", 500, date(2005, 1, 11), submitter=fx.B)
        versions.bump(conn, [fx.B])
    reads.clear()
    after = refreshed(engine, cid)
    assert sorted(reads) == sorted([fx.A, fx.B])
    assert len(after.records) == 11  # the small campaign's ten and P7's new one
    reads.clear()
    again = refreshed(engine, cid)  # the files written by the last refresh are whole
    assert reads == []
    fresh = rebuilt(engine, cid, tmp_path / "fresh", monkeypatch)
    same_city(after, fresh)
    same_city(again, fresh)


def test_a_truncated_or_missing_shard_file_is_read_again(engine, tmp_path, monkeypatch, reads):
    cid, folder = built(engine, tmp_path, monkeypatch)
    cut = shard_file(folder, cid, fx.A)
    cut.write_bytes(cut.read_bytes()[: cut.stat().st_size // 2])
    shard_file(folder, cid, fx.B).unlink()
    reads.clear()
    after = refreshed(engine, cid)
    assert sorted(reads) == sorted([fx.A, fx.B])
    same_city(after, rebuilt(engine, cid, tmp_path / "fresh", monkeypatch))


def test_a_shard_file_coded_otherwise_is_read_again(engine, tmp_path, monkeypatch, reads):
    cid, _ = built(engine, tmp_path, monkeypatch)
    reads.clear()
    # as if the programmes' or categories' bits had changed since the files were written
    monkeypatch.setattr(store, "_coding", lambda codes, cat: "coded otherwise")
    after = refreshed(engine, cid)
    assert reads == ["*"]  # every district: one pass over each table
    monkeypatch.undo()
    same_city(after, rebuilt(engine, cid, tmp_path / "fresh", monkeypatch))


def test_full_refresh_repairs_what_the_data_version_never_heard_of(
    engine, tmp_path, monkeypatch, reads
):
    cid, _ = built(engine, tmp_path, monkeypatch)
    with engine.begin() as conn:  # written behind the data version's back: no bump
        fx.add_record(conn, cid, P7, "JY01", 500, date(2005, 1, 11), submitter=fx.B)
    reads.clear()
    assert len(refreshed(engine, cid).records) == 10  # the files are taken at their word
    assert reads == []
    after = refreshed(engine, cid, full=True)
    assert reads == ["*"]
    assert len(after.records) == 11
    same_city(after, rebuilt(engine, cid, tmp_path / "fresh", monkeypatch))


def test_init_marks_no_district_changed(engine, tmp_path, monkeypatch, reads):
    """`warmth init` on a database that is current changes nothing, so the data version
    stays; one that puts back a reference row moves it (cached answers renewed) but marks
    no district changed: the shards are not read again either way."""
    cid, _ = built(engine, tmp_path, monkeypatch)
    before = versions.current(engine.connect())
    bootstrap.init_database(engine)
    with engine.connect() as conn:
        assert versions.current(conn) == before  # nothing changed: nothing to renew
        held = store.city(conn, cid)
    with engine.begin() as conn:  # a reference row edited behind the loader's back
        conn.execute(sa.text("UPDATE campaigns SET name_en = 'edited' WHERE id = :c"), {"c": cid})
    bootstrap.init_database(engine)
    store.forget()
    reads.clear()
    with engine.connect() as conn:
        assert versions.current(conn) == before + 1  # the row put back: answers renewed
        name = conn.execute(sa.text("SELECT name_en FROM campaigns WHERE id = :c"), {"c": cid})
        assert name.scalar() != "edited"
        after = store.city(conn, cid)
    assert reads == []
    assert held.version == before and after.version == before + 1
    same_city(after, rebuilt(engine, cid, tmp_path / "fresh", monkeypatch))


def test_the_refresh_command_full_and_not(sqlite_engine, tmp_path, monkeypatch, reads, capsys):
    cid, folder = built(sqlite_engine, tmp_path, monkeypatch)
    url = sqlite_engine.url.render_as_string(False)
    shard_file(folder, cid, fx.A).unlink()
    reads.clear()
    assert cli.main(["refresh", "--db", url]) == 0
    assert reads == [fx.A]
    reads.clear()
    assert cli.main(["refresh", "--full", "--db", url]) == 0
    assert reads == ["*"]
    assert "rebuilt the snapshot of 1 campaign(s)" in capsys.readouterr().out


@pytest.mark.parametrize("fresh", [False, True], ids=["in-place", "new-file"])
def test_after_the_demo_a_refresh_reads_no_district(tmp_path, monkeypatch, reads, fresh):
    """Each demo load marks every district changed, recorded as its campaign's alone: the
    earlier campaign's shard files are carried to the new district versions, so the first
    refresh after the demo reads nothing from the base tables (it read the earlier year's
    whole city again), and joins cities equal to ones built from nothing."""
    from warmth.database import make_engine
    from warmth.demo import fresh as new_file
    from warmth.demo import load
    from warmth.demo_years import load_campaigns

    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    monkeypatch.setattr(load, "BIG_LOAD", 0)  # a new file: the big load's own path
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    engine = make_engine(new_file.start(url) if fresh else url)
    bootstrap.init_database(engine)
    load_campaigns(engine, scale=0.003, fresh=fresh)
    engine.dispose()
    if fresh:
        new_file.finish(url)
    engine = make_engine(url)
    store.forget()
    reads.clear()
    assert bootstrap.rebuild_snapshots(engine, full=False) == 2
    assert reads == []
    with engine.connect() as conn:
        ids = [store.campaign_ids(conn)[0], store.campaign_ids(conn)[1]]
        got = [store.city(conn, cid) for cid in ids]
    for cid, city in zip(ids, got, strict=True):
        same_city(city, rebuilt(engine, cid, tmp_path / f"fresh{cid}", monkeypatch))
        monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "kept"))
    store.forget()
    engine.dispose()
