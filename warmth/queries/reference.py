"""Reference tables and the campaigns, as frames."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from warmth import schema
from warmth.queries.tables import _rows

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
    "streets": ["code", "district_code", "name_zh", "name_en", "kind"],
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
