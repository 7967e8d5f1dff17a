"""The tables: coverage by each `by`, the headline, and the frames and slices every
figure of warmth.queries counts on."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warmth import metrics, schema
from warmth.metrics import Slice
from warmth.request import Request, resolve
from warmth.scope import Filters, Scope
from warmth.snapshot import series, store
from warmth.snapshot.city import EPOCH, City

COVERAGE_COLUMNS = [
    "key",
    "name_zh",
    "name_en",
    "eligible",
    "reached",
    "coverage",
    "omitted",
    "records",
    "amount_yuan",
    "repeat_beneficiaries",
    "repeat_records",
    "overlap_beneficiaries",
    "leakage_beneficiaries",
]
EXTRA_COLUMNS = {
    "city": [],
    "district": ["tile_row", "tile_col"],
    "street": ["district_code"],
    "category": ["unit"],
    "programme": ["department_code"],
    "department": [],
}
BYS = tuple(EXTRA_COLUMNS)
PERSON_COLUMNS = [
    "eligible",
    "reached",
    "omitted",
    "repeat_beneficiaries",
    "overlap_beneficiaries",
    "leakage_beneficiaries",
]
RECORD_COLUMNS = ["records", "repeat_records", "amount_fen"]
CITY_NAME = ("合计", "Total")


def _rows(rows, columns: list[str]) -> pd.DataFrame:
    """A frame from database rows, column by column (much faster than from Row objects)."""
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    data = {}
    for name, values in zip(columns, zip(*rows, strict=True), strict=True):
        first = values[0]
        if isinstance(first, bool | int):
            # numbers straight into numpy (pandas infers object lists slowly); a column with
            # NULLs or huge values falls through to a plain list
            with contextlib.suppress(TypeError, ValueError, OverflowError):
                data[name] = np.array(values, dtype=bool if isinstance(first, bool) else "int64")
                continue
        data[name] = list(values)
    return pd.DataFrame(data)


def _open(conn: sa.Connection, scope: Scope, filters: Filters) -> tuple[Request, City] | None:
    """The request and the snapshot it is answered from; None when nothing may be seen."""
    req = resolve(conn, scope, filters)
    if req is None or not req.districts:
        return None
    return req, store.city(conn, req.campaign_id)


def frames(city: City, req: Request, level: str = "city") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(profile, records) of the request's day at a level ("street", "district" or
    "city"), cut to its districts and streets: the frames warmth.metrics counts on."""
    every = set(req.districts) == set(city.codes.districts)
    if req.streets is not None:
        level = "street"
    elif level == "city" and not every:
        level = "district"
    out = []
    for kind in ("profile", "records"):
        frame = city.level(kind, req.as_of, level)
        if level != "city" and not every:
            frame = frame.loc[frame["district_code"].isin(req.districts)]
        if req.streets is not None:
            frame = frame.loc[frame["street_code"].isin(req.streets)]
        out.append(frame)
    return out[0], out[1]


# --- slices -------------------------------------------------------------------------------


def _slices(req: Request, by: str) -> list[tuple[str, Slice]]:
    """(key, Slice) per row of a by-category / programme / department table."""
    cat, u, cf = req.cat, req.universe, req.categories
    if by == "category":
        codes = [c for c in cat.categories.code if cf is None or cf >> int(cat.cat_bit[c]) & 1]
        out = []
        for code in codes:
            bit = 1 << int(cat.cat_bit[code])
            out.append((code, Slice(u & cat.serving(bit), bit, req.forms)))
        return out
    if by == "programme":
        return [
            (code, Slice(1 << int(cat.prog_bit[code]), cf, req.forms))
            for code in cat.programmes.code
            if u >> int(cat.prog_bit[code]) & 1
        ]
    if by == "department":
        return [(d, Slice(u & cat.department_mask([d]), cf, req.forms)) for d in req.departments]
    return [("city", Slice(u, cf, req.forms))]


def _names(conn: sa.Connection, req: Request, by: str) -> pd.DataFrame:
    """key, name_zh, name_en and the extra columns of every row the table must show."""
    cat = req.cat
    if by == "city":
        return pd.DataFrame({"key": ["city"], "name_zh": [CITY_NAME[0]], "name_en": [CITY_NAME[1]]})
    if by == "district":
        d = schema.districts
        rows = conn.execute(
            sa.select(d.c.code, d.c.name_zh, d.c.name_en, d.c.tile_row, d.c.tile_col).where(
                d.c.code.in_(req.districts)
            )
        ).all()
        return _rows(rows, ["key", "name_zh", "name_en", "tile_row", "tile_col"])
    if by == "street":
        s = schema.streets
        query = sa.select(s.c.code, s.c.name_zh, s.c.name_en, s.c.district_code).where(
            s.c.district_code.in_(req.districts)
        )
        if req.streets is not None:
            query = query.where(s.c.code.in_(req.streets))
        rows = conn.execute(query).all()
        return _rows(rows, ["key", "name_zh", "name_en", "district_code"])
    if by == "category":
        return _named(cat.categories, [k for k, _ in _slices(req, by)], "unit")
    if by == "programme":
        return _named(cat.programmes, [k for k, _ in _slices(req, by)], "department_code")
    return _named(cat.departments, list(req.departments))


def _named(table: pd.DataFrame, keys: list[str], *extra: str) -> pd.DataFrame:
    """key, name_zh, name_en (and the extra columns) of the catalogue rows with those codes,
    in that order."""
    rows = table.set_index("code").loc[keys]
    out = {"key": keys, "name_zh": rows["name_zh"].to_list(), "name_en": rows["name_en"].to_list()}
    out.update({c: rows[c].to_list() for c in extra})
    return pd.DataFrame(out)


