"""Figures over time: pacing (cumulative reach per day against the expected share) and
the daily timeline by department or district."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warmth import metrics, schema
from warmth.metrics import Slice
from warmth.queries.tables import _open, frames
from warmth.request import Request
from warmth.scope import Filters, Scope
from warmth.snapshot import series
from warmth.snapshot.city import EPOCH

PACING_COLUMNS = ["day", "reached", "eligible", "share", "expected"]
TIMELINE_COLUMNS = ["day", "key", "name_zh", "name_en", "records", "amount_yuan", "newly_reached"]


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
