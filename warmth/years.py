"""This campaign beside the previous one: the coverage table with last year's figures and
the change, the pacing curve of both years aligned by days to the Spring Festival, and the
people reached last year, eligible this year and not yet reached ("left out this year").

Both years are answered from their own snapshots with the same definitions
(warmth.queries, warmth.metrics): the request is resolved once per campaign with the same
scope and filters. With a cut-off date, last year counts its records up to the same number
of days before (or after) its Spring Festival (the festival moves between the years: 18 days
from 2004 to 2005), so "by now" means the same point of the season; without one, both whole
campaigns count. People are matched across the years by ID number.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warmth import campaigns, queries, schema
from warmth.request import Request, resolve
from warmth.scope import Filters, Scope
from warmth.snapshot import matches, people, store
from warmth.snapshot.city import City
from warmth.snapshot.people import Members

FIGURES = ("eligible", "reached", "coverage", "omitted", "amount_yuan")
BYS = ("city", "district", "street", "category", "programme", "department")
PACING_COLUMNS = ["days_to_festival", "day", "share", "expected", "day_prev", "share_prev"]


def compare_columns(by: str) -> list[str]:
    """The columns of compare(by): key, names, the dimension's extra columns, then per
    figure this campaign's value, the previous one's (`_prev`) and the change (`_change`)."""
    per = [f"{f}{s}" for f in FIGURES for s in ("", "_prev", "_change")]
    return ["key", "name_zh", "name_en", *queries.EXTRA_COLUMNS[by], *per]


def previous_campaign(conn: sa.Connection, this: dict | None) -> dict | None:
    """The campaign whose window starts last before this one's; None when there is none."""
    if this is None:
        return None
    c = schema.campaigns
    row = (
        conn.execute(
            sa.select(c)
            .where(c.c.window_start < this["window_start"])
            .order_by(c.c.window_start.desc(), c.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


def pair(conn: sa.Connection, filters: Filters, previous: str | None = None):
    """(this campaign, the one compared with): the filters' campaign (else the newest) and
    `previous` (else the one before it); either may be None."""
    this = campaigns.campaign(conn, filters.campaign)
    before = campaigns.campaign(conn, previous) if previous else previous_campaign(conn, this)
    return this, before


def aligned_day(day: date | None, this: dict, before: dict) -> date | None:
    """The day of the previous campaign as many days from its Spring Festival as `day` is
    from this one's (the window's start when a campaign has no festival date)."""
    if day is None:
        return None
    mark = this["spring_festival"] or this["window_start"]
    then = before["spring_festival"] or before["window_start"]
    return then + (day - mark)


def previous_filters(filters: Filters, this: dict, before: dict) -> Filters:
    """The same filters for the previous campaign, at the aligned day."""
    return replace(filters, campaign=before["code"], as_of=aligned_day(filters.as_of, this, before))


def compare(
    conn: sa.Connection, scope: Scope, filters: Filters, by: str, previous: str | None = None
) -> pd.DataFrame:
    """The coverage table by `by` (queries.coverage) of this campaign beside the previous
    one: compare_columns(by), one row per key of either year, sorted by key. A change is
    this − previous (coverage in fractions: 0.05 is 5 points); a figure of a year with no
    such row is 0 (NaN for coverage, and for every change when there is no previous
    campaign)."""
    if by not in BYS:
        raise ValueError(f"by must be one of {', '.join(BYS)}")
    this, before = pair(conn, filters, previous)
    req = resolve(conn, scope, filters)
    now = then = queries.empty_coverage(by)
    if req is not None and req.districts:  # one request for both years: only the campaign
        shown = queries._names(conn, req, by)  # and the day differ
        now = queries.coverage_of(conn, req, by, shown)
        if before is not None:
            earlier = replace(req, campaign=before, filters=previous_filters(filters, this, before))
            then = queries.coverage_of(conn, earlier, by, shown)
    names = ["name_zh", "name_en", *queries.EXTRA_COLUMNS[by]]
    merged = now[["key", *names, *FIGURES]].merge(
        then[["key", *names, *FIGURES]], on="key", how="outer", suffixes=("", "_then")
    )
    for c in names:
        merged[c] = merged[c].where(merged[c].notna(), merged[f"{c}_then"])
    for f in FIGURES:
        fill = np.nan if f == "coverage" else 0
        cur = merged[f].astype("float64").fillna(fill)
        old = merged[f"{f}_then"].astype("float64").fillna(fill)
        if before is None:
            old = pd.Series(np.nan, index=merged.index)
        merged[f] = cur
        merged[f"{f}_prev"] = old
        merged[f"{f}_change"] = cur - old
    for f in ("eligible", "reached", "omitted"):
        merged[f] = merged[f].astype("int64")
    out = merged[compare_columns(by)].sort_values("key", kind="stable")
    return out.reset_index(drop=True)


def pacing_compare(
    conn: sa.Connection, scope: Scope, filters: Filters, previous: str | None = None
) -> pd.DataFrame:
    """The pacing curve (queries.pacing) of this campaign and of the previous one on one
    axis, days to the Spring Festival (negative before it): PACING_COLUMNS, one row per
    day of either window (a day outside one year's window has no value for it)."""
    this, before = pair(conn, filters, previous)
    now = _to_festival(queries.pacing(conn, scope, filters), this)
    if this is None or before is None:
        then = now.iloc[0:0]
    else:
        then = _to_festival(
            queries.pacing(conn, scope, previous_filters(filters, this, before)), before
        )
    then = then.rename(columns={"day": "day_prev", "share": "share_prev"})
    merged = now[["days_to_festival", "day", "share", "expected"]].merge(
        then[["days_to_festival", "day_prev", "share_prev"]], on="days_to_festival", how="outer"
    )
    merged["days_to_festival"] = merged["days_to_festival"].astype("int64")
    return merged[PACING_COLUMNS].sort_values("days_to_festival").reset_index(drop=True)


def _to_festival(pace: pd.DataFrame, camp: dict | None) -> pd.DataFrame:
    pace = pace.copy()
    mark = (camp or {}).get("spring_festival") or (camp or {}).get("window_start")
    pace["days_to_festival"] = [(d - mark).days for d in pace["day"]] if mark else []
    return pace


# --- people across the years -------------------------------------------------------------


def matched_rows(conn: sa.Connection, city: City, before: City) -> np.ndarray:
    """Per person of `city`: their row in `before` (the same ID number registered in that
    campaign), -1 for none; computed once per pair of registers and kept on disk
    (warmth.snapshot.matches)."""
    return matches.rows(conn, city, before)


def reached_before(conn: sa.Connection, city: City, req: Request) -> np.ndarray | None:
    """Per person of `city`: reached in the previous campaign (anywhere in the city, by a
    programme of the request's slice); None when there is no previous campaign."""
    before = previous_campaign(conn, req.campaign)
    if before is None:
        return None
    then = store.city(conn, before["id"])
    key = ("reached_before", then.campaign_id, then.version, req.universe, req.categories)
    return city._kept(key, lambda: _reached_before(conn, city, then, req, before), big=True)


def _reached_before(conn, city: City, then: City, req: Request, before: dict) -> np.ndarray:
    wide = replace(
        req,
        campaign=before,
        districts=then.codes.districts,
        streets=None,
        filters=replace(req.filters, campaign=before["code"], as_of=None),
    )
    was = people._person(then, wide).reached
    match = matched_rows(conn, city, then)
    known = match >= 0
    out = np.zeros(len(city.people), dtype=bool)
    out[known] = was[match[known]]
    return out


def left_out(conn: sa.Connection, city: City, req: Request) -> Members:
    """Reached last year, eligible this year and not (yet) reached: the omission list's
    members (warmth.snapshot.people.omission) who were reached in the previous campaign;
    kept per snapshot and request (the day, the slice, the districts and streets)."""
    before = previous_campaign(conn, req.campaign)
    then = (before["id"], store.city(conn, before["id"]).version) if before else None
    key = ("left_out", then, req.as_of, req.universe, req.categories, req.districts, req.streets)
    return city._kept(key, lambda: _left_out(conn, city, req), big=True)


def _left_out(conn: sa.Connection, city: City, req: Request) -> Members:
    x = people._person(city, req)
    was = reached_before(conn, city, req)
    chosen = x.eligible & ~x.reached & (was if was is not None else False)
    return people._members(city, req, chosen, city.people.home.astype("int64"))


def left_out_count(conn: sa.Connection, scope: Scope, filters: Filters) -> int:
    """How many are left out this year (left_out) in the viewer's scope and filters."""
    req = resolve(conn, scope, filters)
    if req is None or not req.districts:
        return 0
    return len(left_out(conn, store.city(conn, req.campaign_id), req))
