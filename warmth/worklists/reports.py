"""Whole lists for `warmth report gaps`: every row, masked, as frames, CSV or JSON."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import TextIO

import pandas as pd
import sqlalchemy as sa

from warmth.exports import escape_cell
from warmth.request import resolve
from warmth.scope import Filters, Scope
from warmth.worklists._common import COLUMNS, FORMATS, KINDS, REPORT_CHUNK, list_frame, mask_frame
from warmth.worklists.chosen import chosen, page_rows
from warmth.worklists.leakage import leakage_finish
from warmth.worklists.omission import omission_finish
from warmth.worklists.overlaps import overlap_finish
from warmth.worklists.registrations import cross_district_query
from warmth.worklists.repeats import repeat_finish
from warmth.worklists.slicing import sql_slice

_FINISHERS = {
    "omission": omission_finish,
    "repeat": repeat_finish,
    "overlap": overlap_finish,
    "leakage": leakage_finish,
    "left-out": omission_finish,
}


def iter_frames(
    conn: sa.Connection, scope: Scope, filters: Filters, kind: str, *, unmask: bool = False
) -> Iterator[pd.DataFrame]:
    """Every row of a list, as masked frames of up to REPORT_CHUNK rows."""
    if kind not in KINDS:
        raise ValueError(f"unknown list {kind!r}; one of {', '.join(KINDS)}")
    if kind == "cross-district":
        lst = cross_district_query(conn, sql_slice(conn, resolve(conn, scope, filters)))
        if lst.stmt is None:
            yield list_frame([], kind)
            return
        sent = False
        result = conn.execution_options(yield_per=REPORT_CHUNK).execute(lst.stmt)
        for part in result.partitions(REPORT_CHUNK):
            sent = True
            frame = list_frame(lst.finish(conn, list(part)), kind)
            yield mask_frame(conn, lst.campaign_id, frame, scope, unmask)
        if not sent:
            yield list_frame([], kind)
        return
    got = chosen(conn, scope, filters, kind, _FINISHERS[kind])
    if got is None or not len(got[1]):
        yield list_frame([], kind)
        return
    city, members, finish = got
    for start in range(0, len(members), REPORT_CHUNK):
        shown = page_rows(conn, city, members, start, REPORT_CHUNK)
        seals = {row.id_number: row.id_cipher for row in shown if row.id_cipher is not None}
        rows = finish(conn, city, shown)
        yield mask_frame(conn, city.campaign_id, list_frame(rows, kind), scope, unmask, seals)


def _json_value(value: object) -> object:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def report_gaps(
    conn: sa.Connection,
    scope: Scope,
    filters: Filters,
    kind: str,
    fmt: str,
    out: TextIO,
) -> None:
    """`warmth report gaps`: every row of one list (masked) written to a text stream as CSV
    (with header, formula cells quoted) or a JSON array of objects."""
    write_gaps(conn, scope, filters, kind, fmt, out)


def write_gaps(
    conn: sa.Connection,
    scope: Scope,
    filters: Filters,
    kind: str,
    fmt: str,
    out: TextIO,
) -> int:
    """report_gaps, returning the number of rows written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    columns = COLUMNS.get(kind)
    if kind not in KINDS or columns is None:
        raise ValueError(f"unknown list {kind!r}; one of {', '.join(KINDS)}")
    count = 0
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for frame in iter_frames(conn, scope, filters, kind):
            for row in frame.itertuples(index=False):
                writer.writerow(["" if _json_value(v) is None else escape_cell(v) for v in row])
                count += 1
        return count
    out.write("[")
    for frame in iter_frames(conn, scope, filters, kind):
        for row in frame.to_dict("records"):
            out.write(",\n" if count else "\n")
            out.write(json.dumps({k: _json_value(v) for k, v in row.items()}, ensure_ascii=False))
            count += 1
    out.write("\n]\n" if count else "]\n")
    return count
