"""What the dashboard asks: tidy DataFrames with stable columns, computed on the campaign's
columnar snapshot (warmth.snapshot) with the definitions of warmth.metrics.

Every function takes a Connection, then the viewer's Scope and Filters, resolved once into
a Request (warmth.request). Default deny: an empty scope gets an empty frame with the right
columns. Districts are always the scope's districts (narrowed by the filter, never
widened); departments likewise. An unknown code matches nothing.

Filter rules (every figure is defined in warmth.metrics):
- districts / streets: restrict people to those registered there and records to those
  attributed there (a record attributed to no street is outside every street filter);
- categories: restrict people to those in a chosen category; "reached", repeats, overlap
  and records count only matching records of a programme serving a chosen category that the
  person is in; leakage counts non-matching records of programmes serving a chosen category;
- departments / programmes: restrict the programmes that count for reached, repeats,
  leakage and records; eligible becomes the people in a category those programmes serve;
- forms: restrict the records that count (records, amount, repeat records); the people
  figures (eligible, reached, omitted, repeat / overlap / leakage beneficiaries) do not
  depend on the form of help;
- as_of: records dated up to that day count; "reached" means reached by that day.

There is one path for every combination: the snapshot's profile and record frames for the
day (the whole campaign, or records up to as_of), at the level the table needs (street,
district or city), cut to the request's districts and streets, then counted by
warmth.metrics per row of the table. The frames are small (tens of thousands of rows at
full city scale) and kept per snapshot and day, so no filter is slow.
"""

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
PACING_COLUMNS = ["day", "reached", "eligible", "share", "expected"]
TIMELINE_COLUMNS = ["day", "key", "name_zh", "name_en", "records", "amount_yuan", "newly_reached"]
OVERLAP_COLUMNS = ["dept_a", "dept_b", "need", "beneficiaries"]
REPORTING_COLUMNS = [
    "district_code",
    "department_code",
    "records",
    "amount_yuan",
    "last_date",
    "on_time",
]
CAMPAIGN_COLUMNS = [
    "code",
    "name_zh",
    "name_en",
    "window_start",
    "window_end",
    "new_year",
    "spring_festival",
    "lantern_festival",
]
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
        keys = [k for k, _ in _slices(req, by)]
        c = cat.categories.set_index("code").loc[keys]
        return pd.DataFrame(
            {
                "key": keys,
                "name_zh": c["name_zh"].to_list(),
                "name_en": c["name_en"].to_list(),
                "unit": c["unit"].to_list(),
            }
        )
    if by == "programme":
        keys = [k for k, _ in _slices(req, by)]
        p = cat.programmes.set_index("code").loc[keys]
        return pd.DataFrame(
            {
                "key": keys,
                "name_zh": p["name_zh"].to_list(),
                "name_en": p["name_en"].to_list(),
                "department_code": p["department_code"].to_list(),
            }
        )
    d = cat.departments.set_index("code").loc[list(req.departments)]
    return pd.DataFrame(
        {
            "key": list(req.departments),
            "name_zh": d["name_zh"].to_list(),
            "name_en": d["name_en"].to_list(),
        }
    )


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


# --- time ---------------------------------------------------------------------------------


def _window(req: Request) -> list[date]:
    start, end = req.campaign["window_start"], req.campaign["window_end"]
    if req.as_of is not None:
        end = min(end, req.as_of)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _days(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its integer days (since 1970-01-01) as dates."""
    frame = frame.copy()
    frame["day"] = [EPOCH + timedelta(days=int(d)) for d in frame["day"]]
    return frame


def pacing(conn: sa.Connection, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Cumulative reach by day over the campaign window (up to as_of when set): day,
    reached (eligible beneficiaries reached by that day), eligible, share (= coverage by
    that day, NaN when eligible is 0) and expected (metrics.expected_share, against the
    Spring Festival)."""
    opened = _open(conn, scope, filters)
    if opened is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PACING_COLUMNS})
    req, city = opened
    profile, _ = frames(city, req, "city")
    eligible = int(
        metrics.person_counts(profile, Slice(req.universe, req.categories), req.cat)["eligible"]
    )
    got = series.reach_days(
        city,
        [("city", Slice(req.universe, req.categories))],
        req.districts,
        req.streets,
        records=False,
    )
    per_day = got.groupby("day")["newly_reached"].sum() if len(got) else pd.Series(dtype="int64")
    days = _window(req)
    numbers = [(d - EPOCH).days for d in days]
    before = int(per_day[per_day.index < numbers[0]].sum()) if len(per_day) else 0
    reached = per_day.reindex(numbers, fill_value=0).cumsum() + before
    out = pd.DataFrame(
        {"day": days, "reached": reached.to_numpy(dtype="int64"), "eligible": eligible}
    )
    out["share"] = metrics.coverage_series(out["reached"], out["eligible"])
    out["expected"] = [
        metrics.expected_share(d, req.campaign["window_start"], req.pacing_end) for d in days
    ]
    return out


