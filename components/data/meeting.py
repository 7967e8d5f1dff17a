"""Across campaigns, data quality, and the meeting: slides, briefing, chart pictures."""

from __future__ import annotations

import pandas as pd

from components.data.base import allowed, cached, engine, run_version, viewer, with_name
from components.figures import figure  # noqa: F401  (data.figure, for pages)
from components.outage import guarded
from warmth import (
    briefing,
)
from warmth import campaigns as core_campaigns
from warmth.briefing import facts
from warmth.briefing.facts import Facts
from warmth.config import database_url
from warmth.scope import Filters, Scope

# ---- across campaigns and data quality (warmth.years, warmth.quality, warmth.indicators) ---


@cached
def _yearly(
    url: str, version: int, what: str, scope: Scope, filters: Filters, lang: str, by: str
) -> pd.DataFrame:
    from warmth import indicators, quality, years

    with engine(url).connect() as conn:
        if what == "compare":
            frame = years.compare(conn, scope, filters, by)
        elif what == "pacing":
            frame = years.pacing_compare(conn, scope, filters)
        elif what == "scorecard":
            frame = quality.scorecard(conn, scope, filters)
        else:
            frame = indicators.indicators(conn, scope, filters, by)
    return with_name(frame, lang)


@guarded
def yearly(what: str, scope: Scope, filters: Filters, lang: str, by: str = "district"):
    """ "compare" (this campaign beside the previous one, by `by`), "pacing" (both years by
    days to the Spring Festival), "scorecard" (data quality per district) or "indicators"
    (the standard indicators by `by`)."""
    return _yearly(database_url(), run_version(), what, allowed(scope), filters, lang, by)


@cached
def _previous(url: str, version: int, code: str | None) -> dict | None:
    from warmth import years

    with engine(url).connect() as conn:
        return years.previous_campaign(conn, core_campaigns.campaign(conn, code))


@guarded
def previous_campaign(code: str | None) -> dict | None:
    """The campaign before the one with this code (else before the newest); None if none."""
    return _previous(database_url(), run_version(), code)


# ---- the meeting: slides, briefing, chart pictures ------------------------------------------


@cached
def _facts(url: str, version: int, scope: Scope, filters: Filters) -> Facts | None:
    with viewer(url, scope) as conn:
        return facts.gather(conn, scope, filters)


@guarded
def meeting_facts(scope: Scope, filters: Filters) -> Facts | None:
    """Everything the slides show (warmth.briefing.facts), for the scope and filters."""
    return _facts(database_url(), run_version(), allowed(scope), filters)


class BriefingMaker:
    """Makes the briefing PDF when called, for a deferred download: it opens the database
    itself (a download is served outside the script's run), and it is made afresh each
    time, so its figures and its time stamp are those of the click. `pages`: the number of
    pages of the last one made (the audit row's count)."""

    def __init__(self, scope: Scope, filters: Filters, lang: str):
        self.url, self.who = database_url(), allowed(scope)
        self.filters, self.lang, self.pages = filters, lang, 0

    def __call__(self) -> bytes:
        with viewer(self.url, self.who) as conn:
            doc = briefing.briefing(conn, self.who, self.filters, self.lang)
        self.pages = doc.pages if doc is not None else 0
        return doc.pdf if doc is not None else b""


def briefing_maker(scope: Scope, filters: Filters, lang: str) -> BriefingMaker:
    """The viewer's briefing, made when called (BriefingMaker)."""
    return BriefingMaker(scope, filters, lang)
