"""Counts of 1 to 4 on a chart's bars: a label "<5" (formatting.small_count) is not enough
when the bar's height still tells the count, so such a bar is drawn at the height of
formatting.SMALL_COUNT and hatched."""

from __future__ import annotations

import pandas as pd

from warmth import formatting

HATCH = "/"  # the pattern of a bar whose count (1 to 4) is not shown


def small_bars(values: pd.Series, small: bool) -> tuple[list[float], list[str]]:
    """Bar heights and patterns: with ``small``, a count of 1 to 4 is drawn at the height of
    formatting.SMALL_COUNT and hatched (its label says "<5"), so its height tells nothing
    the label does not; other counts as they are, unpatterned."""
    values = values.astype(float).fillna(0)
    if not small:
        return values.tolist(), [""] * len(values)
    hidden = (values > 0) & (values.round() < formatting.SMALL_COUNT)
    heights = values.where(~hidden, float(formatting.SMALL_COUNT))
    return heights.tolist(), [HATCH if h else "" for h in hidden]


def pattern(hatch: list[str]) -> dict:
    """A bar trace's marker.pattern for small_bars' patterns."""
    return {"shape": hatch, "fillmode": "overlay", "size": 8}