def timeline(
    conn: sa.Connection, scope: Scope, filters: Filters, by: str = "department"
) -> pd.DataFrame:
    """Per day and department (or district): records, amount_yuan and people newly reached
    (first reached that day within that department's programmes, or within the district).
    Days without records or reach are left out; with as_of, days after it too."""
    if by not in ("department", "district"):
        raise ValueError("by must be department or district")
    opened = _open(conn, scope, filters)
    if opened is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TIMELINE_COLUMNS})
    req, city = opened
    if by == "department":
        got = series.reach_days_by_department(
            city, req.slice, list(req.departments), req.districts, req.streets
        )
        got = got.groupby(["day", "key"])[["newly_reached", "records", "amount_fen"]].sum()
        names = req.cat.departments.set_index("code")
    else:
        got = series.reach_days(city, [("city", req.slice)], req.districts, req.streets)
        got = got.groupby(["day", "district"])[["newly_reached", "records", "amount_fen"]].sum()
        got.index = got.index.set_names(["day", "key"])
        d = schema.districts
        names = pd.DataFrame(
            conn.execute(sa.select(d.c.code, d.c.name_zh, d.c.name_en)).all(),
            columns=["code", "name_zh", "name_en"],
        ).set_index("code")
    got = got.reset_index()
    if by == "district":
        got["key"] = np.array(city.codes.districts, dtype=object)[got["key"].to_numpy("int64")]
    if req.as_of is not None:
        got = got.loc[got["day"] <= (req.as_of - EPOCH).days]
    got = got.loc[(got["records"] > 0) | (got["newly_reached"] > 0)]
    got = _days(got)
    got["name_zh"] = got["key"].map(names["name_zh"])
    got["name_en"] = got["key"].map(names["name_en"])
    got["records"] = got["records"].astype("int64")
    got["newly_reached"] = got["newly_reached"].astype("int64")
    got["amount_yuan"] = got["amount_fen"].astype("float64") / 100
    return got[TIMELINE_COLUMNS].sort_values(["day", "key"]).reset_index(drop=True)


