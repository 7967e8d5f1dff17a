"""The meeting's material, made without streamlit: the slides' content and the briefing.

- `facts.gather(conn, scope, filters) -> Facts`: every aggregate a meeting is shown (the
  warmth.queries calls the pages make), for one viewer's scope and filters;
- `deck`: the fixed sequence of slides (SLIDES) and, per slide, its charts (`charts`) and
  tables (`behind_districts`, `behind_streets`, `text_table`), small counts as "<5";
- `render.png(fig)` / `render.pictures(figs)`: charts drawn on the server by kaleido in Chromium;
- `pdf.build(facts, lang) -> Document`: the A4 briefing (its bytes and page count);
- `briefing(conn, scope, filters, lang) -> Document | None` below: gather and build in one,
  and `audit_detail` for the audit row every briefing leaves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line starts the browser (render) before it imports these
    import sqlalchemy as sa

    from warmth.scope import Filters, Scope


def briefing(conn: sa.Connection, scope: Scope, filters: Filters, lang: str):
    """The briefing of a viewer's scope and filters (a pdf.Document: its bytes and its
    number of pages); None when the campaign is unknown or the scope sees nothing."""
    from warmth.briefing import facts, pdf

    if scope.is_empty:
        return None
    found = facts.gather(conn, scope, filters)
    return None if found is None else pdf.build(found, lang)


def audit_detail(filters: Filters, lang: str, via: str) -> dict:
    """What the audit row of a briefing records (the format, the filters, where from)."""
    from warmth.scope import describe_filters

    return {"table": "briefing", "format": "pdf", "lang": lang, "via": via,
            "filters": describe_filters(filters, "en")}  # fmt: skip
