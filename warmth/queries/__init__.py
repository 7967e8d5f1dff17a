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

The modules: `tables` (coverage, headline, and the frames and slices they count on), `time`
(pacing, timeline), `matrices` (overlap matrix, reporting status), `reference` (reference
tables, campaigns). Everything is used as `queries.<name>`.
"""

from warmth.queries.matrices import (
    OVERLAP_COLUMNS,
    REPORTING_COLUMNS,
    _submitted_days,
    overlap_matrix,
    reporting_status,
)
from warmth.queries.reference import CAMPAIGN_COLUMNS, REFERENCE, campaigns, reference
from warmth.queries.tables import (
    BYS,
    CITY_NAME,
    COVERAGE_COLUMNS,
    EPOCH,
    EXTRA_COLUMNS,
    PERSON_COLUMNS,
    RECORD_COLUMNS,
    _names,
    _open,
    _rows,
    _slices,
    coverage,
    coverage_of,
    empty_coverage,
    frames,
    headline,
    resolve,
)
from warmth.queries.time import PACING_COLUMNS, TIMELINE_COLUMNS, pacing, timeline

__all__ = [
    "BYS",
    "CAMPAIGN_COLUMNS",
    "CITY_NAME",
    "COVERAGE_COLUMNS",
    "EPOCH",
    "EXTRA_COLUMNS",
    "OVERLAP_COLUMNS",
    "PACING_COLUMNS",
    "PERSON_COLUMNS",
    "RECORD_COLUMNS",
    "REFERENCE",
    "REPORTING_COLUMNS",
    "TIMELINE_COLUMNS",
    "_names",
    "_open",
    "_rows",
    "_slices",
    "_submitted_days",
    "campaigns",
    "coverage",
    "coverage_of",
    "empty_coverage",
    "frames",
    "headline",
    "overlap_matrix",
    "pacing",
    "reference",
    "reporting_status",
    "resolve",
    "timeline",
]
