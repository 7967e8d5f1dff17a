"""What the dashboard asks: tidy DataFrames with stable columns, read from the summary tables.

Every function takes a Connection, then the viewer's Scope and Filters. Default deny: an
empty scope gets an empty frame with the right columns. Districts are always the scope's
districts (narrowed by the filter, never widened); departments likewise. Filter values are
literal codes bound as parameters or looked up in the reference data: an unknown code
matches nothing.

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

Paths (all exact; they differ only in speed; `_plan` picks one per table):
- "totals", summary_totals (~1,200 rows): no as_of, no forms, a scope with every department
  and either no category / department / programme filter, or a filter that only picks rows
  of the table (categories by category; departments or programmes by programme; departments
  by department), or one single category, department or programme by city or district.
  A street filter only by city, district or street;
- "profiles", summary_profile_district / summary_records_district (summary_profile /
  summary_records by street or with a street filter), through warmth.metrics: every other
  combination without as_of (several categories, departments or programmes, forms, a
  scope without every department);
- "day", summary_reach_day summed up to as_of: as_of with the same conditions as "totals";
- SLOW, "base": straight from the base tables with the same metric code
  (summaries.read_base; seconds for a district, about a minute for the whole city at
  3 million people): as_of with anything "day" cannot answer (forms; several categories,
  departments or programmes; a filter mixed with another; a street filter with category,
  department or programme rows or filters; a scope without every department).
  overlap_matrix with as_of; pacing (forms ignored: they do not touch reach) and timeline
  when the per-day summary cannot answer them.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warmth import metrics, schema, summaries
from warmth.metrics import Catalogue, Slice
from warmth.scope import Filters, Scope

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


@dataclass
class Context:
    """A request resolved against the scope and the reference data."""

    campaign: dict
    cat: Catalogue
    districts: list[str]
    streets: tuple[str, ...] | None
    departments: list[str]
    universe: int  # programmes that count
    categories: int | None  # chosen categories (None: no category filter)
    filters: Filters
    forms: frozenset[str] | None = None  # chosen forms (records only)

    @property
    def campaign_id(self) -> int:
        return self.campaign["id"]

    @property
    def all_departments(self) -> bool:
        return set(self.departments) == set(self.cat.departments.code)

    @property
    def pacing_end(self) -> date:
        """Pacing measures against the Spring Festival (the aid is meant to arrive before it:
        README's "on 2005-01-25, with 70 % of the window gone"), else the window's end."""
        return self.campaign["spring_festival"] or self.campaign["window_end"]


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


def _campaign(conn: sa.Connection, code: str | None) -> dict | None:
    c = schema.campaigns
    query = sa.select(c)
    query = query.where(c.c.code == code) if code else query.order_by(c.c.window_start.desc())
    row = conn.execute(query.limit(1)).mappings().first()
    return dict(row) if row else None


def context(conn: sa.Connection, scope: Scope, filters: Filters) -> Context | None:
    """The request resolved, or None when the viewer may see nothing of it."""
    if scope.is_empty:
        return None
    campaign = _campaign(conn, filters.campaign)
    if campaign is None:
        return None
    known = set(conn.execute(sa.select(schema.districts.c.code)).scalars())
    districts = set(scope.districts) & known
    if filters.districts:
        districts &= set(filters.districts)
    cat = metrics.load_catalogue(conn)
    departments = set(scope.departments) & set(cat.departments.code)
    if filters.departments:
        departments &= set(filters.departments)
    universe = cat.department_mask(departments)
    if filters.programmes:
        universe &= cat.programme_mask(filters.programmes)
    categories = cat.category_mask(filters.categories) if filters.categories else None
    return Context(
        campaign=campaign,
        cat=cat,
        districts=sorted(districts),
        streets=tuple(sorted(set(filters.streets))) if filters.streets else None,
        departments=sorted(departments),
        universe=universe,
        categories=categories,
        filters=filters,
        forms=frozenset(filters.forms) if filters.forms else None,
    )


def _cube_slice(ctx: Context, by: str) -> tuple[str, list[str] | None] | None:
    """The slice of summary_totals / summary_reach_day (kind, keys or None for all of the
    kind) whose rows answer this table exactly, or None. Those cubes hold every programme
    and no category restriction, per street for "all" and per district otherwise; a filter
    that only picks rows of a cube (categories by category, departments or programmes by
    programme, departments by department) or one single category / department / programme
    by city or district is answered from them."""
    f = ctx.filters
    if not ctx.all_departments:
        return None
    chosen = [
        (kind, values)
        for kind, values in (
            ("category", f.categories),
            ("department", f.departments),
            ("programme", f.programmes),
        )
        if values
    ]
    if by in ("city", "district", "street"):
        if not chosen:
            return ("all", None)
        if by == "street" or ctx.streets is not None:
            return None
        if len(chosen) == 1 and len(set(chosen[0][1])) == 1:
            kind, values = chosen[0]
            key = next(iter(values))
            known = {
                "category": ctx.cat.cat_bit,
                "department": set(ctx.cat.departments.code),
                "programme": ctx.cat.prog_bit,
            }[kind]
            if key in known:
                return (kind, [key])
        return None
    if ctx.streets is not None:
        return None
    if by == "category" and not (f.departments or f.programmes):
        return ("category", None)
    if by == "programme" and not f.categories:
        return ("programme", None)
    if by == "department" and not (f.categories or f.programmes):
        return ("department", None)
    return None


def _plan(ctx: Context, by: str) -> tuple[str, str | None, list[str] | None]:
    """How a coverage table is answered: ("totals" | "day", kind, keys) from the cubes,
    ("profile", ...) from the profiles, ("base", ...) from the base tables (module docstring)."""
    cube = None if ctx.forms else _cube_slice(ctx, by)
    if ctx.filters.as_of is None:
        return ("totals", *cube) if cube else ("profile", None, None)
    return ("day", *cube) if cube else ("base", None, None)


# --- loading profiles and records ---------------------------------------------------------


def _where_geo(table: sa.Table, ctx: Context):
    cond = [table.c.campaign_id == ctx.campaign_id, table.c.district_code.in_(ctx.districts)]
    if ctx.streets is not None:
        cond.append(table.c.street_code.in_(ctx.streets))
    return cond


def _level_query(
    ctx: Context, street_table: sa.Table, district_table: sa.Table, keys, values, level
):
    """SELECT keys (without street below level "street", without district at level
    "city") and SUM(values) from the street- or district-level summary."""
    table = street_table if level == "street" or ctx.streets is not None else district_table
    drop = {"street": set(), "district": {"street_code"}, "city": {"street_code", "district_code"}}
    cols = [table.c[k] for k in keys if k not in drop[level]]
    where = (
        _where_geo(table, ctx)
        if table is street_table
        else [table.c.campaign_id == ctx.campaign_id, table.c.district_code.in_(ctx.districts)]
    )
    names = [c.name for c in cols] + list(values)
    if table is district_table and level == "district":  # already one row per key
        return sa.select(*cols, *(table.c[v] for v in values)).where(*where), names
    query = sa.select(*cols, *(sa.func.sum(table.c[v]) for v in values)).where(*where)
    return query.group_by(*cols), names


def _summary_profile(conn: sa.Connection, ctx: Context, level: str) -> pd.DataFrame:
    """Profiles from summary_profile / summary_profile_district, at the level needed
    (street, district or city: finer columns summed away)."""
    frame = _level_frame(
        conn,
        _level_query(
            ctx,
            schema.summary_profile,
            schema.summary_profile_district,
            summaries.PROFILE_KEYS,
            ["n"],
            level,
        ),
    )
    return _typed_profile(frame)


def _level_frame(conn: sa.Connection, query_and_names: tuple) -> pd.DataFrame:
    """The rows of a level query, with district_code/street_code present (None when the
    level summed them away), so every frame has the same columns."""
    query, names = query_and_names
    frame = _rows(conn.execute(query).all(), names)
    for c in ("district_code", "street_code"):
        if c not in frame:
            frame[c] = None
    return frame


def _typed_profile(frame: pd.DataFrame) -> pd.DataFrame:
    for c in ("cat_mask", "reach_mask", "repeat_mask", "leak_mask", "n"):
        frame[c] = frame[c].astype("int64")
    frame["eligible"] = frame["eligible"].astype(bool)
    return frame


def _summary_records(conn: sa.Connection, ctx: Context, level: str) -> pd.DataFrame:
    """Records from summary_records / summary_records_district, at the level needed."""
    frame = _level_frame(
        conn,
        _level_query(
            ctx,
            schema.summary_records,
            schema.summary_records_district,
            summaries.RECORD_KEYS,
            RECORD_COLUMNS,
            level,
        ),
    )
    return _typed_records(frame)


def _typed_records(frame: pd.DataFrame) -> pd.DataFrame:
    for c in ("cat_mask", *RECORD_COLUMNS):
        frame[c] = frame[c].astype("int64")
    frame["matching"] = frame["matching"].astype(bool)
    return frame


def _cube_rows(
    conn: sa.Connection, ctx: Context, by: str, kind: str, keys: list[str] | None, day: bool
) -> pd.DataFrame:
    """key + the figures, from summary_totals (day False) or summary_reach_day up to
    as_of (day True; eligible still from summary_totals)."""
    table = schema.summary_reach_day if day else schema.summary_totals
    values = summaries.DAY_VALUES if day else summaries.TOTAL_VALUES
    group = {"city": None, "district": table.c.district_code, "street": table.c.street_code}
    column = group.get(by, table.c.slice_key)
    sums = [sa.func.sum(table.c[c]) for c in values]
    query = sa.select(*([column] if column is not None else []), *sums).where(
        *_where_geo(table, ctx), table.c.slice_kind == kind
    )
    if keys is not None:
        query = query.where(table.c.slice_key.in_(keys))
    if day:
        query = query.where(table.c.day <= ctx.filters.as_of)
    if column is not None:
        query = query.group_by(column)
    cols = (["key"] if column is not None else []) + values
    got = _rows(conn.execute(query).all(), cols)
    if column is None:
        got["key"] = "city"
    got = got.loc[got["key"].notna()].rename(
        columns={
            "newly_reached": "reached",
            "newly_repeat": "repeat_beneficiaries",
            "newly_overlap": "overlap_beneficiaries",
            "newly_leakage": "leakage_beneficiaries",
        }
    )
    for c in got.columns:
        if c != "key":
            got[c] = got[c].fillna(0).astype("int64")
    if day:
        eligible = _cube_rows(conn, ctx, by, kind, keys, day=False)[["key", "eligible"]]
        got = eligible.merge(got, on="key", how="outer")
        got["reached"] = got["reached"].fillna(0)
    got["omitted"] = got["eligible"].fillna(0) - got["reached"]
    return got


def _base_frames(conn: sa.Connection, ctx: Context) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Profiles and records straight from the base tables (the exact slow path)."""
    base = summaries.read_base(
        conn,
        ctx.campaign_id,
        ctx.districts,
        as_of=ctx.filters.as_of,
        catalogue=ctx.cat,
    )
    profile = _typed_profile(summaries.profile_frame(base))
    records = _typed_records(summaries.records_frame(base))
    if ctx.streets is not None:
        profile = profile.loc[profile["street_code"].isin(ctx.streets)]
        records = records.loc[records["street_code"].isin(ctx.streets)]
    return profile, records


def frames(conn: sa.Connection, ctx: Context, level: str = "city"):
    """(profile, records) for the request: from summaries, or from base tables when as_of
    is set (the profiles hold the whole campaign)."""
    if ctx.filters.as_of is not None:
        return _base_frames(conn, ctx)
    return _summary_profile(conn, ctx, level), _summary_records(conn, ctx, level)


# --- slices -------------------------------------------------------------------------------


def _slices(ctx: Context, by: str) -> list[tuple[str, Slice]]:
    """(key, Slice) per row of a by-category / programme / department table."""
    cat, u, cf = ctx.cat, ctx.universe, ctx.categories
    if by == "category":
        codes = [c for c in cat.categories.code if cf is None or cf >> int(cat.cat_bit[c]) & 1]
        out = []
        for code in codes:
            bit = 1 << int(cat.cat_bit[code])
            out.append((code, Slice(u & cat.serving(bit), bit, ctx.forms)))
        return out
    if by == "programme":
        return [
            (code, Slice(1 << int(cat.prog_bit[code]), cf, ctx.forms))
            for code in cat.programmes.code
            if u >> int(cat.prog_bit[code]) & 1
        ]
    if by == "department":
        return [(d, Slice(u & cat.department_mask([d]), cf, ctx.forms)) for d in ctx.departments]
    return [("city", Slice(u, cf, ctx.forms))]


def _names(conn: sa.Connection, ctx: Context, by: str) -> pd.DataFrame:
    """key, name_zh, name_en and the extra columns of every row the table must show."""
    cat = ctx.cat
    if by == "city":
        return pd.DataFrame({"key": ["city"], "name_zh": [CITY_NAME[0]], "name_en": [CITY_NAME[1]]})
    if by == "district":
        d = schema.districts
        rows = conn.execute(
            sa.select(d.c.code, d.c.name_zh, d.c.name_en, d.c.tile_row, d.c.tile_col).where(
                d.c.code.in_(ctx.districts)
            )
        ).all()
        return _rows(rows, ["key", "name_zh", "name_en", "tile_row", "tile_col"])
    if by == "street":
        s = schema.streets
        query = sa.select(s.c.code, s.c.name_zh, s.c.name_zh, s.c.district_code).where(
            s.c.district_code.in_(ctx.districts)
        )
        if ctx.streets is not None:
            query = query.where(s.c.code.in_(ctx.streets))
        rows = conn.execute(query).all()
        return _rows(rows, ["key", "name_zh", "name_en", "district_code"])
    if by == "category":
        keys = [k for k, _ in _slices(ctx, by)]
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
        keys = [k for k, _ in _slices(ctx, by)]
        p = cat.programmes.set_index("code").loc[keys]
        return pd.DataFrame(
            {
                "key": keys,
                "name_zh": p["name_zh"].to_list(),
                "name_en": p["name_en"].to_list(),
                "department_code": p["department_code"].to_list(),
            }
        )
    d = cat.departments.set_index("code").loc[ctx.departments]
    return pd.DataFrame(
        {
            "key": ctx.departments,
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


def _figure_rows(profile, records, ctx: Context, by: str) -> pd.DataFrame:
    """One row of figures per key (before names are attached)."""
    cat = ctx.cat
    if by in ("district", "street"):
        geo = "district_code" if by == "district" else "street_code"
        sl = Slice(ctx.universe, ctx.categories, ctx.forms)
        people = metrics.person_counts(profile, sl, cat, [geo]).rename(columns={geo: "key"})
        recs = metrics.record_counts(records, sl, cat, [geo]).rename(columns={geo: "key"})
        people = people.loc[people["key"].notna()]
        recs = recs.loc[recs["key"].notna()]
        return people.merge(recs, on="key", how="outer")
    rows = []
    for key, sl in _slices(ctx, by):
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
    ctx = context(conn, scope, filters)
    if ctx is None or not ctx.districts:
        return empty_coverage(by)
    path, kind, keys = _plan(ctx, by)
    if path in ("totals", "day"):
        rows = _cube_rows(conn, ctx, by, kind, keys, day=path == "day")
    else:
        if path == "base":
            profile, records = _base_frames(conn, ctx)
        else:
            level = by if by in ("street", "district") else "city"
            profile = _summary_profile(conn, ctx, level)
            records = _summary_records(conn, ctx, level)
        rows = _figure_rows(profile, records, ctx, by)
    names = _names(conn, ctx, by)
    if names.empty:  # nothing of this dimension is allowed (e.g. no department in scope)
        return empty_coverage(by)
    return _finish(names.merge(rows, on="key", how="left"), by)


def _data_day(conn: sa.Connection, ctx: Context) -> date | None:
    rd = schema.summary_reach_day
    got = conn.execute(
        sa.select(sa.func.max(rd.c.day)).where(*_where_geo(rd, ctx), rd.c.slice_kind == "all")
    ).scalar()
    if isinstance(got, str):
        got = date.fromisoformat(got)
    return got


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
    ctx = context(conn, scope, filters)
    if ctx is None or not ctx.districts:
        return out
    camp = ctx.campaign
    as_of = filters.as_of or _data_day(conn, ctx) or camp["window_start"]
    if not filters.as_of:
        as_of = min(as_of, camp["window_end"])
    expected = metrics.expected_share(as_of, camp["window_start"], ctx.pacing_end)
    cov = out["coverage"]
    out["as_of"] = as_of
    out["days_to_spring_festival"] = (
        (camp["spring_festival"] - as_of).days if camp["spring_festival"] else None
    )
    out["expected_share"] = expected
    out["pacing_status"] = metrics.pacing_status(None if pd.isna(cov) else float(cov), expected)
    return out


# --- time ---------------------------------------------------------------------------------


def _window(ctx: Context) -> list[date]:
    start, end = ctx.campaign["window_start"], ctx.campaign["window_end"]
    if ctx.filters.as_of is not None:
        end = min(end, ctx.filters.as_of)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _first_reach(
    conn: sa.Connection, ctx: Context, slices: list[tuple[str, Slice]]
) -> pd.DataFrame:
    """Exact slow path for time series, straight from the base tables (summaries.reach_days)."""
    base = summaries.read_base(
        conn,
        ctx.campaign_id,
        ctx.districts,
        as_of=ctx.filters.as_of,
        catalogue=ctx.cat,
    )
    return summaries.reach_days(base, slices, ctx.streets, ctx.forms)


def _day_slice(
    conn: sa.Connection, ctx: Context, kind: str, keys: list[str] | None, by_district: bool
) -> pd.DataFrame:
    """Columns key, district_code, day, newly_reached, records, amount_fen from the per-day
    summary, for one slice kind (keys None: all of that kind)."""
    rd = schema.summary_reach_day
    group = [
        rd.c.slice_key,
        rd.c.district_code if by_district else sa.literal("").label("d"),
        rd.c.day,
    ]
    query = (
        sa.select(
            *group,
            sa.func.sum(rd.c.newly_reached),
            sa.func.sum(rd.c.records),
            sa.func.sum(rd.c.amount_fen),
        )
        .where(*_where_geo(rd, ctx), rd.c.slice_kind == kind)
        .group_by(*group)
    )
    if keys is not None:
        query = query.where(rd.c.slice_key.in_(keys))
    if ctx.filters.as_of is not None:
        query = query.where(rd.c.day <= ctx.filters.as_of)
    got = _rows(
        conn.execute(query).all(),
        ["key", "district_code", "day", "newly_reached", "records", "amount_fen"],
    )
    got["day"] = got["day"].map(lambda d: date.fromisoformat(d) if isinstance(d, str) else d)
    return got


def pacing(conn: sa.Connection, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Cumulative reach by day over the campaign window (up to as_of when set): day,
    reached (eligible beneficiaries reached by that day), eligible, share (= coverage by
    that day, NaN when eligible is 0) and expected (metrics.expected_share, against the
    Spring Festival)."""
    ctx = context(conn, scope, filters)
    if ctx is None or not ctx.districts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in PACING_COLUMNS})
    eligible = headline_eligible(conn, ctx)
    one = _cube_slice(ctx, "city")  # forms touch records only: not reach
    if one is not None:
        got = _day_slice(conn, ctx, one[0], one[1], by_district=False)
    else:
        got = _first_reach(conn, ctx, [("city", Slice(ctx.universe, ctx.categories))])
    per_day = got.groupby("day")["newly_reached"].sum() if len(got) else pd.Series(dtype="int64")
    days = _window(ctx)
    before = int(per_day[[d for d in per_day.index if d < days[0]]].sum()) if len(per_day) else 0
    reached = per_day.reindex(days, fill_value=0).cumsum() + before
    out = pd.DataFrame(
        {"day": days, "reached": reached.to_numpy(dtype="int64"), "eligible": eligible}
    )
    out["share"] = metrics.coverage_series(out["reached"], out["eligible"])
    out["expected"] = [
        metrics.expected_share(d, ctx.campaign["window_start"], ctx.pacing_end) for d in days
    ]
    return out


def headline_eligible(conn: sa.Connection, ctx: Context) -> int:
    """Eligible of the city row (time does not change it)."""
    one = _cube_slice(ctx, "city")
    if one is not None:
        return int(_cube_rows(conn, ctx, "city", *one, day=False)["eligible"].sum())
    profile = _summary_profile(conn, ctx, "city")
    return int(
        metrics.person_counts(profile, Slice(ctx.universe, ctx.categories), ctx.cat)["eligible"]
    )


def timeline(
    conn: sa.Connection, scope: Scope, filters: Filters, by: str = "department"
) -> pd.DataFrame:
    """Per day and department (or district): records, amount_yuan and people newly reached
    (first reached that day within that department's programmes, or within the district).
    Days without records or reach are left out."""
    if by not in ("department", "district"):
        raise ValueError("by must be department or district")
    ctx = context(conn, scope, filters)
    if ctx is None or not ctx.districts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TIMELINE_COLUMNS})
    one = None if ctx.forms else _cube_slice(ctx, by)
    if by == "department":
        if one is not None:
            got = _day_slice(conn, ctx, "department", ctx.departments, by_district=False)
        else:
            got = _first_reach(conn, ctx, _slices(ctx, "department"))
        got = (
            got.groupby(["day", "key"])[["newly_reached", "records", "amount_fen"]]
            .sum()
            .reset_index()
        )
        names = ctx.cat.departments.set_index("code")
    else:
        if one is not None:
            got = _day_slice(conn, ctx, one[0], one[1], by_district=True)
        else:
            got = _first_reach(
                conn, ctx, [("city", Slice(ctx.universe, ctx.categories, ctx.forms))]
            )
        got = (
            got.groupby(["day", "district_code"])[["newly_reached", "records", "amount_fen"]]
            .sum()
            .reset_index()
        )
        got = got.rename(columns={"district_code": "key"})
        d = schema.districts
        names = pd.DataFrame(
            conn.execute(sa.select(d.c.code, d.c.name_zh, d.c.name_en)).all(),
            columns=["code", "name_zh", "name_en"],
        ).set_index("code")
    got = got.loc[(got["records"] > 0) | (got["newly_reached"] > 0)]
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
    ctx = context(conn, scope, filters)
    if ctx is None or not ctx.districts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in OVERLAP_COLUMNS})
    profile, _ = frames(conn, ctx)
    cat, sl = ctx.cat, Slice(ctx.universe, ctx.categories)
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
                    if pair_programmes & ctx.universe:
                        counts[(a, b, need)] = counts.get((a, b, need), 0) + int(n)
    rows = [(a, b, need, n) for (a, b, need), n in sorted(counts.items())]
    return pd.DataFrame(rows, columns=OVERLAP_COLUMNS)


def reporting_status(conn: sa.Connection, scope: Scope, filters: Filters) -> pd.DataFrame:
    """Every district × department pair of the scope: records attributed to the district
    of that department's programmes, amount_yuan, last_date (newest import of those records,
    else newest record date; NaT-like None when none) and on_time (records exist and
    last_date <= the campaign's reporting deadline, or no deadline is set)."""
    ctx = context(conn, scope, filters)
    if ctx is None or not ctx.districts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in REPORTING_COLUMNS})
    sr = schema.summary_reporting
    rows = conn.execute(
        sa.select(
            sr.c.district_code,
            sr.c.department_code,
            sr.c.records,
            sr.c.amount_fen,
            sr.c.last_date,
            sr.c.last_submitted,
        ).where(
            sr.c.campaign_id == ctx.campaign_id,
            sr.c.district_code.in_(ctx.districts),
            sr.c.department_code.in_(ctx.departments),
        )
    ).all()
    got = pd.DataFrame(
        rows,
        columns=[
            "district_code",
            "department_code",
            "records",
            "amount_fen",
            "last_date",
            "last_submitted",
        ],
    )
    grid = pd.MultiIndex.from_product(
        [ctx.districts, ctx.departments], names=["district_code", "department_code"]
    ).to_frame(index=False)
    out = grid.merge(got, on=["district_code", "department_code"], how="left")
    out["records"] = out["records"].fillna(0).astype("int64")
    out["amount_yuan"] = out["amount_fen"].fillna(0).astype("float64") / 100
    out["last_date"] = [
        s if s is not None and not pd.isna(s) else (d if d is not None and not pd.isna(d) else None)
        for s, d in zip(out["last_submitted"], out["last_date"], strict=True)
    ]
    deadline = ctx.campaign["reporting_deadline"]
    out["on_time"] = [
        bool(r > 0 and (deadline is None or (d is not None and d <= deadline)))
        for r, d in zip(out["records"], out["last_date"], strict=True)
    ]
    return out[REPORTING_COLUMNS]


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
    "streets": ["code", "district_code", "name_zh", "kind"],
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
