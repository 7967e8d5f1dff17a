"""The data-quality scorecard per district, after the WHO data quality review used with
DHIS2 (definitions, thresholds and their sources: warmth.definition.QUALITY):

- completeness: departments that reported of those expected;
- timeliness: records submitted after the campaign's reporting deadline;
- consistency over time: reached this campaign against the previous one, flagged beyond
  ±CONSISTENCY_THRESHOLD;
- outliers: amounts far from the programme's standard (modified z-score > OUTLIER_Z);
- records whose ID number matches nobody on the register.

A record counts under its attribution district (warmth.snapshot.city: the beneficiary's
when it matches, else the delivering district). The scorecard is about what was submitted:
of the filters only the districts, the departments (completeness) and the cut-off date
(consistency, at the same point of last year's season) apply. Computed on the snapshots.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warmth import metrics, queries, schema, years
from warmth.definition import CONSISTENCY_THRESHOLD, OUTLIER_Z
from warmth.scope import Filters, Scope
from warmth.snapshot.city import City

SCORECARD_COLUMNS = [
    "key",
    "name_zh",
    "name_en",
    "departments_expected",
    "departments_reported",
    "completeness",
    "records",
    "late_records",
    "late_share",
    "reached",
    "reached_prev",
    "consistency_change",
    "consistency_flag",
    "outlier_records",
    "outlier_share",
    "unmatched_records",
    "unmatched_share",
]
MAD_SCALE = 0.6745  # Iglewicz–Hoaglin: MAD of a normal distribution is 0.6745 σ
MEAN_AD_SCALE = 1.253314  # mean absolute deviation of a normal distribution is 0.7979 σ


def modified_z(amounts: np.ndarray, centre: float | None = None) -> np.ndarray:
    """Iglewicz–Hoaglin modified z-scores of amounts around `centre` (None: their median):
    0.6745 × |x − centre| ÷ MAD, or |x − centre| ÷ (1.253314 × mean absolute deviation) when
    the MAD is 0; all 0 when every amount is the centre."""
    x = np.asarray(amounts, dtype="float64")
    if not len(x):
        return x
    mid = float(np.median(x)) if centre is None else float(centre)
    dev = np.abs(x - mid)
    mad = float(np.median(dev))
    if mad > 0:
        return MAD_SCALE * dev / mad
    mean_ad = float(dev.mean())
    return dev / (MEAN_AD_SCALE * mean_ad) if mean_ad > 0 else np.zeros(len(x))


def _standards(conn: sa.Connection) -> dict[int, int | None]:
    p = schema.programmes
    return dict(conn.execute(sa.select(p.c.bit, p.c.standard_amount_fen)).all())


def _outliers(city: City, standards: dict[int, int | None]) -> np.ndarray:
    """Per record: its amount is an outlier of its programme (over the whole city)."""
    rec = city.records
    out = np.zeros(len(rec), dtype=bool)
    for bit in np.unique(rec.pbit):
        mine = np.flatnonzero(rec.pbit == bit)
        out[mine] = modified_z(rec.amount_fen[mine], standards.get(int(bit))) > OUTLIER_Z
    return out


def _record_counts(city: City, conn: sa.Connection, deadline) -> dict[str, np.ndarray]:
    """Per district (code position): records, late, outlier and unmatched records."""
    rec = city.records
    n = len(city.codes.districts)
    submitted = queries._submitted_days(conn, city.campaign_id)
    batch_day = np.full(int(rec.batch_id.max(initial=0)) + 2, -1, dtype="int64")
    for batch, day in submitted.items():
        if 0 <= batch < len(batch_day):
            batch_day[batch] = day
    day = np.where(rec.batch_id >= 0, batch_day[np.maximum(rec.batch_id, 0)], -1)
    day = np.where(day >= 0, day, rec.day)
    late = (
        day > (deadline - queries.EPOCH).days if deadline is not None else np.zeros(len(rec), bool)
    )
    ok = rec.att >= 0
    where = rec.att[ok].astype("int64")

    def count(flag: np.ndarray) -> np.ndarray:
        return np.bincount(where[flag[ok]], minlength=n)

    return {
        "records": np.bincount(where, minlength=n),
        "late_records": count(late),
        "outlier_records": count(_outliers(city, _standards(conn))),
        "unmatched_records": count(~city.people.registered[rec.person]),
    }


def _department_of_bits(cat, departments: tuple[str, ...]) -> np.ndarray:
    """Per programme bit: the position of its department in `departments` (-1: another)."""
    out = np.full(64, -1, dtype="int64")
    for i, dept in enumerate(departments):
        mask = cat.department_mask([dept])
        out[[b for b in range(64) if mask >> b & 1]] = i
    return out


def _eligible_grid(city: City, cat, departments: tuple[str, ...]) -> np.ndarray:
    """(district, department): a registered beneficiary of the district is in a category
    one of the department's programmes serves (metrics.eligible of that department's
    slice); the same for every request of a snapshot."""
    p, m = city.people, city.people.n_registered
    pairs = np.unique(p.home[:m].astype("int64") << 32 | p.cat_mask[:m].astype("int64"))
    home, masks = pairs >> 32, pairs & 0xFFFFFFFF
    grid = np.zeros((len(city.codes.districts), len(departments)), dtype=bool)
    for i, dept in enumerate(departments):
        served = cat.served_categories(cat.department_mask([dept]))
        grid[home[(masks & served) != 0], i] = True
    return grid


def _records_grid(city: City, cat, departments: tuple[str, ...], as_of) -> np.ndarray:
    """(district, department): records of the department's programmes count there (under
    their attribution district, up to as_of); kept per snapshot, departments and day."""
    key = ("records_grid", departments, as_of)
    return city._kept(key, lambda: _count_records(city, cat, departments, as_of))


def _count_records(city: City, cat, departments: tuple[str, ...], as_of) -> np.ndarray:
    rec = city.records
    dept = _department_of_bits(cat, departments)[rec.pbit.astype("int64")]
    ok = (rec.att >= 0) & (dept >= 0)
    window = city.in_window(as_of)
    if window is not None:
        ok &= window
    size = len(departments)
    cells = rec.att[ok].astype("int64") * size + dept[ok]
    counts = np.bincount(cells, minlength=len(city.codes.districts) * size)
    return counts.reshape(-1, size) > 0


def _departments(conn, scope, city, req, before: dict | None):
    """Per district of the request (code position): the departments expected (an eligible
    beneficiary of theirs is registered there and, when the previous campaign holds
    records, they reported there then) and those of them that reported (records of theirs
    count there), as boolean (district, department) grids over req.departments."""
    depts = req.departments
    expected = city._static(
        ("eligible_grid", depts), lambda: _eligible_grid(city, req.cat, depts)
    ).copy()
    if before is not None:
        earlier = queries._open(conn, scope, replace(req.filters, campaign=before["code"]))
        if earlier is not None and len(earlier[1].records):
            then_req, then = earlier
            expected &= _records_grid(then, req.cat, depts, then_req.as_of)
    return expected, expected & _records_grid(city, req.cat, depts, req.as_of)


def scorecard(
    conn: sa.Connection, scope: Scope, filters: Filters, previous: str | None = None
) -> pd.DataFrame:
    """The scorecard (SCORECARD_COLUMNS), one row per district of the request, sorted by
    code. Shares are fractions (NaN when their denominator is 0); consistency_change is
    reached ÷ reached_prev − 1 (NaN without a previous campaign or when it reached nobody)
    and consistency_flag whether it is beyond ±CONSISTENCY_THRESHOLD (None when NaN)."""
    wanted = Filters(
        campaign=filters.campaign,
        districts=filters.districts,
        departments=filters.departments,
        as_of=filters.as_of,
    )
    opened = queries._open(conn, scope, wanted)
    if opened is None:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SCORECARD_COLUMNS})
    req, city = opened
    deadline = req.campaign["reporting_deadline"]
    counts = city._static(("quality", deadline), lambda: _record_counts(city, conn, deadline))
    expected, reported = _departments(conn, scope, city, req, years.pair(conn, wanted, previous)[1])
    both = years.compare(conn, scope, replace(wanted, departments=()), "district", previous)
    both = both.set_index("key")
    pos = {d: i for i, d in enumerate(city.codes.districts)}
    rows = []
    for d in req.districts:
        k = pos[d]
        n = int(counts["records"][k])
        now = int(both.at[d, "reached"]) if d in both.index else 0
        then = float(both.at[d, "reached_prev"]) if d in both.index else float("nan")
        change = now / then - 1 if then == then and then > 0 else float("nan")
        rows.append(
            {
                "key": d,
                "departments_expected": int(expected[k].sum()),
                "departments_reported": int(reported[k].sum()),
                "records": n,
                **{c: int(counts[c][k]) for c in counts if c != "records"},
                "reached": now,
                "reached_prev": then,
                "consistency_change": change,
                "consistency_flag": None
                if change != change
                else bool(abs(change) > CONSISTENCY_THRESHOLD),
            }
        )
    out = pd.DataFrame(rows)
    names = both.reindex(list(req.districts))[["name_zh", "name_en"]].reset_index(drop=True)
    out["name_zh"], out["name_en"] = names["name_zh"], names["name_en"]
    out["completeness"] = _share(out["departments_reported"], out["departments_expected"])
    for c in ("late", "outlier", "unmatched"):
        out[f"{c}_share"] = _share(out[f"{c}_records"], out["records"])
    return out[SCORECARD_COLUMNS].sort_values("key").reset_index(drop=True)


def _share(part: pd.Series, whole: pd.Series) -> pd.Series:
    return metrics.coverage_series(part, whole)


def summary(card: pd.DataFrame) -> dict[str, int]:
    """What a scorecard says in four numbers (the page's cards, a presentation slide's
    headline): districts with completeness under 100 %, districts with late records,
    districts flagged for consistency, and outlier records."""
    flags = card["consistency_flag"].astype(object)
    return {
        "incomplete": int((card["completeness"] < 1).sum()),
        "late_districts": int((card["late_records"] > 0).sum()),
        "inconsistent": int(sum(bool(v) for v in flags if v is not None and v == v)),
        "outliers": int(card["outlier_records"].sum()),
    }
