"""The campaign notice's reference data: districts, streets, departments, categories,
programmes and campaigns, loaded from data/reference/*.csv."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from warmth import campaigns, schema
from warmth.config import REFERENCE_DIR


def read_csv(name: str, folder: Path = REFERENCE_DIR) -> list[dict[str, str]]:
    """The rows of a reference file; a row with more or fewer fields than the header (an
    unquoted comma in a name) is an error naming the line, never a silently cut value."""
    with open(folder / name, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    for line, row in enumerate(rows, start=2):
        if None in row or None in row.values():
            raise ValueError(f"{name} line {line}: {len(reader.fieldnames or [])} fields expected")
    return rows


def _district_rows() -> list[dict]:
    return [
        {
            "code": r["code"],
            "name_zh": r["name_zh"],
            "name_en": r["name_en"],
            "pinyin": r["pinyin"],
            "kind": r["kind"],
            "lat": float(r["lat"]),
            "lon": float(r["lon"]),
            "tile_row": int(r["tile_row"]),
            "tile_col": int(r["tile_col"]),
            "est_population": int(r["est_hukou_population_2004"]),
            "est_households": int(r["est_households_2004"]),
        }
        for r in read_csv("districts.csv")
    ]


def _street_rows() -> list[dict]:
    keys = ("district_code", "code", "name_zh", "name_en", "kind", "status", "code_source")
    return [{k: r[k] for k in keys} for r in read_csv("streets.csv")]


def _department_rows() -> list[dict]:
    return [
        {
            "code": r["code"],
            "name_zh": r["name_zh"],
            "name_en": r["name_en"],
            "kind": r["kind"],
            "role_in_notice": r["role_in_notice"],
            "sort_order": i,
        }
        for i, r in enumerate(read_csv("departments.csv"))
    ]


def _category_rows() -> list[dict]:
    return [
        {k: r[k] for k in ("code", "name_zh", "name_en", "unit")} | {"bit": i}
        for i, r in enumerate(read_csv("categories.csv"))
    ]


def _programme_rows() -> tuple[list[dict], list[dict]]:
    progs, links = [], []
    for i, r in enumerate(read_csv("programmes.csv")):
        amount = r["standard_amount_yuan"]
        progs.append(
            {
                "code": r["code"],
                "department_code": r["department"],
                "name_zh": r["name_zh"],
                "name_en": r["name_en"],
                "form": r["form"],
                "need": r["need"],
                "standard_amount_fen": int(round(float(amount) * 100)) if amount else None,
                "amount_note": r["amount_note"],
                "bit": i,
            }
        )
        links += [
            {"programme_code": r["code"], "category_code": c} for c in r["categories"].split(";")
        ]
    return progs, links


def _campaign_rows() -> list[dict]:
    out = []
    for r in read_csv("campaigns.csv"):
        row: dict = {k: r[k] for k in ("code", "name_zh", "name_en")}
        for k in (
            "window_start",
            "window_end",
            "new_year",
            "spring_festival",
            "lantern_festival",
            "reporting_deadline",
        ):
            row[k] = date.fromisoformat(r[k]) if r[k] else None
        out.append(row)
    return out


def load(conn: sa.Connection) -> dict[str, int]:
    """Insert the reference rows that are missing and update those that changed.
    Safe to run any number of times. Returns the row count of each table."""
    return sync(conn)[0]


def sync(conn: sa.Connection) -> tuple[dict[str, int], int]:
    """load(), and how many rows it inserted or changed (0: the tables held them already)."""
    progs, links = _programme_rows()
    plan: list[tuple[sa.Table, list[dict], tuple[str, ...]]] = [
        (schema.districts, _district_rows(), ("code",)),
        (schema.streets, _street_rows(), ("code",)),
        (schema.departments, _department_rows(), ("code",)),
        (schema.categories, _category_rows(), ("code",)),
        (schema.programmes, progs, ("code",)),
        (schema.programme_categories, links, ("programme_code", "category_code")),
        (schema.campaigns, _campaign_rows(), ("code",)),
    ]
    counts, written = {}, 0
    for table, rows, keys in plan:
        values = [c for c in (rows[0] if rows else {}) if c not in keys]
        held = {
            tuple(r[:len(keys)]): tuple(r[len(keys):])
            for r in conn.execute(sa.select(*(table.c[k] for k in (*keys, *values))))
        }  # fmt: skip
        new = [r for r in rows if tuple(r[k] for k in keys) not in held]
        old = [
            r
            for r in rows
            if tuple(r[k] for k in keys) in held
            and held[tuple(r[k] for k in keys)] != tuple(r[c] for c in values)
        ]
        if new:
            conn.execute(table.insert(), new)
        if old and values:
            stmt = (
                table.update()
                .where(sa.and_(*(table.c[k] == sa.bindparam(f"k_{k}") for k in keys)))
                .values({c: sa.bindparam(f"v_{c}") for c in values})
            )
            conn.execute(
                stmt,
                [{f"k_{k}": r[k] for k in keys} | {f"v_{c}": r[c] for c in values} for r in old],
            )
        written += len(new) + len(old)
        counts[table.name] = conn.execute(
            sa.select(sa.func.count()).select_from(table)
        ).scalar_one()
    return counts, written


def campaign_id(conn: sa.Connection, code: str | None = None) -> int:
    """The id of the campaign with this code, or of the newest campaign."""
    found = campaigns.campaign(conn, code)
    if found is None:
        raise LookupError(f"no campaign {code!r}" if code else "no campaign loaded")
    return found["id"]
