"""What every people list shares: its columns, a page, masking, and the details read
for a page's rows."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from warmth import idkey, schema
from warmth.ids import mask_id, mask_name
from warmth.scope import Scope

KINDS = ("omission", "repeat", "overlap", "leakage", "cross-district", "left-out")
FORMATS = ("csv", "json")
REPORT_CHUNK = 20_000

b = schema.beneficiaries
bc = schema.beneficiary_categories
r = schema.aid_records
p = schema.programmes
pc = schema.programme_categories
dup = schema.duplicate_registrations

COLUMNS = {
    "omission": [
        "id_number",
        "name",
        "district_code",
        "street_code",
        "categories",
        "household_size",
        "address",
    ],
    "repeat": [
        "id_number",
        "name",
        "programme_code",
        "records",
        "amount_yuan",
        "first_date",
        "last_date",
        "district_code",
        "street_code",
    ],
    "overlap": [
        "id_number",
        "name",
        "need",
        "departments",
        "programmes",
        "amount_yuan",
        "district_code",
        "street_code",
    ],
    "leakage": [
        "id_number",
        "name",
        "reason",
        "programmes",
        "records",
        "amount_yuan",
        "district_code",
    ],
    "cross-district": [
        "id_number",
        "name",
        "district_code",
        "other_district_code",
        "street_code",
        "other_street_code",
        "categories",
        "other_categories",
    ],
    "street": ["id_number", "name", "categories", "reached", "programmes", "amount_yuan"],
}
COLUMNS["left-out"] = COLUMNS["omission"]  # the omission list's columns (warmth.years)


@dataclass(frozen=True, eq=False)
class Page:
    """One page of a people list: the rows (masked unless allowed) and the full count."""

    rows: pd.DataFrame
    total: int
    limit: int = 1000
    offset: int = 0
    more_than_total: bool = False  # counted only up to COUNT_CAP: the list is longer

    @property
    def has_more(self) -> bool:
        return self.offset + len(self.rows) < self.total


# --- what the filters and the scope resolve to -----------------------------------------


# --- masking ---

_ROAD = re.compile(r"^(.*?(?:路|街|道|弄|巷|村|镇|乡))")


def mask_address(value: str | None) -> str:
    """The address down to its road (南京东路***); the house number and flat are hidden."""
    if not value:
        return ""
    m = _ROAD.match(value)
    kept = m.group(1) if m else value[: min(4, max(len(value) - 2, 1))]
    return kept + "***"


def mask_frame(
    conn: sa.Connection,
    campaign_id: int | None,
    df: pd.DataFrame,
    scope: Scope,
    unmask: bool,
    seals: dict[str, str] | None = None,
) -> pd.DataFrame:
    """The rows as shown: ID numbers (kept as keyed hashes) opened and masked, names and
    addresses masked; in clear only when the caller asks and the scope allows. `seals`:
    the sealed ID numbers the caller has read already (keyed hash -> seal)."""
    clear = unmask and scope.may_unmask
    df = df.copy()
    if "id_number" in df:
        shown = shown_ids(conn, campaign_id, df["id_number"].tolist(), clear=clear, seals=seals)
        df["id_number"] = pd.Series(
            [shown.get(h) for h in df["id_number"]], index=df.index, dtype=object
        )
    if clear:
        return df
    for col, fn in (("name", mask_name), ("address", mask_address)):
        if col in df:
            masked = [None if v is None or v != v else fn(v) for v in df[col]]
            df[col] = pd.Series(masked, index=df.index, dtype=object)
    return df


def shown_ids(
    conn: sa.Connection,
    campaign_id: int | None,
    hashes: list,
    *,
    clear: bool = False,
    seals: dict[str, str] | None = None,
) -> dict[str, str]:
    """Keyed hash -> the ID number masked (110105********002X), or in clear: the seals
    (those not given) are read from the registrations, else (registered nowhere) from the
    records, and opened."""
    wanted = {h for h in hashes if isinstance(h, str)}
    seals = {h: c for h, c in (seals or {}).items() if h in wanted}
    for table in (b, r):
        rest = [h for h in wanted if h not in seals]
        for part in chunks(rest):
            q = (
                sa.select(table.c.id_number, sa.func.min(table.c.id_cipher))
                .where(table.c.campaign_id == campaign_id, table.c.id_number.in_(part))
                .group_by(table.c.id_number)
            )
            seals.update({h: c for h, c in conn.execute(q) if c is not None})
    if not seals:
        return {}
    found = list(seals)
    numbers = idkey.for_conn(conn).open([seals[h] for h in found])
    return {h: n if clear else mask_id(n) for h, n in zip(found, numbers, strict=True)}


# --- details joined onto a page in Python (deterministic ';' lists on every backend) ---


def chunks(values: list, size: int = 900) -> Iterator[list]:
    values = sorted(set(values))
    for i in range(0, len(values), size):
        yield values[i : i + size]


def categories_of(conn: sa.Connection, bene_ids: list[int]) -> dict[int, str]:
    found: dict[int, list[str]] = {}
    for part in chunks(bene_ids):
        for bid, code in conn.execute(
            sa.select(bc.c.beneficiary_id, bc.c.category_code).where(bc.c.beneficiary_id.in_(part))
        ):
            found.setdefault(bid, []).append(code)
    return {k: ";".join(sorted(v)) for k, v in found.items()}


def yuan(fen) -> float:
    return 0.0 if fen is None else round(int(fen) / 100, 2)


_NULLABLE_TEXT = ("name", "address", "household_size", "other_categories", "street_code",
                  "other_district_code", "other_street_code")  # fmt: skip


def list_frame(rows: list[dict], kind: str) -> pd.DataFrame:
    """Rows as a frame with the list's columns; a missing name or address stays None."""
    df = pd.DataFrame(rows, columns=COLUMNS[kind])
    for col in _NULLABLE_TEXT:
        if col in df:
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


