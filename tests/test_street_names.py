"""English names of streets, towns and townships: stored in the reference file, loaded
into streets.name_en, romanised once by scripts/street_names.py."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from warmth import migrate, reference, schema

CJK = re.compile(r"[\u3400-\u9fff]")
ROOT = Path(__file__).resolve().parent.parent


def _script():
    pytest.importorskip("pypinyin")
    spec = importlib.util.spec_from_file_location("street_names", ROOT / "scripts/street_names.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_street_in_the_file_has_an_english_name():
    rows = reference.read_csv("streets.csv")
    assert len(rows) == 213
    for row in rows:
        assert row["name_en"], row["name_zh"]
        assert not CJK.search(row["name_en"]), row
        assert row["name_en"].endswith(
            ("Subdistrict", "Town", "Township", "Administrative Committee")
        ), row


def test_the_loader_fills_streets_name_en(sqlite_engine):
    with sqlite_engine.connect() as conn:
        rows = conn.execute(sa.select(schema.streets.c.name_zh, schema.streets.c.name_en)).all()
    names = dict(rows)
    assert len(names) == 213
    assert names["瑞金二路街道"] == "Ruijin Erlu Subdistrict"
    assert all(en and not CJK.search(en) for en in names.values())


def test_migration_0005_follows_0004():
    script = ScriptDirectory.from_config(migrate.alembic_config())
    revisions = {r.revision: r.down_revision for r in script.walk_revisions()}
    assert revisions["0005"] == "0004"


@pytest.mark.parametrize(
    ("zh", "kind", "en"),
    [
        ("瑞金二路街道", "街道", "Ruijin Erlu Subdistrict"),
        ("长桥街道", "街道", "Changqiao Subdistrict"),  # 长 cháng
        ("杨行镇", "镇", "Yanghang Town"),  # 行 háng
        ("重固镇", "镇", "Chonggu Town"),  # 重 chóng
        ("莘庄镇", "镇", "Xinzhuang Town"),  # 莘 xīn
        ("曹路镇", "镇", "Caolu Town"),  # a town, not a road
        ("湖南路街道", "街道", "Hunan Lu Subdistrict"),
        ("静安寺街道", "街道", "Jing'ansi Subdistrict"),
        ("长兴乡", "乡", "Changxing Township"),
        ("吕巷镇", "镇", "Lüxiang Town"),
    ],
)
def test_romanisation_of_place_names(zh, kind, en):
    assert _script().english_name(zh, kind) == en


def test_the_stored_column_is_what_the_script_writes():
    script = _script()
    text = script.STREETS.read_text(encoding="utf-8")
    assert script.rewrite(text) == text