def overlap_matrix(conn: sa.Connection, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Pairs of departments (dept_a < dept_b) and the need they both meet, with the number
    of eligible beneficiaries that matching programmes of both reached for that need (the
    pairs behind overlap_beneficiaries; one person can be in several pairs)."""
    opened = _open(conn, scope, filters)
    if opened is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in OVERLAP_COLUMNS})
    req, city = opened
    profile, _ = frames(city, req, "city")
    cat, sl = req.cat, Slice(req.universe, req.categories)
    profile = profile.loc[metrics.eligible(profile, sl, cat)]
    reach = profile["reach_mask"].to_numpy(dtype="int64") & metrics._allowed(profile, sl, cat)
    counts: dict[tuple[str, str, str], int] = {}
    per_mask = pd.Series(profile["n"].to_numpy(), index=reach).groupby(level=0).sum()
    for mask, n in per_mask.items():
        over = cat.overlapping(int(mask))
        if not over:
            continue
        for need, nm in cat.need_mask.items():
            depts = sorted({cat.bit_dept[b] for b in metrics._bits(over & nm)})
            for i, a in enumerate(depts):
                for b in depts[i + 1 :]:
                    pair_programmes = cat.department_mask([a, b]) & over & nm
                    if pair_programmes & req.universe:
                        counts[(a, b, need)] = counts.get((a, b, need), 0) + int(n)
    rows = [(a, b, need, n) for (a, b, need), n in sorted(counts.items())]
    return pd.DataFrame(rows, columns=OVERLAP_COLUMNS)


def _submitted_days(conn: sa.Connection, campaign_id: int) -> dict[int, int]:
    """Import batch -> the day it was submitted (days since 1970-01-01)."""
    ib = schema.import_batches
    rows = conn.execute(
        sa.select(ib.c.id, ib.c.submitted_at).where(ib.c.campaign_id == campaign_id)
    ).all()
    return {i: (at.date() - EPOCH).days for i, at in rows if at is not None}


def _reporting_grid(city: City, codes: list[str], submitted: dict[int, int]):
    """Per (district, department) cell: records, amount (fen), the newest record's day and
    the newest submission day of their batches (-1: none); the same for every request of
    a snapshot."""
    rec = city.records
    batch_day = np.full(int(rec.batch_id.max(initial=0)) + 2, -1, dtype="int64")
    for batch, day in submitted.items():
        if 0 <= batch < len(batch_day):
            batch_day[batch] = day
    dept = series.city_depts(city)[rec.pbit.astype("int64")]
    ok = rec.att >= 0
    key = rec.att.astype("int64")[ok] * len(codes) + dept[ok]
    size = len(city.codes.districts) * len(codes)
    records = np.bincount(key, minlength=size)
    amount = np.bincount(key, weights=rec.amount_fen[ok], minlength=size)
    last_day = np.full(size, -1, dtype="int64")
    np.maximum.at(last_day, key, rec.day[ok].astype("int64"))
    last_sub = np.full(size, -1, dtype="int64")
    np.maximum.at(last_sub, key, batch_day[np.where(rec.batch_id[ok] >= 0, rec.batch_id[ok], -1)])
    return records, amount, last_day, last_sub


def reporting_status(conn: sa.Connection, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Every district × department pair of the scope: records attributed to the district
    of that department's programmes, amount_yuan, last_date (newest import of those records,
    else newest record date; None when none) and on_time (records exist and last_date <=
    the campaign's reporting deadline, or no deadline is set). Other filters do not apply:
    this is who has reported, not what was reached."""
    opened = _open(conn, scope, filters)
    if opened is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in REPORTING_COLUMNS})
    req, city = opened
    codes = sorted(req.cat.departments["code"])
    records, amount, last_day, last_sub = city._static(
        "reporting", lambda: _reporting_grid(city, codes, _submitted_days(conn, req.campaign_id))
    )
    dpos = {d: i for i, d in enumerate(city.codes.districts)}
    deadline = req.campaign["reporting_deadline"]
    rows = []
    for d in req.districts:
        for p in req.departments:
            k = dpos[d] * len(codes) + codes.index(p)
            n = int(records[k])
            best = last_sub[k] if last_sub[k] >= 0 else last_day[k]
            last = EPOCH + timedelta(days=int(best)) if n and best >= 0 else None
            on_time = bool(n > 0 and (deadline is None or (last is not None and last <= deadline)))
            rows.append((d, p, n, float(amount[k]) / 100, last, on_time))
    return pd.DataFrame(rows, columns=REPORTING_COLUMNS)


# --- reference ----------------------------------------------------------------------------


def campaigns(conn: sa.Connection) -> pd.DataFrame:
    """Every campaign, oldest first."""
    c = schema.campaigns
    rows = conn.execute(
        sa.select(*(c.c[k] for k in CAMPAIGN_COLUMNS)).order_by(c.c.window_start)
    ).all()
    return _rows(rows, CAMPAIGN_COLUMNS)


REFERENCE = {
    "districts": [
        "code",
        "name_zh",
        "name_en",
        "pinyin",
        "kind",
        "lat",
        "lon",
        "tile_row",
        "tile_col",
    ],
    "streets": ["code", "district_code", "name_zh", "name_en", "kind"],
    "departments": ["code", "name_zh", "name_en", "kind", "sort_order"],
    "categories": ["code", "name_zh", "name_en", "unit", "bit"],
    "programmes": [
        "code",
        "department_code",
        "name_zh",
        "name_en",
        "form",
        "need",
        "standard_amount_fen",
        "bit",
    ],
}


def reference(conn: sa.Connection, name: str) -> pd.DataFrame:
    """A reference table, sorted by code: districts, streets, departments (also by
    sort_order), categories or programmes (with `categories`, the ';'-joined codes it
    serves)."""
    if name not in REFERENCE:
        raise ValueError(f"name must be one of {', '.join(REFERENCE)}")
    table = getattr(schema, name)
    cols = REFERENCE[name]
    rows = conn.execute(sa.select(*(table.c[k] for k in cols)).order_by(table.c.code)).all()
    frame = _rows(rows, cols)
    if name == "programmes":
        pc = schema.programme_categories
        links = conn.execute(
            sa.select(pc.c.programme_code, pc.c.category_code).order_by(
                pc.c.programme_code, pc.c.category_code
            )
        ).all()
        joined: dict[str, list[str]] = {}
        for p, c in links:
            joined.setdefault(p, []).append(c)
        frame["categories"] = frame["code"].map(lambda p: ";".join(joined.get(p, [])))
    return frame
