"""Write the name_en column of data/reference/streets.csv (run once, after editing names).

The specific part of a name is romanised in Hanyu Pinyin with pypinyin, without tones and
with an apostrophe before a/o/e inside a word (GB/T 16159); road and estate endings are
their own words, as on Shanghai's street signs (Nanjing Donglu, Kangjian Xincun); the kind
is translated: 街道 Subdistrict, 镇 Town, 乡 Township. pypinyin's reading of a few
polyphonic characters in place names is wrong (长 cháng, 行 háng, 重 chóng, 莘 xīn ...);
READINGS gives the right one, as checked by a person reading through every name. The app
reads the column; it never romanises at run time.

    python scripts/street_names.py            # rewrite the column
    python scripts/street_names.py --check    # exit 1 when the file is out of date
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

from pypinyin import Style, lazy_pinyin

STREETS = Path(__file__).resolve().parent.parent / "data" / "reference" / "streets.csv"
KINDS = {"街道": "Subdistrict", "镇": "Town", "乡": "Township"}
# Endings written as words of their own, longest first.
ENDINGS = (
    ("东路", "Donglu"),
    ("西路", "Xilu"),
    ("南路", "Nanlu"),
    ("北路", "Beilu"),
    ("中路", "Zhonglu"),
    ("一路", "Yilu"),
    ("二路", "Erlu"),
    ("新路", "Xinlu"),
    ("路", "Lu"),
    ("新村", "Xincun"),
)
# Place-name readings of polyphonic characters where pypinyin's phrase reading is wrong
# (or unsure), checked against the names' usual romanisation.
READINGS = {
    "长": "chang",  # 长桥 长风 长寿 长征 长白 长兴: cháng, never zhǎng
    "行": "hang",  # 杨行 殷行 高行 庙行 徐行 庄行: -háng
    "重": "chong",  # 重固 Chónggù
    "莘": "xin",  # 莘庄 Xīnzhuāng
    "曹": "cao",
    "漕": "cao",
    "巷": "xiang",  # 吕巷 Lǚxiàng
    "廊": "lang",
    "车": "che",  # 车墩 Chēdūn
    "堡": "bao",  # 堡镇 Bǎozhèn
    "场": "chang",  # 大场 五角场 新场
    "角": "jiao",  # 五角场 朱家角
    "曲": "qu",  # 曲阳 Qūyáng
    "横": "heng",  # 横沙 Héngshā
    "华": "hua",
    "绿": "lü",  # 绿华 Lǜhuá
    "吕": "lü",
    "泾": "jing",
    "浜": "bang",  # 新浜 Xīnbāng
    "佘": "she",
    "柘": "zhe",
    "荡": "dang",
    "藏": "zang",
    "虹": "hong",  # 虹桥 虹梅 Hóng-
    "便": "bian",
    "冈": "gang",
    "殷": "yin",  # 殷行 Yīnháng
    "泖": "mao",
    "堰": "yan",
    "颛": "zhuan",
    "陇": "long",
    "淞": "song",
}
# Whole names a syllable rule cannot give.
WHOLE = {
    "川沙新镇": "Chuansha New Town",
    "菊园新区管委会": "Juyuan New Area Administrative Committee",
}


def syllables(text: str) -> list[str]:
    out = lazy_pinyin(text, style=Style.NORMAL, v_to_u=True)
    return [READINGS.get(ch, syl) for ch, syl in zip(text, out, strict=True)]


def word(text: str) -> str:
    """Characters as one pinyin word, capitalised, with ' before a/o/e after a syllable."""
    parts = syllables(text)
    joined = parts[0]
    for syl in parts[1:]:
        joined += ("'" if syl[0] in "aoe" else "") + syl
    return joined[:1].upper() + joined[1:]


def specific(text: str) -> str:
    for ending, romanised in ENDINGS:
        # 湖南路 is Hunan Lu and 曹路镇 Caolu: an ending needs two characters before it
        if text.endswith(ending) and len(text) - len(ending) >= 2:
            return f"{specific(text[: -len(ending)])} {romanised}"
    return word(text)


def english_name(name_zh: str, kind: str) -> str:
    """The English name of a street, town or township: 瑞金二路街道 -> Ruijin Erlu Subdistrict."""
    if name_zh in WHOLE:
        return WHOLE[name_zh]
    generic = kind if kind in KINDS and name_zh.endswith(kind) else None
    if generic is None:
        raise ValueError(f"{name_zh}: kind {kind!r} is not its ending; add it to WHOLE")
    return f"{specific(name_zh[: -len(generic)])} {KINDS[generic]}"


def rewrite(text: str) -> str:
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    fields = list(rows[0])
    if "name_en" not in fields:
        fields.insert(fields.index("name_zh") + 1, "name_en")
    for row in rows:
        row["name_en"] = english_name(row["name_zh"], row["kind"])
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the file is current")
    args = parser.parse_args(argv)
    old = STREETS.read_text(encoding="utf-8")
    new = rewrite(old)
    if args.check:
        if new != old:
            print(f"{STREETS.name}: name_en is out of date; run {sys.argv[0]}", file=sys.stderr)
            return 1
        return 0
    STREETS.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