def empty_coverage(by: str) -> pd.DataFrame:
    cols = COVERAGE_COLUMNS + EXTRA_COLUMNS[by]
    return pd.DataFrame(
        {
            c: pd.Series(dtype="float64" if c in ("coverage", "amount_yuan") else object)
            for c in cols
        }
    )


def _finish(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    for c in PERSON_COLUMNS + RECORD_COLUMNS:
        frame[c] = frame[c].fillna(0).astype("int64")
    frame["coverage"] = metrics.coverage_series(frame["reached"], frame["eligible"])
    frame["amount_yuan"] = metrics.amount_yuan(frame["amount_fen"].astype("float64"))
    out = frame[COVERAGE_COLUMNS + EXTRA_COLUMNS[by]].sort_values("key", kind="stable")
    return out.reset_index(drop=True)


def _figure_rows(profile, records, req: Request, by: str) -> pd.DataFrame:
    """One row of figures per key (before names are attached)."""
    cat = req.cat
    if by in ("district", "street"):
        geo = "district_code" if by == "district" else "street_code"
        sl = Slice(req.universe, req.categories, req.forms)
        people = metrics.person_counts(profile, sl, cat, [geo]).rename(columns={geo: "key"})
        recs = metrics.record_counts(records, sl, cat, [geo]).rename(columns={geo: "key"})
        people = people.loc[people["key"].notna()]
        recs = recs.loc[recs["key"].notna()]
        return people.merge(recs, on="key", how="outer")
    rows = []
    records = metrics.with_programme_bits(records, cat) if len(records) else records
    for key, sl in _slices(req, by):
        row = {"key": key}
        row.update(metrics.person_counts(profile, sl, cat))
        row.update(metrics.record_counts(records, sl, cat))
        rows.append(row)
    return pd.DataFrame(rows, columns=["key", *PERSON_COLUMNS, *RECORD_COLUMNS])


def coverage(conn: sa.Connection, scope: Scope, filters: Filters, by: str) -> pd.DataFrame:
    """The coverage table by city, district, street, category, programme or department:
    COVERAGE_COLUMNS (+ tile_row, tile_col by district; district_code by street; unit by
    category; department_code by programme), one row for every member of the dimension
    that the scope and filters allow, zeros included, sorted by key. coverage is a fraction
    (NaN when undefined), amount_yuan = fen / 100. Filters: module docstring."""
    if by not in BYS:
        raise ValueError(f"by must be one of {', '.join(BYS)}")
    req = resolve(conn, scope, filters)
    if req is None or not req.districts:
        return empty_coverage(by)
    return coverage_of(conn, req, by)


def coverage_of(
    conn: sa.Connection, req: Request, by: str, names: pd.DataFrame | None = None
) -> pd.DataFrame:
    """coverage() of a resolved request (with districts); `names` (_names of the same
    dimension, which no campaign changes) when the caller has them already."""
    names = _names(conn, req, by) if names is None else names
    if names.empty:  # nothing of this dimension is allowed (e.g. no department in scope)
        return empty_coverage(by)
    city = store.city(conn, req.campaign_id)
    profile, records = frames(city, req, by if by in ("street", "district") else "city")
    rows = _figure_rows(profile, records, req, by)
    return _finish(names.merge(rows, on="key", how="left"), by)


def _data_day(city: City, req: Request) -> date | None:
    """The newest record's day among the records attributed to the request's districts
    (and streets)."""
    rec = city.records
    inside = series._where(city, rec.att, rec.att_street, req.districts, req.streets)
    days = rec.day[rec.att >= 0] if inside is None else rec.day[inside]
    if not len(days):
        return None
    return EPOCH + timedelta(days=int(days.max()))


def headline(conn: sa.Connection, scope: Scope, filters: Filters) -> dict:
    """The city row's figures (the total over the viewer's scope and filters) plus as_of
    (the cut-off date, else the newest record's day within the window, else the window's
    start), days_to_spring_festival, expected_share and pacing_status."""
    row = coverage(conn, scope, filters, "city")
    out: dict = {
        c: (float("nan") if c in ("coverage", "amount_yuan") else 0) for c in COVERAGE_COLUMNS
    }
    out.update({"key": "city", "name_zh": CITY_NAME[0], "name_en": CITY_NAME[1]})
    if len(row):
        rec = row.iloc[0]
        out.update(
            {c: (rec[c].item() if hasattr(rec[c], "item") else rec[c]) for c in COVERAGE_COLUMNS}
        )
    out.update(
        {
            "as_of": None,
            "days_to_spring_festival": None,
            "expected_share": None,
            "pacing_status": None,
        }
    )
    opened = _open(conn, scope, filters)
    if opened is None:
        return out
    req, city = opened
    camp = req.campaign
    as_of = filters.as_of or _data_day(city, req) or camp["window_start"]
    if not filters.as_of:
        as_of = min(as_of, camp["window_end"])
    expected = metrics.expected_share(as_of, camp["window_start"], req.pacing_end)
    cov = out["coverage"]
    out["as_of"] = as_of
    out["days_to_spring_festival"] = (
        (camp["spring_festival"] - as_of).days if camp["spring_festival"] else None
    )
    out["expected_share"] = expected
    out["pacing_status"] = metrics.pacing_status(None if pd.isna(cov) else float(cov), expected)
    return out
