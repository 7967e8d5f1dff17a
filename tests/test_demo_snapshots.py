"""The demo's snapshots across campaigns: loading one campaign leaves the other campaigns'
snapshot files standing (carried to the new data version, not built again), and what is
carried equals a snapshot built from the base tables."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.fixtures_small import assert_same_frames
from warmth import config, demo, demo_years, reference, versions
from warmth.snapshot import shards, store

SMALL = 0.002


def _cities(engine, folder: str, monkeypatch) -> dict[str, object]:
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", folder)
    store.forget()
    with engine.connect() as conn:
        return {
            code: store.city(conn, reference.campaign_id(conn, code)) for code in ("2004", "2005")
        }


def _assert_same(made, read) -> None:
    assert made.version == read.version and len(made.records) == len(read.records) > 0
    assert_same_frames(made, read)


def _city_folders(engine) -> list[str]:
    with engine.connect() as conn:
        folder = config.snapshot_dir(engine.url.render_as_string(False)) / versions.identity(conn)
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.endswith(".tmp"))


def test_loading_a_campaign_carries_the_others_snapshot(engine, tmp_path, monkeypatch):
    def no_reading(*args, **kwargs):
        raise AssertionError("the base tables were read")

    with monkeypatch.context() as m:  # the loads build from their arrays, then carry
        m.setattr(store, "read_all", no_reading)
        m.setattr(store, "read_shard", no_reading)
        monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "demo"))
        demo_years.load_campaigns(engine, scale=SMALL, seed=3)
        with engine.connect() as conn:
            version = versions.current(conn)
            ids = {code: reference.campaign_id(conn, code) for code in ("2004", "2005")}
        # both campaigns' cities on file at the final version
        assert _city_folders(engine) == sorted(f"c{ids[c]}-v{version}" for c in ids)
        carried = _cities(engine, str(tmp_path / "demo"), monkeypatch)
    built = _cities(engine, str(tmp_path / "tables"), monkeypatch)
    for code in ids:
        _assert_same(carried[code], built[code])


def test_reloading_the_same_campaign_builds_it_again(engine, tmp_path, monkeypatch):
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "demo"))
    demo_years.load_campaigns(engine, scale=SMALL, seed=3)
    store.forget()
    demo.load_demo(engine, scale=SMALL, seed=9, campaign="2004", earlier=None)
    with monkeypatch.context() as m:
        calls = []
        m.setattr(store, "read_all", lambda *a, **k: calls.append(a) or shards.read_all(*a, **k))
        again = _cities(engine, str(tmp_path / "demo"), monkeypatch)
    assert not calls  # 2004 from the load's own arrays, 2005 carried
    built = _cities(engine, str(tmp_path / "tables"), monkeypatch)
    for code in ("2004", "2005"):
        _assert_same(again[code], built[code])


@pytest.mark.parametrize("kind", ["register", "own campaign"])
def test_a_write_that_may_touch_the_campaign_is_not_carried(engine, tmp_path, monkeypatch, kind):
    monkeypatch.setenv("WARMTH_SNAPSHOT_DIR", str(tmp_path / "demo"))
    demo_years.load_campaigns(engine, scale=SMALL, seed=3)
    with engine.begin() as conn:
        cid = reference.campaign_id(conn, "2004")
        if kind == "register":
            versions.bump(conn)
        else:
            batch = conn.execute(
                sa.select(sa.func.max(sa.text("id"))).select_from(sa.table("import_batches"))
            ).scalar()
            versions.bump(conn, change=("campaign_loaded", batch, cid))
    store.forget()
    with monkeypatch.context() as m:
        calls = []
        m.setattr(store, "read_all", lambda *a, **k: calls.append(a) or shards.read_all(*a, **k))
        with engine.connect() as conn:
            store.city(conn, cid)
    assert calls  # built again from the base tables
