"""Everything a meeting is shown, for one viewer's scope and filters: the aggregate frames
of warmth.queries (the same calls the pages make), gathered once."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from warmth import campaigns, metrics, quality, queries
from warmth.scope import Filters, Scope


@dataclass(frozen=True)
class Facts:
    """The figures of one request: headline (queries.headline), coverage by district,
    street, department and category, cumulative pacing, reach by day and department, and
    who has reported (queries.reporting_status), and the data-quality scorecard per
    district (warmth.quality.scorecard)."""

    scope: Scope
    filters: Filters
    campaign: dict
    headline: dict
    by_district: pd.DataFrame
    by_street: pd.DataFrame
    by_department: pd.DataFrame
    by_category: pd.DataFrame
    pacing: pd.DataFrame
    daily: pd.DataFrame
    reporting: pd.DataFrame
    scorecard: pd.DataFrame

    @property
    def expected(self) -> float | None:
        """The share of the window elapsed on the as-of day (the pace line)."""
        return self.headline.get("expected_share")

    @property
    def as_of(self):
        return self.headline.get("as_of")

    @property
    def district_names(self) -> dict[str, dict[str, str]]:
        """{"zh": {code: name}, "en": {code: name}} of the districts in the request."""
        d = self.by_district
        return {
            "zh": dict(zip(d["key"], d["name_zh"], strict=True)),
            "en": dict(zip(d["key"], d["name_en"].fillna(d["name_zh"]), strict=True)),
        }


def gather(conn: sa.Connection, scope: Scope, filters: Filters) -> Facts | None:
    """The Facts of a request; None when the campaign does not exist (an unknown code).
    The reference tables are read once for all its queries (metrics.catalogue_held)."""
    found = campaigns.campaign(conn, filters.campaign)
    if found is None:
        return None
    with metrics.catalogue_held(conn):
        return Facts(
            scope=scope,
            filters=filters,
            campaign=found,
            headline=queries.headline(conn, scope, filters),
            by_district=queries.coverage(conn, scope, filters, "district"),
            by_street=queries.coverage(conn, scope, filters, "street"),
            by_department=queries.coverage(conn, scope, filters, "department"),
            by_category=queries.coverage(conn, scope, filters, "category"),
            pacing=queries.pacing(conn, scope, filters),
            daily=queries.timeline(conn, scope, filters, by="department"),
            reporting=queries.reporting_status(conn, scope, filters),
            scorecard=quality.scorecard(conn, scope, filters),
        )