# --- the lists: each is (statement, post-processing) --------------------------------------


# --- lists read with SQL: a statement and its post-processing ---


@dataclass(frozen=True)
class ListQuery:
    """A list as one statement, or as parts read one after the other (rows of the same
    shape); `finish` turns a page of raw rows into output rows."""

    kind: str
    stmt: sa.Select | None  # None: nothing visible
    finish: Callable[[sa.Connection, list], list[dict]]
    more: tuple[sa.Select, ...] = ()  # further parts, after stmt
    campaign_id: int | None = None  # whose ID numbers the rows name

    @property
    def parts(self) -> tuple[sa.Select, ...]:
        return () if self.stmt is None else (self.stmt, *self.more)


def nothing(kind: str) -> ListQuery:
    return ListQuery(kind, None, lambda c, rows: [])


def count_rows(conn: sa.Connection, stmt: sa.Select) -> int:
    inner = stmt.order_by(None)
    return conn.execute(sa.select(sa.func.count()).select_from(inner.subquery())).scalar_one()


def sql_page(
    conn: sa.Connection, scope: Scope, lst: ListQuery, *, limit: int, offset: int, unmask: bool
) -> Page:
    """One page of a list read with SQL (cross-district registrations, a street's people)."""
    limit, offset = max(int(limit), 0), max(int(offset), 0)
    if lst.stmt is None:
        return Page(list_frame([], lst.kind), 0, limit, offset)
    rows = conn.execute(lst.stmt.limit(limit).offset(offset)).all()
    ended = len(rows) < limit and (rows or offset == 0)
    total = offset + len(rows) if ended else count_rows(conn, lst.stmt)
    frame = mask_frame(
        conn, lst.campaign_id, list_frame(lst.finish(conn, rows), lst.kind), scope, unmask
    )
    return Page(frame, int(total), limit, offset)
