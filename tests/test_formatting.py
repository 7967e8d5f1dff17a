"""warmth.formatting: one place for lists, numbers, amounts, dates, percentages, counts."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from warmth import formatting


@pytest.mark.parametrize(
    ("call", "zh", "en"),
    [
        (lambda lang: formatting.join(["城镇退休", "仍困难"], lang), "城镇退休、仍困难", None),
        (lambda lang: formatting.join(["Urban retiree", "Still in hardship"], lang), None,
         "Urban retiree, Still in hardship"),
        (lambda lang: formatting.integer(12345.4, lang), "12,345", "12,345"),
        (lambda lang: formatting.integer(None, lang), "—", "—"),
        (lambda lang: formatting.integer(float("nan"), lang), "—", "—"),
        (lambda lang: formatting.percent(0.4567, lang), "45.7%", "45.7%"),
        (lambda lang: formatting.percent(None, lang), "—", "—"),
        (lambda lang: formatting.yuan(860, lang), "860 元", "¥860"),
        (lambda lang: formatting.yuan(1_230_000, lang), "123.0 万元", "¥1.23 m"),
        (lambda lang: formatting.day(date(2005, 1, 25), lang), "2005年1月25日", "25 Jan 2005"),
        (lambda lang: formatting.count(1, "行" if lang == "zh" else "row", lang=lang), "1 行",
         "1 row"),
        (lambda lang: formatting.count(3, "行" if lang == "zh" else "row", lang=lang), "3 行",
         "3 rows"),
    ],
)  # fmt: skip
def test_formats_in_both_languages(call, zh, en):
    if zh is not None:
        assert call("zh") == zh
    if en is not None:
        assert call("en") == en


@pytest.mark.parametrize(
    ("value", "shown"),
    [(2.0, 2), (np.float64(3.0), 3), (np.int64(4), 4), (2.5, 2.5), (None, ""),
     (float("nan"), ""), ("x", "x")],
)  # fmt: skip
def test_csv_cells_print_whole_numbers_as_integers(value, shown):
    got = formatting.cell(value)
    assert got == shown
    assert type(got) is type(shown)


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (1, "<5"), (4, "<5"), (4.4, "<5"), (5, "5"), (12345, "12,345"), (None, "—"),
     (float("nan"), "—"), (np.int64(3), "<5")],
)  # fmt: skip
def test_small_counts_are_shown_as_under_five(value, text):
    assert formatting.small_count(value, "zh") == text
    assert formatting.small_count(value, "en") == text
    assert formatting.counter(True) is formatting.small_count
    assert formatting.counter(False) is formatting.integer
