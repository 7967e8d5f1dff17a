"""The briefing's fonts: Debian's Noto Sans CJK SC cut down to the characters a briefing
can write, made once and kept in a cache folder.

fpdf2 reads every glyph's width and name from a font it is given (65,535 glyphs in a Noto
CJK face: 0.8 CPU-s a face) and, on output, subsets the whole CFF font again (1.3 CPU-s).
A face holding only the characters of the briefing's words (warmth/strings.csv, the metrics'
definitions, ASCII and the names in the request's figures: a few thousand glyphs) costs a
fraction of that, and fpdf2 embeds its own subset of it as before, with its ToUnicode map,
so the text stays searchable and copyable.

`face(style, chars)` is the path of that cut face, made by fontTools' subsetter the first
time a set of characters is asked for and kept under `folder()` in a file named by the
digest of the source font file, its face number and the characters, so a new font package
or a new street name makes a new file and never reads a stale one. A briefing that still
meets a character its cut face lacks is written again with the whole font (pdf.build).
"""

from __future__ import annotations

import hashlib
import os
import string
import tempfile
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from warmth import config

FONT_DIR = Path("/usr/share/fonts/opentype/noto")
FONTS = {"": "NotoSansCJK-Regular.ttc", "B": "NotoSansCJK-Bold.ttc"}
SC = 2  # Noto Sans CJK SC in the collections (JP, KR, SC, TC, HK, then the mono faces)
CACHE_ENV_VAR = "WARMTH_CACHE_DIR"
KEPT = 64  # cut faces kept in the folder (the newest used); older ones are removed
# the characters every briefing may use besides its words: ASCII, and the marks the
# formatting and the tables add (an em dash, "⚠", "、", full-width marks, "¥", 万元, 年月日)
ALWAYS = string.printable + "—–…⚠、，。：；（）《》“”‘’·％×≤≥±¥万元年月日"


def source(style: str) -> Path:
    """The whole font file of a style ("" regular, "B" bold)."""
    return FONT_DIR / FONTS[style]


def folder() -> Path:
    """Where cut faces are kept: $WARMTH_CACHE_DIR/fonts, else data/cache/fonts."""
    root = os.environ.get(CACHE_ENV_VAR)
    return (Path(root) if root else config.DATA_DIR / "cache") / "fonts"


@cache
def _digest(path: Path, size: int, mtime_ns: int) -> str:
    """The SHA-256 of a font file (once per process per file version: 0.03 s for 20 MB)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def digest(path: Path) -> str:
    st = path.stat()
    return _digest(path, st.st_size, st.st_mtime_ns)


def characters(texts: Iterable[str]) -> str:
    """The distinct characters of texts and ALWAYS, sorted (the key of a cut face)."""
    seen = set(ALWAYS)
    for text in texts:
        seen.update(text)
    return "".join(sorted(c for c in seen if not c.isspace() or c == " "))


def face(style: str, chars: str) -> Path:
    """The path of the style's face cut down to chars, made when it is not kept yet."""
    whole = source(style)
    name = hashlib.sha256(f"{digest(whole)}:{SC}:{chars}".encode()).hexdigest()[:32]
    target = folder() / f"noto-sc{style or 'R'}-{name}.otf"
    if target.exists():
        os.utime(target)  # kept as one of the newest
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    _cut(whole, chars, target)
    _prune(target.parent)
    return target


def _cut(whole: Path, chars: str, target: Path) -> None:
    """Write the face of whole holding chars' glyphs (and their layout) to target,
    atomically: processes making the same face at once both end with a whole file."""
    from fontTools import subset, ttLib

    font = ttLib.TTFont(whole, fontNumber=SC, lazy=True, recalcTimestamp=False)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.recalc_bounds = False  # the whole font's box still holds every glyph
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=[ord(c) for c in chars])
    cutter.subset(font)
    fd, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            font.save(fh)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _prune(where: Path) -> None:
    """Keep the KEPT most recently used faces."""
    kept = sorted(where.glob("noto-sc*.otf"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in kept[KEPT:]:
        old.unlink(missing_ok=True)
