"""Every `warmth` subcommand, given a bad path, argument, file or value, ends in exactly one
line on stderr and exit code 2 (usage) or 1 (refused), never a traceback; and the parser is
built without the heavy libraries, so `warmth --help` answers at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.intake.support import AID_HEADER, REGISTER_HEADER, aid_rows, csv_bytes, register_rows
from warmth import bootstrap, commands, demo, queries, scope, worklists
from warmth.commands import demo as demo_command
from warmth.commands import imports, report
from warmth.commands import users as users_command
from warmth.database import make_engine
from warmth.intake import loading

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("pandas", "numpy", "sqlalchemy", "openpyxl", "plotly", "streamlit")


def warmth(*argv: str, lang: str = "en") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("WARMTH_DEBUG", "WARMTH_OPERATOR")}
    env.update(LANG="C.UTF-8", LC_ALL="", PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-m", "warmth.cli", *argv, "--lang", lang] if argv else
        [sys.executable, "-m", "warmth.cli"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, check=False,
    )  # fmt: skip


def test_the_parser_is_built_without_heavy_libraries():
    code = (
        "import sys\n"
        "from warmth import cli\n"
        "cli.build_parser()\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert done.stdout.strip() == ""


def test_help_imports_no_heavy_library():
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "warmth.cli", "--help"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    )  # fmt: skip
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()}
    assert not imported & set(HEAVY)
    assert "usage: warmth" in done.stdout


def test_the_parsers_choices_are_the_cores():
    assert report.BYS == queries.BYS
    assert report.KINDS == worklists.KINDS
    assert imports.MODES == loading.MODES
    assert (demo_command.DEFAULT_SCALE, demo_command.DEFAULT_SEED, demo_command.MAX_SCALE) == (
        demo.DEFAULT_SCALE,
        demo.DEFAULT_SEED,
        demo.MAX_SCALE,
    )
    assert commands.COMMANDS == [
        "init",
        "demo",
        "imports",
        "refresh",
        "report",
        "briefing",
        "users",
        "keys",
        "grant",
    ]
    assert users_command.ROLES == scope.ROLES


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    db = f"sqlite:///{folder / 'warmth.db'}"
    engine = make_engine(db)
    bootstrap.init_database(engine)
    engine.dispose()
    (folder / "aid.csv").write_bytes(csv_bytes(AID_HEADER, aid_rows(2)))
    (folder / "register.csv").write_bytes(csv_bytes(REGISTER_HEADER, register_rows(2)))
    (folder / "paper.pdf").write_bytes(b"%PDF-1.4 not a table")
    (folder / "empty.csv").write_bytes(b"")
    (folder / "inbox").mkdir()
    return {"db": db, "dir": folder, "fresh": f"sqlite:///{folder / 'fresh.db'}"}


# (arguments, exit code, a word the line must hold); {db}, {dir} and {fresh} are filled in
BAD = [
    (["nonsense"], 2, "invalid choice"),
    (["init", "--db", "nonsense://x"], 2, "database"),
    (["init", "--db", "postgresql+psycopg://u:secret@127.0.0.1:1/x"], 2, "127.0.0.1"),
    (["demo", "--scale", "3", "--db", "{db}"], 2, "scale"),
    (["demo", "--scale", "many", "--db", "{db}"], 2, "--scale"),
    (["demo", "--seed", "1.5"], 2, "--seed"),
    (["refresh", "--campaign", "1999", "--db", "{db}"], 2, "1999"),
    (["refresh", "--db", "{fresh}"], 2, "warmth init"),
    (["report"], 2, "what"),
    (["report", "coverage", "--by", "nonsense", "--db", "{db}"], 2, "--by"),
    (["report", "gaps", "--kind", "nonsense", "--db", "{db}"], 2, "--kind"),
    (["report", "gaps", "--db", "{db}"], 2, "--kind"),
    (["report", "coverage", "--to", "2005-13-45", "--db", "{db}"], 2, "2005-13-45"),
    (["report", "coverage", "--from", "2005-02-01", "--to", "2005-01-01", "--db", "{db}"], 2,
     "--from"),
    (["report", "coverage", "--district", "999999", "--db", "{db}"], 2, "999999"),
    (["report", "coverage", "--campaign", "1999", "--db", "{db}"], 2, "1999"),
    (["report", "coverage", "--format", "xml", "--db", "{db}"], 2, "--format"),
    (["import", "aid", "{dir}/missing.csv", "--db", "{db}"], 2, "missing.csv"),
    (["import", "aid", "{dir}/inbox", "--db", "{db}"], 2, "folder"),
    (["import", "aid", "{dir}/paper.pdf", "--db", "{db}"], 1, "not a CSV"),
    (["import", "aid", "{dir}/empty.csv", "--db", "{db}"], 1, "empty"),
    (["import", "register", "{dir}/aid.csv", "--db", "{db}"], 1, "aid records"),
    (["import", "aid", "{dir}/aid.csv", "--campaign", "1999", "--db", "{db}"], 1, "1999"),
    (["import", "aid", "{dir}/aid.csv", "--mode", "fast", "--db", "{db}"], 2, "--mode"),
    (["import", "bogus", "{dir}/aid.csv", "--db", "{db}"], 2, "kind"),
    (["import", "aid", "{dir}/aid.csv", "--report", "{dir}/no/such/r.json", "--db", "{db}"], 2,
     "--report"),
    (["import", "aid", "{dir}/aid.csv", "--report", "{dir}/inbox", "--db", "{db}"], 2, "folder"),
    (["import", "aid", "{dir}/aid.csv", "--submitter", "XX", "--db", "{db}"], 1, "XX"),
    (["init", "--lang", "fr"], 2, "--lang"),
    (["users", "add", "a@x.gov", "--role", "district", "--as", "b@x.gov", "--db", "{db}"], 2,
     "--district"),
    (["users", "add", "a@x.gov", "--role", "district", "--district", "999999", "--as", "b@x.gov",
      "--db", "{db}"], 2, "999999"),
    (["users", "add", "a@x.gov", "--role", "department", "--department", "ZZ", "--as", "b@x.gov",
      "--db", "{db}"], 2, "ZZ"),
    (["users", "add", "a@x.gov", "--role", "city_viewer", "--district", "310101", "--as",
      "b@x.gov", "--db", "{db}"], 2, "whole city"),
    (["users", "add", "not-an-email", "--role", "city_admin", "--as", "b@x.gov", "--db", "{db}"],
     2, "not-an-email"),
    (["users", "add", "a@x.gov", "--role", "city_admin", "--as", "me", "--db", "{db}"], 2, "--as"),
    (["users", "add", "a@x.gov", "--role", "city_admin", "--db", "{db}"], 2, "WARMTH_OPERATOR"),
    (["users", "add", "a@x.gov", "--role", "king", "--as", "b@x.gov", "--db", "{db}"], 2,
     "--role"),
    (["users", "add", "a@x.gov", "--as", "b@x.gov", "--db", "{db}"], 2, "--role"),
    (["users", "set", "nobody@x.gov", "--role", "city_viewer", "--as", "b@x.gov", "--db", "{db}"],
     2, "nobody@x.gov"),
    (["users", "remove", "--as", "b@x.gov", "--db", "{db}"], 2, "e-mail"),
    (["users", "list", "--db", "{fresh}"], 2, "warmth init"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "code", "word"), BAD, ids=[" ".join(a[:3]) for a, _, _ in BAD])
def test_a_bad_argument_is_one_line_and_an_exit_code(files, argv, code, word):
    argv = [a.format(**files) for a in argv]
    done = warmth(*argv)
    lines = done.stderr.splitlines()
    assert "Traceback" not in done.stderr
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("warmth"), lines
    assert word in lines[0], lines
    assert "secret" not in done.stderr
    assert done.returncode == code, done.stderr


def test_no_command_is_one_line():
    done = warmth()
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("argv", "zh"),
    [
        (["import", "aid", "{dir}/missing.csv", "--db", "{db}"], "没有文件"),
        (["import", "aid", "{dir}/paper.pdf", "--db", "{db}"], "文件不是 CSV 或 .xlsx 表格"),
        (["report", "coverage", "--district", "999999", "--db", "{db}"], "未知区县"),
        (
            ["users", "add", "a@x.gov", "--role", "district", "--as", "b@x.gov", "--db", "{db}"],
            "区县角色需要至少一个 --district",
        ),
    ],
)
def test_the_line_is_in_chinese_with_lang_zh(files, argv, zh):
    done = warmth(*[a.format(**files) for a in argv], lang="zh")
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert zh in done.stderr
