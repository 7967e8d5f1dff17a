"""Shared helpers of the intake tests: one database per backend and module, emptied
between tests, and small register and aid files built in memory."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from tests.conftest import _pg_engine
from warmth import bootstrap, ids, intake, schema
from warmth.database import make_engine
from warmth.scope import city_scope

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
REFERENCE_TABLES = {
    "campaigns",
    "districts",
    "streets",
    "departments",
    "categories",
    "programmes",
    "programme_categories",
    "users",
    "alembic_version",
}
# Every table an upload, an import or a summary refresh writes (children before parents).
DATA_TABLES = tuple(
    t for t in reversed(schema.metadata.sorted_tables) if t.name not in REFERENCE_TABLES
)


def module_database(request, tmp_path_factory):
    """One initialised database per backend for a whole test module (setting one up is the
    slow part); `wipe` empties its data tables between tests."""
    if request.param == "sqlite":
        eng = make_engine(f"sqlite:///{tmp_path_factory.mktemp('intake') / 'warmth.db'}")
        bootstrap.init_database(eng)
        yield eng
        eng.dispose()
    else:
        yield from _pg_engine(request.getfixturevalue("pg_admin"))


def wipe(engine) -> None:
    with engine.begin() as conn:
        for table in DATA_TABLES:
            conn.execute(table.delete())


REGISTER_HEADER = ["id_number", "name", "district", "street", "categories"]
AID_HEADER = ["record_no", "id_number", "programme", "amount_yuan", "date", "district"]


def person(n: int, area: str = "310101", year: int = 1950) -> str:
    """A valid ID number, different for each n."""
    return ids.make_id(area, date(year, 1 + n % 12, 1 + n % 28), n % 1000)


def csv_bytes(header: list[str], rows: list[list[object]], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def register_rows(n: int, district: str = "黄浦区", street: str = "南京东路街道", start: int = 0):
    return [[person(start + i), f"居民{start + i}", district, street, "DBU"] for i in range(n)]


def aid_rows(n: int, start: int = 0, district: str = "黄浦区", prefix: str = "R"):
    return [
        [f"{prefix}{start + i}", person(start + i), "MZ01", "300", "2005-01-05", district]
        for i in range(n)
    ]


def prepare(engine, kind, header, rows, *, name=None, scope=None, **kw):
    raw = intake.read_upload(csv_bytes(header, rows), name or f"{kind}.csv")
    with engine.connect() as conn:
        v = intake.validate(conn, None, kind, raw, scope=scope or city_scope(conn), **kw)
    return raw, v


def upload(engine, kind, header, rows, *, mode="strict", user="官员甲", name=None, **kw):
    raw, v = prepare(engine, kind, header, rows, name=name, **kw)
    return intake.import_batch(
        engine, v, mode=mode, user=user, file_name=raw.file_name, file_sha256=raw.sha256
    )
