"""Resident ID numbers (GB 11643-1999, ISO 7064 MOD 11-2) and masking of personal data."""

from __future__ import annotations

import re
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"


def check_char(first17: str) -> str:
    """The check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def make_id(area: str, birth: date, sequence: int) -> str:
    """A valid 18-character ID: 6-digit area code, birth date, 3-digit sequence, check char."""
    first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)


def normalise(raw: str) -> str:
    """Trimmed, lower-case x read as X. Nothing else is guessed at."""
    return raw.strip().replace("x", "X")


def id_problem(raw: str) -> str | None:
    """Why the string is not a valid resident ID number, or None when it is."""
    value = normalise(raw)
    if len(value) != 18:
        return f"must be 18 characters, got {len(value)}"
    if not (value[:17].isascii() and value[:17].isdigit()) or value[17] not in "0123456789X":
        return "must be 17 digits and a check digit or X"
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return f"birth date {value[6:14]} does not exist"
    if value[17] != check_char(value[:17]):
        return "check character does not match (GB 11643 MOD 11-2)"
    return None


def is_valid_id(raw: str) -> bool:
    return id_problem(raw) is None


def mask_id(value: str | None) -> str:
    """110105********002X: area code and the last four kept."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(value: str | None) -> str:
    """张* / 欧阳**: the first character kept (two for a four-character name)."""
    if not value:
        return ""
    keep = 2 if len(value) >= 4 else 1
    return value[:keep] + "*" * max(len(value) - keep, 1)


_ID_IN_TEXT = re.compile(r"(?<![0-9])[0-9]{14,17}[0-9Xx](?![0-9])")


def mask_ids_in(text: str) -> str:
    """Text with every run that could be an ID number (15 to 18 characters, the last one
    maybe X) masked as mask_id does: for cells and values quoted back from an upload in
    another column (a shifted row puts an ID number under 街道)."""
    return _ID_IN_TEXT.sub(lambda m: mask_id(m.group(0)), text)
