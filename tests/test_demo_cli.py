"""`warmth demo` on the command line: a scale out of range is a usage error of one line (in
process and as `python -m warmth.cli`), a fresh database is initialised and loaded with both
campaigns, and an unknown campaign or an unreachable database is said in one line."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import sqlalchemy as sa

from warmth import cli, demo, schema
from warmth.config import PROJECT_ROOT as ROOT
from warmth.database import make_engine

SMALL = 0.002


@pytest.mark.parametrize("scale", ["0", "2.5", "-1", "nan"])
def test_scale_outside_zero_to_two_is_a_usage_error(tmp_path, capsys, scale):
    url = f"sqlite:///{tmp_path / 'never.db'}"
    assert cli.main(["demo", "--scale", scale, "--db", url]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("warmth demo: scale must be greater than 0 and at most 2 ")
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "never.db").exists()
    with pytest.raises(ValueError, match="scale"):
        demo.load_demo(None, scale=float(scale))  # type: ignore[arg-type]


def test_python_dash_m_gives_exit_code_two_with_one_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "warmth.cli", "demo", "--scale", "3", "--db", "sqlite://"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "warmth demo: scale must be greater than 0 and at most 2 (1 = the whole city, about "
        "3 million beneficiaries; 2 = a city of twice its register), got 3"
    ]


def test_cli_demo_initialises_and_loads(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert cli.main(["demo", "--scale", str(SMALL), "--seed", "5", "--db", url]) == 0
    out = capsys.readouterr().out
    assert re.search(r"[\d,]+ beneficiaries, [\d,]+ aid records", out), out
    engine = make_engine(url)
    b, c = schema.beneficiaries, schema.campaigns
    with engine.connect() as conn:
        n = dict(
            conn.execute(
                sa.select(c.c.code, sa.func.count())
                .join(b, b.c.campaign_id == c.c.id)
                .group_by(c.c.code)
            ).all()
        )
    engine.dispose()
    assert n["2005"] == pytest.approx(3_020_000 * SMALL, rel=0.01)
    assert n["2004"] == pytest.approx(n["2005"], rel=0.03)  # both campaigns by default


def test_cli_demo_unknown_campaign_and_unreachable_database(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert cli.main(["demo", "--scale", str(SMALL), "--campaign", "1999", "--db", url]) == 2
    assert "no campaign '1999'" in capsys.readouterr().err
    bad = "postgresql+psycopg://nobody:secret@127.0.0.1:9/none"
    assert cli.main(["demo", "--scale", str(SMALL), "--db", bad]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("warmth demo: cannot use database")
    assert "secret" not in err
    assert len(err.splitlines()) == 1
