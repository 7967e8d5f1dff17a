"""The standard indicators (after the World Bank's ASPIRE definitions, adapted to an
administrative register; definitions in warmth.definition.STANDARD) by district, street,
category, programme or department, from the coverage table of the same request.

Incidence is a share of the request's total (the city row of the same scope and filters):
by district the shares add up to 100 %, by category they need not (one person, or one
record, can count under two categories).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import sqlalchemy as sa

from warmth import metrics, queries
from warmth.scope import Filters, Scope

INDICATORS = (
    "beneficiary_incidence",
    "benefit_incidence",
    "average_aid_yuan",
    "exclusion_error",
    "inclusion_error",
)
INDICATOR_COLUMNS = [
    "key",
    "name_zh",
    "name_en",
    "eligible",
    "reached",
    "omitted",
    "leakage_beneficiaries",
    "matched_amount_yuan",
    *INDICATORS,
]


def _matched_fen(conn: sa.Connection, scope: Scope, filters: Filters, by: str) -> pd.Series:
    """Amount (fen) of the matching records per key of `by` (as queries.coverage counts
    records, restricted to those that match)."""
    opened = queries._open(conn, scope, filters)
    if opened is None:
        return pd.Series(dtype="float64")
    req, city = opened
    level = by if by in ("street", "district") else "city"
    _, records = queries.frames(city, req, level)
    records = records.loc[records["matching"].to_numpy(dtype=bool)]
    cat = req.cat
    if by in ("district", "street"):
        geo = f"{by}_code"
        got = metrics.record_counts(records, req.slice, cat, [geo])
        got = got.loc[got[geo].notna()]
        return pd.Series(got["amount_fen"].to_numpy("float64"), index=got[geo].to_numpy())
    pairs = queries._slices(req, by)
    return pd.Series(
        [float(metrics.record_counts(records, sl, cat)["amount_fen"]) for _, sl in pairs],
        index=[k for k, _ in pairs],
        dtype="float64",
    )


def with_indicators(table: pd.DataFrame, matched_fen: pd.Series, total: dict) -> pd.DataFrame:
    """INDICATOR_COLUMNS from a coverage table, the matching amount (fen) per key and the
    request's totals (reached, matched_fen)."""
    out = table[["key", "name_zh", "name_en", "eligible", "reached", "omitted"]].copy()
    out["leakage_beneficiaries"] = table["leakage_beneficiaries"].astype("int64")
    fen = table["key"].map(matched_fen).fillna(0).astype("float64")
    out["matched_amount_yuan"] = fen / 100
    reached = out["reached"].astype("float64")
    out["beneficiary_incidence"] = _ratio(reached, float(total["reached"]))
    out["benefit_incidence"] = _ratio(fen, float(total["matched_fen"]))
    out["average_aid_yuan"] = (fen / 100) / reached.where(reached > 0)
    out["exclusion_error"] = 1 - metrics.coverage_series(out["reached"], out["eligible"])
    aided = reached + out["leakage_beneficiaries"].astype("float64")
    out["inclusion_error"] = out["leakage_beneficiaries"] / aided.where(aided > 0)
    return out[INDICATOR_COLUMNS].reset_index(drop=True)


def _ratio(part: pd.Series, whole: float) -> pd.Series:
    return part / whole if whole > 0 else pd.Series(np.nan, index=part.index)


def indicators(conn: sa.Connection, scope: Scope, filters: Filters, by: str) -> pd.DataFrame:
    """The standard indicators by `by` (INDICATOR_COLUMNS, sorted by key; shares are
    fractions, NaN when undefined); by "city", the request's totals."""
    table = queries.coverage(conn, scope, filters, by)
    city = queries.coverage(conn, scope, filters, "city")
    city_fen = _matched_fen(conn, scope, filters, "city")
    total = {
        "reached": int(city["reached"].sum()) if len(city) else 0,
        "matched_fen": float(city_fen.sum()),
    }
    matched = city_fen if by == "city" else _matched_fen(conn, scope, filters, by)
    return with_indicators(table, matched, total)
