"""Language-aware formatting, in one place: lists, numbers, amounts, dates, percentages and
counts of things, in Chinese (zh) or English (en). Undefined values (None, NaN) show as '—',
never as 0."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

DASH = "—"
SMALL_COUNT = (
    5  # counts below it (and above 0) are shown as "<5": a small street can single a person out
)
LIST_SEPARATOR = {"zh": "、", "en": ", "}


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def join(items: Iterable[object], lang: str = "zh") -> str:
    """A list as text: 城镇低保家庭、残疾人 in Chinese, 'Urban, Disabled' in English."""
    return LIST_SEPARATOR.get(lang, "、").join(str(i) for i in items)


def integer(value: float | int | None, lang: str = "zh") -> str:
    """A whole number with thousands separators (both languages write 12,345)."""
    if _missing(value):
        return DASH
    return f"{int(round(value)):,}"


def small_count(value: float | int | None, lang: str = "zh") -> str:
    """A count for a projector or a briefing: 1 to 4 as "<5" (a small street or category can
    single a person out), 0 and larger counts as integer() writes them."""
    if _missing(value):
        return DASH
    n = int(round(value))
    return f"<{SMALL_COUNT}" if 0 < n < SMALL_COUNT else integer(n, lang)


def counter(small: bool):
    """The count formatter: small_count when small counts are suppressed, else integer."""
    return small_count if small else integer


def number(value: float | int | None, lang: str = "zh", digits: int = 1) -> str:
    """A number with `digits` decimals and thousands separators."""
    if _missing(value):
        return DASH
    return f"{value:,.{digits}f}"


def percent(value: float | None, lang: str = "zh", digits: int = 1) -> str:
    """A fraction as a percentage: 0.4567 -> 45.7%; undefined is '—', never 0 %."""
    if _missing(value):
        return DASH
    return f"{value * 100:.{digits}f}%"


def yuan(value: float | None, lang: str = "zh") -> str:
    """An amount in yuan: 12.3 万元 / 860 元 in Chinese, ¥1.23 m / ¥860 in English."""
    if _missing(value):
        return DASH
    if lang == "zh":
        return f"{value / 10000:,.1f} 万元" if abs(value) >= 100000 else f"{value:,.0f} 元"
    return f"¥{value / 1e6:,.2f} m" if abs(value) >= 1e6 else f"¥{value:,.0f}"


def day(value: date | None, lang: str = "zh") -> str:
    """A date: 2005年1月25日 / 25 Jan 2005."""
    if value is None:
        return DASH
    return f"{value.year}年{value.month}月{value.day}日" if lang == "zh" else f"{value:%d %b %Y}"


def count(n: int, singular: str, plural: str | None = None, lang: str = "zh") -> str:
    """n things: '1 row', '3 rows' in English; Chinese has no plural ('3 行': pass the
    measure word as singular)."""
    if lang == "zh":
        return f"{integer(n, lang)} {singular}"
    word = singular if n == 1 else (plural or singular + "s")
    return f"{integer(n, lang)} {word}"


def cell(value: object) -> object:
    """A value for a CSV cell: whole floats as integers (household size 2, not 2.0),
    numpy scalars as Python values, undefined as ''."""
    if _missing(value):
        return ""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# Every ASCII punctuation character Markdown (and Streamlit's :directives:, $math$) may read.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&=\"'])")


def plain(text: object) -> str:
    """Text from outside (a file name, a column header) shown through Markdown as itself:
    `![x](https://host)` stays those characters and never becomes an image or a link."""
    return _MARKDOWN.sub(r"\\\1", str(text))
