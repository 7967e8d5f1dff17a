"""Upload limits: the size (server, page and command line) and the number of columns, each
refused quickly with a message naming the limit."""

from __future__ import annotations

import io
import time
import tomllib
from pathlib import Path

import pytest

from warmth import cli
from warmth.intake import UploadRefusedError, read_upload
from warmth.intake.reading import MAX_BYTES, MAX_COLUMNS

ROOT = Path(__file__).resolve().parents[2]


def test_the_server_refuses_uploads_over_the_core_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] * 1024 * 1024 == MAX_BYTES


def refused(data: bytes, name: str) -> tuple[UploadRefusedError, float]:
    start = time.perf_counter()
    with pytest.raises(UploadRefusedError) as info:
        read_upload(data, name)
    return info.value, time.perf_counter() - start


def test_a_million_column_csv_is_refused_before_it_is_parsed():
    header = ",".join(f"c{i}" for i in range(1_000_000))
    data = (header + "\n" + ",".join("x" * 1 for _ in range(1_000_000)) + "\n").encode()
    error, took = refused(data, "wide.csv")
    assert error.reason.code == "file_too_many_columns"
    assert f"more than {MAX_COLUMNS} columns" in error.text("en")
    assert f"超过 {MAX_COLUMNS} 列" in error.text("zh")
    assert took < 1.0  # it took 13.6 s (and 125 MB) to preview before the limit


def test_a_wide_row_further_down_is_refused_too():
    rows = ["id_number,name,district,street,categories"] + ["a,b,c,d,e"] * 30
    rows.append(",".join(["x"] * (MAX_COLUMNS + 5)))
    error, _ = refused(("\n".join(rows) + "\n").encode(), "late.csv")
    assert error.reason.code == "file_too_many_columns" and error.row == 32


def test_a_sheet_of_16384_columns_is_refused_quickly():
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("s")
    sheet.append([f"c{i}" for i in range(16384)])
    sheet.append(["x"] * 16384)
    buffer = io.BytesIO()
    book.save(buffer)
    error, took = refused(buffer.getvalue(), "wide.xlsx")
    assert error.reason.code == "file_too_many_columns" and error.row == 1
    assert took < 1.0  # parsing the row into a workbook took 1.9 s


def test_seven_columns_and_a_few_extra_are_fine():
    header = "id_number,name,district,street,categories,household_size,address,备注,来源"
    table = read_upload((header + "\n" + ",".join(["x"] * 9) + "\n").encode(), "ok.csv")
    assert len(table.headers) == 9


def test_the_command_line_refuses_a_big_file_without_reading_it(tmp_path, monkeypatch, capsys):
    big = tmp_path / "big.csv"
    with big.open("wb") as fh:  # sparse: no disk used
        fh.truncate(MAX_BYTES + 1)

    def never(self):
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", never)
    code = cli.main(["import", "register", str(big), "--db", f"sqlite:///{tmp_path / 'w.db'}"])
    assert code == 1
    err = capsys.readouterr().err
    assert f"{MAX_BYTES:,}" in err and f"{MAX_BYTES + 1:,}" in err
