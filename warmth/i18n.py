"""The one string table for every label on screen and in exports (中文 / English).

Strings live in warmth/strings.csv (key,zh,en). Names of districts, departments, categories
and programmes come from the reference data, not from here.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

LANGS = ("zh", "en")
STRINGS_FILE = Path(__file__).resolve().parent / "strings.csv"


@cache
def table() -> dict[str, dict[str, str]]:
    with open(STRINGS_FILE, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, dict[str, str]] = {}
    for row in rows:
        if row["key"] in out:
            raise ValueError(f"string key {row['key']!r} defined twice in {STRINGS_FILE.name}")
        out[row["key"]] = {"zh": row["zh"], "en": row["en"]}
    return out


def t(key: str, lang: str = "zh", **values: object) -> str:
    """The label for key in lang, with {placeholders} filled. A missing key raises KeyError,
    so a typo fails in tests instead of showing a raw key to officials."""
    text = table()[key][lang if lang in LANGS else "zh"]
    return text.format(**values) if values else text


def lang_from_locale(locale: str | None) -> str:
    """zh for any Chinese browser locale, en otherwise."""
    return "zh" if (locale or "").lower().startswith("zh") else "en"


def name(row, lang: str) -> str:
    """The Chinese or English name of a reference row (a mapping with name_zh/name_en)."""
    zh = row["name_zh"]
    en = row.get("name_en") if hasattr(row, "get") else row["name_en"]
    return zh if lang == "zh" or not en else en
