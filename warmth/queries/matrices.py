"""The matrices: departments overlapping for one need, and who has reported (district ×
department)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warmth import metrics, schema
from warmth.metrics import Slice
from warmth.queries.tables import _open, frames
from warmth.scope import Filters, Scope
from warmth.snapshot import series
from warmth.snapshot.city import EPOCH, City

OVERLAP_COLUMNS = ["dept_a", "dept_b", "need", "beneficiaries"]
REPORTING_COLUMNS = [
    "district_code",
    "department_code",
    "records",
    "amount_yuan",
    "last_date",
    "on_time",
]


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
