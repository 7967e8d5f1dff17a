"""The demo city: a realistic, seeded campaign for the whole of Shanghai or a sample of it.

Scale 1.0 is the full city of the 2005 campaign: about 3.0 million registered beneficiaries
and 3.5 million aid records, with the category sizes of the estimates in the domain README
(mostly urban retirees with one LB01 record each). The default 0.02 is what the app loads on
its first start. Everything is drawn from one numpy Generator, so a seed always gives the
same city.

The imperfections the dashboard exists to find are planted on purpose and vary by district:
omission (3-15 %), repeats (the same programme paid twice), overlaps (they arise from people
in two categories served by different departments for the same need), leakage (records for
ID numbers not on the register, or for a programme serving none of the person's categories),
cross-district duplicate registrations, records delivered by a neighbouring district, and
two or three districts clearly behind pace.

Loading builds numpy arrays and writes them in big chunks (sqlite3 executemany, PostgreSQL
COPY), in one transaction that first removes the campaign's earlier rows.
"""

from __future__ import annotations

import gc
import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import repeat

import numpy as np
import sqlalchemy as sa

from warmth import reference, schema, versions
from warmth.database import is_sqlite
from warmth.ids import CHECK_CHARS, WEIGHTS
from warmth.snapshot import store as snapshot

Progress = Callable[[str, float], None]
"""Called as progress(stage, done) while loading: done is the share of the whole load, from
0.0 to 1.0 and never decreasing (fit for a progress bar); stage names the current step."""
# Where each step starts and ends on the overall progress scale.
STAGES = {
    "generating": (0.0, 0.15),
    "removing the earlier data": (0.15, 0.2),
    "register": (0.2, 0.55),
    "records": (0.55, 0.8),
    "indexing": (0.8, 0.85),
    "snapshot": (0.85, 1.0),
    "done": (1.0, 1.0),
}

DEFAULT_SCALE = 0.02
DEFAULT_SEED = 2005
CHUNK = 100_000
BENEFICIARY_COLUMNS = (
    "id",
    "campaign_id",
    "id_number",
    "name",
    "district_code",
    "street_code",
    "household_size",
    "address",
    "batch_id",
)
DUPLICATE_COLUMNS = (
    "campaign_id",
    "id_number",
    "name",
    "district_code",
    "street_code",
    "categories",
    "batch_id",
)
RECORD_COLUMNS = (
    "campaign_id",
    "submitter",
    "record_no",
    "id_number",
    "programme_code",
    "amount_fen",
    "form",
    "date",
    "district_code",
    "batch_id",
)
BIG_LOAD = 100_000  # people; from here on SQLite indexes are rebuilt rather than grown

# District zones: the old core, the inner suburbs, the outer suburbs and the island county.
CORE = ("310101", "310103", "310104", "310105", "310106", "310107", "310108", "310109", "310110")
INNER_SUBURBS = ("310112", "310113", "310115")
OUTER_SUBURBS = ("310114", "310116", "310117", "310118", "310119", "310120")
CHONGMING = "310230"
SUBURBS_AND_CHONGMING = INNER_SUBURBS + OUTER_SUBURBS + (CHONGMING,)
# 长兴乡 and 横沙乡 belonged to 宝山区 until 2005: "温暖送三岛" reaches them as well as 崇明.
ISLAND_TOWNSHIPS = ("长兴乡", "横沙乡")
ISLAND_PROGRAMME = "CS01"

# Profiles: the category combinations a registered person holds, with full-city counts.
# They add up to the README's category estimates (LTX 2,600,000, DBU 160,000, ...); the
# 115,600 people in two categories make the distinct total about 3.02 million.
# The third field picks the birth-date profile (see BIRTH).
PROFILES: tuple[tuple[tuple[str, ...], int, str], ...] = (
    (("LTX",), 2_538_400, "LTX"),
    (("LTX", "YLJZ"), 14_000, "LTX"),
    (("LTX", "YLYL"), 15_000, "YLYL"),
    (("LTX", "ZNZJ"), 20_000, "ZNZJ"),
    (("LTX", "YDAZ"), 3_000, "YDAZ"),
    (("LTX", "LLM"), 4_000, "LLM"),
    (("LTX", "HQS"), 600, "HQS"),
    (("LTX", "CJR"), 5_000, "LTX"),
    (("DBU",), 123_000, "DBU"),
    (("DBU", "CJR"), 10_000, "CJR"),
    (("DBU", "TKSY"), 15_000, "TKSY"),
    (("DBU", "YLJZ"), 6_000, "YLJZ"),
    (("DBU", "TKJT"), 6_000, "DBU"),
    (("DBR",), 37_000, "DBR"),
    (("DBR", "CJR"), 3_000, "DBR"),
    (("TKZG",), 52_000, "TKZG"),
    (("TKZG", "KNFN"), 8_000, "TKZG_F"),
    (("PKXS",), 50_000, "PKXS"),
    (("TKSY",), 21_000, "TKSY"),
    (("TKSY", "KNQN"), 4_000, "KNQN"),
    (("YLJZ",), 10_000, "YLJZ"),
    (("ZNZJ",), 10_000, "ZNZJ"),
    (("KNFN",), 22_000, "KNFN"),
    (("CJR",), 5_000, "CJR"),
    (("YLYL",), 5_000, "YLYL"),
    (("KNQN",), 16_000, "KNQN"),
    (("TKJT",), 12_000, "TKJT"),
    (("TKJT", "CJR"), 2_000, "CJR"),
    (("LLM",), 1_000, "LLM"),
    (("YDAZ",), 2_000, "YDAZ"),
    (("HQS",), 400, "HQS"),
)

# Birth year: (mean, sd, earliest, latest for women, latest for men, share of women).
# Retirees: men retire at 60, women at 50-55; students born 1981-1986; workers 1950-1976.
BIRTH: dict[str, tuple[float, float, int, int, int, float]] = {
    "LTX": (1937, 8, 1910, 1954, 1944, 0.53),
    "YLYL": (1933, 5, 1915, 1944, 1944, 0.55),
    "DBU": (1953, 11, 1925, 1978, 1978, 0.45),
    "DBR": (1945, 12, 1918, 1975, 1975, 0.45),
    "TKZG": (1962, 6, 1950, 1976, 1976, 0.42),
    "TKZG_F": (1962, 6, 1950, 1976, 1976, 1.0),  # women workers in special hardship
    "PKXS": (1984, 1.3, 1981, 1986, 1986, 0.48),
    "TKSY": (1958, 5, 1950, 1975, 1975, 0.45),
    "YLJZ": (1946, 12, 1920, 1975, 1975, 0.5),
    "ZNZJ": (1940, 5, 1928, 1954, 1944, 0.5),
    "KNFN": (1960, 8, 1945, 1980, 1980, 1.0),
    "CJR": (1962, 12, 1935, 1986, 1986, 0.42),
    "KNQN": (1981, 3, 1975, 1988, 1988, 0.45),
    "TKJT": (1952, 12, 1925, 1976, 1976, 0.45),
    "LLM": (1932, 6, 1915, 1944, 1944, 0.3),
    "YDAZ": (1928, 5, 1915, 1940, 1940, 0.2),
    "HQS": (1945, 6, 1932, 1954, 1954, 1.0),
    "ANY": (1950, 15, 1920, 1986, 1986, 0.5),
}

# How a category leans across the zones (core, inner suburbs, outer suburbs, 崇明), on top
# of the district's population: the old core has more retirees and 一老养一老 households,
# the suburbs and 崇明 the rural 低保 (none in the core).
ZONE_LEAN: dict[str, tuple[float, float, float, float]] = {
    "LTX": (1.3, 0.85, 0.7, 0.6),
    "YLYL": (1.9, 0.7, 0.5, 0.5),
    "DBU": (1.3, 0.9, 0.5, 0.3),
    "DBR": (0.0, 0.45, 1.5, 3.0),
    "TKJT": (0.9, 1.0, 1.2, 1.6),
    "CJR": (1.0, 1.0, 1.1, 1.3),
    "PKXS": (1.2, 1.2, 0.7, 0.5),
    "ZNZJ": (1.3, 0.9, 0.7, 0.5),
    "TKSY": (1.3, 1.0, 0.7, 0.5),
    "TKZG": (1.3, 1.0, 0.7, 0.5),
    "LLM": (1.3, 1.0, 0.7, 0.6),
}

# Given that a beneficiary is reached at all, how likely each programme serving one of
# their categories reaches them. Scholarships reach a few students; YB02 only retirees with
# a heavy medical burden. Pairs not listed: 0.5.
PROGRAMME_REACH: dict[tuple[str, str], float] = {
    ("MZ01", "DBU"): 0.97,
    ("MZ01", "DBR"): 0.97,
    ("MZ02", "YLYL"): 0.95,
    ("MZ03", "YLJZ"): 0.8,
    ("LB01", "LTX"): 0.985,
    ("LB02", "TKSY"): 0.93,
    ("YB01", "YLJZ"): 0.55,
    ("YB02", "YLJZ"): 0.45,
    ("YB02", "LTX"): 0.16,
    ("JY01", "PKXS"): 0.8,
    ("JY02", "PKXS"): 0.55,
    ("JY03", "PKXS"): 0.1,
    ("GH01", "LLM"): 0.95,
    ("GH02", "TKZG"): 0.9,
    ("GH03", "ZNZJ"): 0.92,
    ("GH04", "YDAZ"): 0.92,
    ("GH05", "ZNZJ"): 0.35,
    ("GH05", "YDAZ"): 0.35,
    ("TW01", "PKXS"): 0.25,
    ("TW01", "KNQN"): 0.6,
    ("TW02", "KNQN"): 0.45,
    ("FL01", "KNFN"): 0.9,
    ("FL02", "HQS"): 0.95,
    ("CL01", "CJR"): 0.95,
    ("HS01", "TKJT"): 0.7,
    ("CS01", "TKJT"): 0.6,
    ("CS01", "DBR"): 0.5,
    ("SH01", "TKJT"): 0.5,
    ("SH01", "DBU"): 0.3,
    ("SH02", "TKZG"): 0.45,
}
# Harder-to-find groups are reached a little less often than the district's rate.
CATEGORY_REACH: dict[str, float] = {"LTX": 1.02, "KNQN": 0.9, "TKSY": 0.95, "KNFN": 0.95}
# Programmes a record can wrongly name for a registered person (leakage by category).
LEAKAGE_PROGRAMMES = ("MZ01", "LB02", "GH02", "MZ02", "HS01", "SH02", "FL01", "CL01")
ZERO_VISIT_SHARE = 0.35  # visits without a gift are recorded with amount 0
TYPO_SHARE = 0.0003  # records typed with an extra zero

HOUSEHOLD_SIZE: dict[str, tuple[float, ...]] = {
    "YLYL": (0.0, 0.9, 0.1, 0.0, 0.0, 0.0),
    "DBR": (0.15, 0.3, 0.28, 0.17, 0.07, 0.03),
    "CJR": (0.15, 0.35, 0.3, 0.13, 0.05, 0.02),
    "ANY": (0.22, 0.3, 0.3, 0.12, 0.04, 0.02),
}

# Surnames by frequency in Shanghai (roughly); weights fall off with the rank.
SURNAMES = (
    *"张王陈李徐朱周沈陆吴黄杨顾刘孙钱金胡蔡倪许曹施姚俞郁邱唐潘范汪袁马赵高郑杜丁谢吕程叶戴",
    *"薛严宋何林梁郭罗韩冯邵龚毛秦殷费蒋翁贾卢褚缪方江傅石彭瞿董姜季",
    "欧阳",
)
# Given names: (first characters, second characters) by sex and generation; a one-character
# name takes a second character.
GIVEN: dict[str, tuple[str, str]] = {
    "m_old": (
        "国建福根德荣金永志文海宝兴忠祥耀家明长春",
        "林华明生根宝荣兴发才庆良祥平昌富康德贵泉",
    ),
    "m_young": ("志伟建晓俊文家海立卫振天嘉宏", "伟强磊军杰斌浩峰涛鹏超辉明刚毅晨骏凯宇亮"),
    "f_old": ("秀桂美凤玉佩素月金宝彩雅慧爱杏翠", "英珍兰娟芳娣妹琴凤华萍菊宝仙娥珠"),
    "f_young": ("晓丽佳美雪春海静文燕秋敏思", "婷静丽燕敏娜琳雯慧洁颖倩莉蕾晶怡瑾红霞萍芳"),
}

ROADS: dict[str, tuple[str, ...]] = {
    "310101": ("南京东路", "河南中路", "福州路", "九江路", "中华路", "复兴东路", "西藏南路"),
    "310103": ("淮海中路", "复兴中路", "建国中路", "瑞金二路", "打浦路", "丽园路", "蒙自路"),
    "310104": ("衡山路", "漕溪北路", "天钥桥路", "零陵路", "宜山路", "田林路", "龙华路"),
    "310105": ("愚园路", "延安西路", "天山路", "仙霞路", "武夷路", "定西路", "遵义路"),
    "310106": ("南京西路", "威海路", "常德路", "延安中路", "江宁路", "胶州路", "康定路"),
    "310107": ("曹杨路", "长寿路", "武宁路", "真北路", "铜川路", "宜川路", "兰溪路"),
    "310108": ("共和新路", "天目中路", "大统路", "宝山路", "彭江路", "临汾路", "延长中路"),
    "310109": ("四川北路", "大连路", "溧阳路", "海宁路", "曲阳路", "广中路", "东江湾路"),
    "310110": ("四平路", "控江路", "长阳路", "平凉路", "国和路", "黄兴路", "鞍山路"),
    "310112": ("沪闵路", "莘松路", "七莘路", "古美路", "江川路", "都市路", "顾戴路"),
    "310113": ("牡丹江路", "友谊路", "淞滨路", "殷高路", "呼玛路", "泰和路", "长江西路"),
    "310114": ("城中路", "博乐路", "清河路", "塔城路", "叶城路", "沪宜公路"),
    "310115": ("浦东南路", "张杨路", "崂山路", "潍坊路", "东方路", "金桥路", "上南路"),
    "310116": ("卫零路", "蒙山路", "龙皓路", "亭卫公路", "卫清西路", "石化一村路"),
    "310117": ("中山中路", "人民北路", "荣乐路", "乐都路", "谷阳路", "松汇路"),
    "310118": ("城中东路", "公园路", "华青路", "青安路", "外青松公路"),
    "310119": ("人民东路", "拱极路", "城西路", "南芦公路", "沪南公路"),
    "310120": ("南桥路", "解放路", "环城东路", "沪杭公路", "江海路"),
    "310230": ("八一路", "人民路", "南门路", "东门路", "北门路", "利民路"),
}
_VILLAGE_STEMS = "新建红星建设向阳联合东风永丰胜利新民光明跃进前进民主和平新华长征友谊新港南新北桥东海西塘三星合兴"
VILLAGES = tuple(f"{_VILLAGE_STEMS[i : i + 2]}村" for i in range(0, len(_VILLAGE_STEMS), 2))


class DemoScaleError(ValueError):
    """The scale is outside (0, 1]."""


@dataclass(frozen=True)
class DemoStats:
    """What load_demo wrote."""

    beneficiaries: int
    records: int
    duplicate_registrations: int
    seconds: float
    categories: int = 0
    replaced: int = 0  # beneficiaries of the campaign deleted first
    batch_id: int | None = None
    behind_districts: tuple[str, ...] = ()


def check_scale(scale: float) -> float:
    """The scale as a float, or DemoScaleError when it is not in (0, 1]."""
    try:
        value = float(scale)
    except (TypeError, ValueError):
        raise DemoScaleError(f"scale must be a number in (0, 1], got {scale!r}") from None
    if not (0 < value <= 1):
        raise DemoScaleError(
            f"scale must be greater than 0 and at most 1 (1 = the whole city, about 3 million "
            f"beneficiaries), got {scale:g}"
        )
    return value


# ------------------------------------------------------------------------------------------
# Reference data, read from the same CSV files the database was initialised from


@dataclass
class _Reference:
    districts: list[str]
    population: np.ndarray
    zone: np.ndarray  # 0 core, 1 inner suburb, 2 outer suburb, 3 崇明
    tiles: np.ndarray  # (n, 2) row, col
    street_codes: list[np.ndarray]  # per district: street codes
    street_kinds: list[np.ndarray]
    street_island: list[np.ndarray]  # per district: street on an island (温暖送三岛)
    categories: list[str]
    programmes: list[str]
    prog_form: list[str]
    prog_amount: np.ndarray  # fen
    prog_mask: np.ndarray  # bit mask of categories served


def _reference() -> _Reference:
    drows = reference.read_csv("districts.csv")
    districts = [r["code"] for r in drows]
    zone = np.array(
        [
            0
            if c in CORE
            else 1
            if c in INNER_SUBURBS
            else 2
            if c in OUTER_SUBURBS
            else 3
            if c == CHONGMING
            else 2
            for c in districts
        ],
        dtype=np.int8,
    )
    srows = reference.read_csv("streets.csv")
    codes, kinds, island = [], [], []
    for d in districts:
        mine = [r for r in srows if r["district_code"] == d]
        codes.append(np.array([r["code"] for r in mine]))
        kinds.append(np.array([r["kind"] for r in mine]))
        island.append(
            np.array([d == CHONGMING or r["name_zh"] in ISLAND_TOWNSHIPS for r in mine], dtype=bool)
        )
    cats = [r["code"] for r in reference.read_csv("categories.csv")]
    prows = reference.read_csv("programmes.csv")
    masks = [sum(1 << cats.index(c) for c in r["categories"].split(";")) for r in prows]
    return _Reference(
        districts=districts,
        population=np.array([int(r["est_hukou_population_2004"]) for r in drows], dtype=float),
        zone=zone,
        tiles=np.array([(int(r["tile_row"]), int(r["tile_col"])) for r in drows]),
        street_codes=codes,
        street_kinds=kinds,
        street_island=island,
        categories=cats,
        programmes=[r["code"] for r in prows],
        prog_form=[r["form"] for r in prows],
        prog_amount=np.array(
            [round(float(r["standard_amount_yuan"] or 0) * 100) for r in prows], dtype=np.int64
        ),
        prog_mask=np.array(masks, dtype=np.int64),
    )


# ------------------------------------------------------------------------------------------
# Generation: plain numpy arrays, one row per person or per record


@dataclass
class _People:
    profile: np.ndarray  # index into PROFILES
    district: np.ndarray  # index into ref.districts
    street: np.ndarray  # index into that district's streets
    key: np.ndarray  # first 17 digits of the ID number as an integer
    check: np.ndarray  # index into CHECK_CHARS
    surname: np.ndarray
    given1: np.ndarray  # index into _GIVEN_CHARS
    given2: np.ndarray  # -1: a one-character given name
    household: np.ndarray  # 0: not a household category
    rural: np.ndarray  # address as village/group rather than road/lane
    road: np.ndarray
    lane: np.ndarray
    house: np.ndarray
    room: np.ndarray


@dataclass
class _Records:
    key: np.ndarray
    check: np.ndarray
    programme: np.ndarray
    day: np.ndarray
    deliverer: np.ndarray  # district index of the delivering district
    amount: np.ndarray


_GIVEN_CHARS = "".join(first + second for first, second in GIVEN.values())
_GIVEN_POOLS: dict[str, tuple[int, int, int, int]] = {}  # first start, length, second start, length
_offset = 0
for _pool, (_first, _second) in GIVEN.items():
    _GIVEN_POOLS[_pool] = (_offset, len(_first), _offset + len(_first), len(_second))
    _offset += len(_first) + len(_second)
_GIVEN_CODES = np.array([ord(c) for c in _GIVEN_CHARS])
_SURNAME_WEIGHTS = 1 / np.arange(1, len(SURNAMES) + 1) ** 0.9
_SURNAME_WEIGHTS /= _SURNAME_WEIGHTS.sum()


def check_indices(keys: np.ndarray) -> np.ndarray:
    """GB 11643 check character (as an index into CHECK_CHARS) of 17-digit integer keys."""
    rest = keys.astype(np.int64)
    total = np.zeros(len(rest), dtype=np.int64)
    for weight in WEIGHTS[::-1]:
        total += (rest % 10) * weight
        rest = rest // 10
    return (total % 11).astype(np.int8)


def _member(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """keys found in sorted_keys (np.isin is much slower on millions of int64)."""
    at = np.minimum(np.searchsorted(sorted_keys, keys), max(len(sorted_keys) - 1, 0))
    return sorted_keys[at] == keys if len(sorted_keys) else np.zeros(len(keys), dtype=bool)


def _allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split total into integer parts proportional to weights (largest remainder)."""
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    exact = total * weights / weights.sum()
    parts = np.floor(exact).astype(np.int64)
    short = total - parts.sum()
    if short:
        parts[np.argsort(-(exact - parts), kind="stable")[:short]] += 1
    return parts


def _birth_dates(rng: np.random.Generator, spec: str, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(yyyymmdd, female) for n people of a birth profile."""
    mean, sd, lo, hi_f, hi_m, female_share = BIRTH[spec]
    female = rng.random(n) < female_share
    hi = np.where(female, hi_f, hi_m)
    year = np.rint(rng.normal(mean, sd, n)).astype(np.int64)
    year = np.where(year > hi, hi - rng.integers(0, 6, n), year)
    year = np.clip(year, lo, hi)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    doy = np.floor(rng.random(n) * (365 + leap)).astype(np.int64)
    day = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]") + doy
    month_start = day.astype("datetime64[M]")
    yyyy = month_start.astype("datetime64[Y]").astype(np.int64) + 1970
    mm = month_start.astype(np.int64) % 12 + 1
    dd = (day - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    return yyyy * 10000 + mm * 100 + dd, female


def _keys(area: np.ndarray, birth: np.ndarray, seq: np.ndarray) -> np.ndarray:
    return area * 10**11 + birth * 1000 + seq


def _sequence(rng: np.random.Generator, female: np.ndarray) -> np.ndarray:
    """Three-digit sequence: odd for men, even for women (GB 11643)."""
    return 2 * rng.integers(0, 500, len(female)) + (~female).astype(np.int64)


def _names(rng, n: int, birth: np.ndarray, female: np.ndarray):
    surname = rng.choice(len(SURNAMES), n, p=_SURNAME_WEIGHTS).astype(np.int16)
    old = birth < 19650000
    pools = np.empty((n, 4), dtype=np.int64)
    for pool, mask in (
        ("m_old", ~female & old),
        ("m_young", ~female & ~old),
        ("f_old", female & old),
        ("f_young", female & ~old),
    ):
        pools[mask] = _GIVEN_POOLS[pool]
    first = pools[:, 0] + np.floor(rng.random(n) * pools[:, 1]).astype(np.int64)
    second = pools[:, 2] + np.floor(rng.random(n) * pools[:, 3]).astype(np.int64)
    doubled = _GIVEN_CODES[first] == _GIVEN_CODES[second]  # 根根: take the next character
    second[doubled] = (
        pools[doubled, 2] + (second[doubled] - pools[doubled, 2] + 1) % pools[doubled, 3]
    )
    two_chars = rng.random(n) < np.where(old, 0.85, 0.6)
    given1 = np.where(two_chars, first, second)
    given2 = np.where(two_chars, second, -1)
    return surname, given1.astype(np.int16), given2.astype(np.int16)


def _street_weights(rng, ref: _Reference) -> list[np.ndarray]:
    """Uneven base weights of the streets of each district (big and small streets)."""
    return [rng.lognormal(0.0, 0.7, len(codes)) for codes in ref.street_codes]


def _kind_lean(kinds: np.ndarray, rural: bool) -> np.ndarray:
    # Rural 低保 lives in towns and townships, hardly in urban streets.
    table = {"街道": 0.05, "镇": 1.0, "乡": 1.0} if rural else {"街道": 1.5, "镇": 1.0, "乡": 0.6}
    return np.array([table.get(k, 0.5) for k in kinds])


def _people(rng: np.random.Generator, ref: _Reference, scale: float) -> _People:
    n_districts = len(ref.districts)
    base_streets = _street_weights(rng, ref)
    jitter = rng.lognormal(0.0, 0.12, (len(PROFILES), n_districts))
    area_codes = np.array([int(d) for d in ref.districts], dtype=np.int64)
    parts: dict[str, list[np.ndarray]] = {k: [] for k in _People.__dataclass_fields__}
    for p, (cats, full_count, birth_spec) in enumerate(PROFILES):
        lean = np.array(ZONE_LEAN.get(cats[0], (1.0, 1.0, 1.0, 1.0)))[ref.zone]
        if "DBR" in cats:
            lean = np.array(ZONE_LEAN["DBR"])[ref.zone]
        counts = _allocate(round(full_count * scale), ref.population * lean * jitter[p])
        rural_profile = "DBR" in cats
        household_cats = [c for c in cats if c in ("DBU", "DBR", "YLYL", "CJR", "TKJT")]
        size_spec = (
            "YLYL"
            if "YLYL" in cats
            else "DBR"
            if "DBR" in cats
            else "CJR"
            if household_cats == ["CJR"]
            else "ANY"
        )
        for d in np.flatnonzero(counts):
            n = int(counts[d])
            kinds = ref.street_kinds[d]
            w = base_streets[d] * _kind_lean(kinds, rural_profile)
            street = rng.choice(len(w), n, p=w / w.sum()).astype(np.int16)
            birth, female = _birth_dates(rng, birth_spec, n)
            key = _keys(np.full(n, area_codes[d]), birth, _sequence(rng, female))
            surname, given1, given2 = _names(rng, n, birth, female)
            if household_cats:
                sizes = rng.choice(6, n, p=HOUSEHOLD_SIZE[size_spec]) + 1
            else:
                sizes = np.zeros(n, dtype=np.int64)
            in_town = ((kinds == "镇") | (kinds == "乡"))[street]
            rural = rural_profile | (in_town & (ref.zone[d] >= 2) & (rng.random(n) < 0.5))
            roads = len(ROADS[ref.districts[d]])
            parts["profile"].append(np.full(n, p, dtype=np.int16))
            parts["district"].append(np.full(n, d, dtype=np.int8))
            parts["street"].append(street)
            parts["key"].append(key)
            parts["check"].append(np.zeros(n, dtype=np.int8))
            parts["surname"].append(surname)
            parts["given1"].append(given1)
            parts["given2"].append(given2)
            parts["household"].append(sizes.astype(np.int8))
            parts["rural"].append(rural)
            parts["road"].append(
                np.where(rural, rng.integers(0, len(VILLAGES), n), rng.integers(0, roads, n))
            )
            parts["lane"].append(
                np.where(rural, rng.integers(1, 13, n), np.rint(rng.lognormal(5.0, 0.9, n)) + 1)
            )
            parts["house"].append(np.where(rural, rng.integers(1, 120, n), rng.integers(1, 60, n)))
            floor = rng.integers(1, 7, n)
            parts["room"].append(np.where(rural, 0, floor * 100 + rng.integers(1, 5, n)))
    people = _People(**{k: np.concatenate(v) for k, v in parts.items()})
    people.lane = np.minimum(people.lane, 2000).astype(np.int32)
    _make_unique(rng, people)
    people.check = check_indices(people.key)
    # Register order: by ID number, so by district (the area code) first; the unique index
    # on the ID number then grows at its end.
    order = np.argsort(people.key)
    for field in _People.__dataclass_fields__:
        setattr(people, field, getattr(people, field)[order])
    return people


def _make_unique(rng: np.random.Generator, people: _People) -> None:
    """Draw new sequence numbers until every ID number is unique (same sex digit)."""
    keys = people.key
    order = np.argsort(keys)
    ordered = keys[order]
    clash = np.sort(order[1:][ordered[1:] == ordered[:-1]])
    kept = np.ones(len(keys), dtype=bool)
    kept[clash] = False
    taken = np.sort(keys[kept])
    for _ in range(100):
        if not len(clash):
            return
        male = (keys[clash] % 2).astype(bool)
        fresh = keys[clash] - keys[clash] % 1000 + _sequence(rng, ~male)
        by_value = np.argsort(fresh, kind="stable")
        twin = np.zeros(len(fresh), dtype=bool)
        twin[by_value[1:][fresh[by_value][1:] == fresh[by_value][:-1]]] = True
        ok = ~twin & ~_member(taken, fresh)
        keys[clash[ok]] = fresh[ok]
        taken = np.sort(np.concatenate([taken, fresh[ok]]))
        clash = clash[~ok]
    raise RuntimeError("could not make the demo ID numbers unique")


@dataclass
class _DistrictPlan:
    reach: np.ndarray  # share of eligible people reached at all
    behind: np.ndarray  # bool: records concentrated late
    repeat: np.ndarray  # share of records paid twice
    leak_unregistered: np.ndarray  # records for ID numbers not on the register, per record
    leak_category: np.ndarray  # records naming a programme for none of the person's categories
    elsewhere: np.ndarray  # share of records delivered by a neighbouring district
    new_year_push: np.ndarray


def _plan(rng: np.random.Generator, n_districts: int) -> _DistrictPlan:
    behind = np.zeros(n_districts, dtype=bool)
    behind[rng.choice(n_districts, int(rng.integers(2, 4)), replace=False)] = True
    return _DistrictPlan(
        reach=rng.uniform(0.85, 0.95, n_districts),
        behind=behind,
        repeat=rng.uniform(0.003, 0.018, n_districts),
        leak_unregistered=rng.uniform(0.002, 0.006, n_districts),
        leak_category=rng.uniform(0.0005, 0.0015, n_districts),
        elsewhere=rng.uniform(0.002, 0.01, n_districts),
        new_year_push=rng.uniform(0.7, 1.3, n_districts),
    )


def day_weights(
    n_days: int, new_year: int, spring_festival: int, lantern: int, *, behind: bool, push=1.0
) -> np.ndarray:
    """Share of a district's deliveries on each day of the window (day 0 = window start).

    Deliveries ramp towards New Year and towards the week before the Spring Festival, drop
    over the festival holiday and pick up for the Lantern Festival. A district behind pace
    does little before the last three weeks before the festival."""
    t = np.arange(n_days, dtype=float)
    if behind:
        w = (
            0.5
            + 0.7 * (t >= spring_festival - 15)
            + 4.0 * np.exp(-(((t - (spring_festival - 5)) / 4.0) ** 2))
        )
    else:
        w = (
            0.3
            + push * 2.6 * np.exp(-(((t - (new_year - 2)) / 4.5) ** 2))
            + 0.9 * ((t >= new_year) & (t < spring_festival - 10))
            + 2.4 * np.exp(-(((t - (spring_festival - 4)) / 3.0) ** 2))
        )
    w = w + 0.5 * np.exp(-(((t - lantern) / 1.5) ** 2))
    holiday = (t >= spring_festival) & (t < spring_festival + 7)
    w[holiday] *= 0.4
    return w / w.sum()


def _neighbours(ref: _Reference) -> list[np.ndarray]:
    """For each district, the districts next to it on the tile map (or the nearest)."""
    out = []
    for i in range(len(ref.districts)):
        dist = np.abs(ref.tiles - ref.tiles[i]).max(axis=1).astype(float)
        dist[i] = np.inf
        near = np.flatnonzero(dist <= 1)
        out.append(near if len(near) else np.array([int(np.argmin(dist))]))
    return out


def _records(
    rng: np.random.Generator,
    ref: _Reference,
    people: _People,
    plan: _DistrictPlan,
    weights: np.ndarray,  # (districts, days)
) -> tuple[_Records, int]:
    n_people = len(people.key)
    cat_bit = {c: 1 << i for i, c in enumerate(ref.categories)}
    island = np.zeros(n_people, dtype=bool)
    for d in range(len(ref.districts)):
        here = people.district == d
        island[here] = ref.street_island[d][people.street[here]]

    # Who is reached at all: the district's rate, a little lower for harder-to-find groups.
    adjust = np.array([CATEGORY_REACH.get(cats[0], 0.98) for cats, _, _ in PROFILES])
    reached = rng.random(n_people) < np.minimum(
        plan.reach[people.district] * adjust[people.profile], 0.995
    )

    ben_parts, prog_parts = [], []
    cs01 = ref.programmes.index(ISLAND_PROGRAMME)
    for p, (cats, _, _) in enumerate(PROFILES):
        idx = np.flatnonzero((people.profile == p) & reached)
        if not len(idx):
            continue
        mask = sum(cat_bit[c] for c in cats)
        cands = np.flatnonzero(ref.prog_mask & mask)
        probs = np.array(
            [
                max(
                    PROGRAMME_REACH.get((ref.programmes[j], c), 0.5)
                    for c in cats
                    if ref.prog_mask[j] & cat_bit[c]
                )
                for j in cands
            ]
        )
        chance = np.broadcast_to(probs, (len(idx), len(cands))).copy()
        chance[:, cands == cs01] *= island[idx, None]
        hit = rng.random(chance.shape) < chance
        none = ~hit.any(axis=1)
        hit[np.flatnonzero(none), chance[none].argmax(axis=1)] = True
        rows, cols = np.nonzero(hit)
        ben_parts.append(idx[rows])
        prog_parts.append(cands[cols].astype(np.int8))
    ben = np.concatenate(ben_parts)
    prog = np.concatenate(prog_parts)

    # Leakage by category: a registered person given a programme for none of their categories.
    prof_mask = np.array([sum(cat_bit[c] for c in cats) for cats, _, _ in PROFILES], dtype=np.int64)
    leak_codes = np.array([ref.programmes.index(c) for c in LEAKAGE_PROGRAMMES])
    per_district = np.bincount(people.district[ben], minlength=len(ref.districts))
    wrong_ben, wrong_prog = [], []
    for d in range(len(ref.districts)):
        n = rng.binomial(per_district[d], plan.leak_category[d])
        pool = np.flatnonzero(people.district == d)
        if not n or not len(pool):
            continue
        who = rng.choice(pool, n)
        what = rng.choice(leak_codes, n)
        wrong = (ref.prog_mask[what] & prof_mask[people.profile[who]]) == 0
        wrong_ben.append(who[wrong])
        wrong_prog.append(what[wrong].astype(np.int8))
    if wrong_ben:
        ben = np.concatenate([ben, *wrong_ben])
        prog = np.concatenate([prog, *wrong_prog])

    district = people.district[ben]
    day = np.empty(len(ben), dtype=np.int16)
    for d in range(len(ref.districts)):
        here = np.flatnonzero(district == d)
        day[here] = rng.choice(weights.shape[1], len(here), p=weights[d])

    # Repeats: the same programme paid again a few days later, under a new record number.
    again = np.flatnonzero(rng.random(len(ben)) < plan.repeat[district])
    later = np.minimum(day[again] + rng.integers(0, 15, len(again)), weights.shape[1] - 1)
    ben = np.concatenate([ben, ben[again]])
    prog = np.concatenate([prog, prog[again]])
    day = np.concatenate([day, later.astype(np.int16)])
    district = people.district[ben]

    # A few records are delivered by a neighbouring district (never 温暖送三岛).
    deliverer = district.copy()
    neighbours = _neighbours(ref)
    moved = np.flatnonzero((rng.random(len(ben)) < plan.elsewhere[district]) & (prog != cs01))
    for d in range(len(ref.districts)):
        mine = moved[district[moved] == d]
        deliverer[mine] = rng.choice(neighbours[d], len(mine))

    key = people.key[ben]
    check = people.check[ben]

    # Leakage by register: valid ID numbers that are on no register of the campaign.
    leak = [
        rng.binomial(int(np.sum(district == d)), plan.leak_unregistered[d])
        for d in range(len(ref.districts))
    ]
    n_leak = int(sum(leak))
    leak_district = np.repeat(np.arange(len(ref.districts)), leak).astype(np.int8)
    birth, female = _birth_dates(rng, "ANY", n_leak)
    area = np.array([int(c) for c in ref.districts], dtype=np.int64)[leak_district]
    leak_key = _keys(area, birth, _sequence(rng, female))
    register = np.sort(people.key)
    registered = _member(register, leak_key)
    while registered.any():  # next sequence number of the same sex
        clash = leak_key[registered]
        leak_key[registered] = clash - clash % 1000 + (clash % 1000 + 2) % 1000
        registered = _member(register, leak_key)
    usual = np.bincount(prog, minlength=len(ref.programmes)).astype(float)
    usual[cs01] = 0
    leak_prog = rng.choice(len(ref.programmes), n_leak, p=usual / usual.sum()).astype(np.int8)
    leak_day = np.empty(n_leak, dtype=np.int16)
    for d in range(len(ref.districts)):
        here = np.flatnonzero(leak_district == d)
        leak_day[here] = rng.choice(weights.shape[1], len(here), p=weights[d])

    prog = np.concatenate([prog, leak_prog])
    amount = ref.prog_amount[prog].copy()
    visits = np.flatnonzero(np.array(ref.prog_form)[prog] == "visit")
    amount[visits[rng.random(len(visits)) < ZERO_VISIT_SHARE]] = 0
    records = _Records(
        key=np.concatenate([key, leak_key]),
        check=np.concatenate([check, check_indices(leak_key)]),
        programme=prog,
        day=np.concatenate([day, leak_day]),
        deliverer=np.concatenate([deliverer, leak_district]),
        amount=amount,
    )
    # Record numbers run per delivering district in date order.
    order = np.lexsort((rng.random(len(prog)), records.day, records.deliverer))
    for field in _Records.__dataclass_fields__:
        setattr(records, field, getattr(records, field)[order])
    typo = rng.random(len(prog)) < TYPO_SHARE  # an extra zero typed: the scorecard's outliers
    records.amount[typo] *= 10
    return records, n_leak


def _duplicates(rng: np.random.Generator, ref: _Reference, people: _People) -> np.ndarray:
    """People registered again in another district: (person index, district, street)."""
    n = max(3, round(len(people.key) * 0.0005)) if len(people.key) else 0
    who = rng.choice(len(people.key), min(n, len(people.key)), replace=False)
    neighbours = _neighbours(ref)
    where = np.array([rng.choice(neighbours[d]) for d in people.district[who]], dtype=np.int64)
    street = np.array([rng.integers(0, len(ref.street_codes[d])) for d in where], dtype=np.int64)
    return np.stack([who, where, street], axis=1) if n else np.zeros((0, 3), dtype=np.int64)


# ------------------------------------------------------------------------------------------
# Writing: chunks of tuples, sqlite3 executemany or PostgreSQL COPY


def _bulk(conn: sa.Connection, table: str, columns: Sequence[str], chunks: Iterator[list]) -> int:
    raw = conn.connection.driver_connection
    written = 0
    cur = raw.cursor()
    try:
        if is_sqlite(conn):
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            for rows in chunks:
                cur.executemany(sql, rows)
                written += len(rows)
        else:
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for rows in chunks:
                    for row in rows:
                        copy.write_row(row)
                    written += len(rows)
    finally:
        cur.close()
    return written


_CHECK = np.array(list(CHECK_CHARS), dtype=object)
_SURNAME_OBJ = np.array(SURNAMES, dtype=object)
_GIVEN_OBJ = np.array([*_GIVEN_CHARS, ""], dtype=object)  # index -1: no second character


def _id_strings(key: np.ndarray, check: np.ndarray) -> list[str]:
    return (key.astype(str).astype(object) + _CHECK[check]).tolist()


def _name_strings(people: _People, which: slice | np.ndarray) -> list[str]:
    return (
        _SURNAME_OBJ[people.surname[which]]
        + _GIVEN_OBJ[people.given1[which]]
        + _GIVEN_OBJ[people.given2[which]]
    ).tolist()


def _address_strings(ref: _Reference, people: _People, sl: slice) -> list[str]:
    roads = [ROADS[d] for d in ref.districts]
    return [
        f"{VILLAGES[road]}{lane}组{house}号"
        if rural
        else f"{roads[d][road]}{lane}弄{house}号{room}室"
        for d, rural, road, lane, house, room in zip(
            people.district[sl].tolist(),
            people.rural[sl].tolist(),
            people.road[sl].tolist(),
            people.lane[sl].tolist(),
            people.house[sl].tolist(),
            people.room[sl].tolist(),
            strict=True,
        )
    ]


def _street_lookup(ref: _Reference) -> tuple[np.ndarray, np.ndarray]:
    """(all street codes as one object array, offset of each district's first street)."""
    flat = np.array([c for codes in ref.street_codes for c in codes.tolist()], dtype=object)
    offsets = np.cumsum([0] + [len(codes) for codes in ref.street_codes])[:-1]
    return flat, offsets


def _person_chunks(ref, people, campaign_id, batch_id, first_id, report) -> Iterator[list]:
    n = len(people.key)
    codes = np.array(ref.districts, dtype=object)
    streets, offsets = _street_lookup(ref)
    for start in range(0, n, CHUNK):
        sl = slice(start, min(start + CHUNK, n))
        district = people.district[sl]
        sizes = people.household[sl].astype(object)
        sizes[sizes == 0] = None
        yield list(
            zip(
                range(first_id + start, first_id + sl.stop),
                repeat(campaign_id),
                _id_strings(people.key[sl], people.check[sl]),
                _name_strings(people, sl),
                codes[district].tolist(),
                streets[offsets[district] + people.street[sl]].tolist(),
                sizes.tolist(),
                _address_strings(ref, people, sl),
                repeat(batch_id),
            )
        )
        report(sl.stop / n)


def _duplicate_rows(ref, people: _People, duplicates: np.ndarray, campaign_id, batch_id) -> list:
    who, where, street = duplicates.T
    streets, offsets = _street_lookup(ref)
    return list(
        zip(
            repeat(campaign_id),
            _id_strings(people.key[who], people.check[who]),
            _name_strings(people, who),
            [ref.districts[d] for d in where.tolist()],
            streets[offsets[where] + street].tolist(),
            [";".join(PROFILES[p][0]) for p in people.profile[who].tolist()],
            repeat(batch_id),
        )
    )


def _category_chunks(people: _People, first_id: int) -> Iterator[list]:
    profile_cats = [cats for cats, _, _ in PROFILES]
    n = len(people.key)
    for start in range(0, n, CHUNK):
        ids = range(first_id + start, first_id + min(start + CHUNK, n))
        chunk = people.profile[start : start + CHUNK].tolist()
        yield [(i, c) for i, p in zip(ids, chunk, strict=True) for c in profile_cats[p]]


def _record_chunks(ref, records: _Records, campaign, campaign_id, batch_id, days, report):
    n = len(records.key)
    starts = np.searchsorted(records.deliverer, np.arange(len(ref.districts)))
    number = np.arange(n) - starts[records.deliverer] + 1
    forms = np.array(ref.prog_form, dtype=object)
    progs = np.array(ref.programmes, dtype=object)
    codes = np.array(ref.districts, dtype=object)
    prefixes = np.array([f"{c}-{campaign}-" for c in ref.districts], dtype=object)
    day_strings = np.array(days, dtype=object)
    for start in range(0, n, CHUNK):
        sl = slice(start, min(start + CHUNK, n))
        deliverer = records.deliverer[sl]
        prog = records.programme[sl]
        submitter = codes[deliverer].tolist()
        record_no = [
            f"{p}{no:07d}"
            for p, no in zip(prefixes[deliverer].tolist(), number[sl].tolist(), strict=True)
        ]
        yield list(
            zip(
                repeat(campaign_id),
                submitter,
                record_no,
                _id_strings(records.key[sl], records.check[sl]),
                progs[prog].tolist(),
                records.amount[sl].tolist(),
                forms[prog].tolist(),
                day_strings[records.day[sl]].tolist(),
                submitter,
                repeat(batch_id),
            )
        )
        report(sl.stop / n)


def _delete_campaign(conn: sa.Connection, campaign_id: int) -> int:
    """Remove the campaign's register, records, duplicates and demo batches; returns the
    number of beneficiaries removed."""
    b, bc, dr = schema.beneficiaries, schema.beneficiary_categories, schema.duplicate_registrations
    ar, ib = schema.aid_records, schema.import_batches
    removed = conn.execute(
        sa.select(sa.func.count()).select_from(b).where(b.c.campaign_id == campaign_id)
    ).scalar_one()

    def only_this_campaign(table: sa.Table) -> bool:
        # SQLite empties a whole table much faster than it deletes the same rows one by one.
        others = sa.exists().where(table.c.campaign_id != campaign_id)
        return is_sqlite(conn) and not conn.execute(sa.select(others)).scalar()

    for table in (ar, dr):
        if only_this_campaign(table):
            conn.execute(sa.delete(table))
        else:
            conn.execute(sa.delete(table).where(table.c.campaign_id == campaign_id))
    if only_this_campaign(b):
        conn.execute(sa.delete(bc))
        conn.execute(sa.delete(b))
    else:
        mine = sa.select(b.c.id).where(b.c.campaign_id == campaign_id)
        conn.execute(sa.delete(bc).where(bc.c.beneficiary_id.in_(mine)))
        conn.execute(sa.delete(b).where(b.c.campaign_id == campaign_id))
    demo_batches = sa.select(ib.c.id).where(ib.c.campaign_id == campaign_id, ib.c.kind == "demo")
    conn.execute(sa.delete(schema.quarantine).where(schema.quarantine.c.batch_id.in_(demo_batches)))
    conn.execute(sa.delete(ib).where(ib.c.campaign_id == campaign_id, ib.c.kind == "demo"))
    return removed


def _drop_indexes(conn: sa.Connection) -> list[str]:
    """Drop the plain (non-unique) SQLite indexes of the loaded tables; returns the statements
    that recreate them. Building an index once is much faster than growing it row by row."""
    found = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        " AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN "
        "('beneficiaries', 'beneficiary_categories', 'aid_records')"
    ).all()
    for name, _ in found:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]


def _reserve_ids(conn: sa.Connection, n: int) -> int:
    """The first of n consecutive free beneficiary ids (the PostgreSQL sequence moved past)."""
    b = schema.beneficiaries
    top = conn.execute(sa.select(sa.func.coalesce(sa.func.max(b.c.id), 0))).scalar_one()
    if is_sqlite(conn):
        return top + 1
    conn.execute(sa.text("LOCK TABLE beneficiaries IN SHARE ROW EXCLUSIVE MODE"))
    top = conn.execute(sa.select(sa.func.coalesce(sa.func.max(b.c.id), 0))).scalar_one()
    seq = conn.execute(sa.text("SELECT pg_get_serial_sequence('beneficiaries', 'id')")).scalar_one()
    last = conn.execute(sa.text(f"SELECT last_value FROM {seq}")).scalar_one()
    first = max(top, last) + 1
    conn.execute(sa.text("SELECT setval(CAST(:seq AS regclass), :v)"), {"seq": seq, "v": first + n})
    return first


def load_demo(
    engine: sa.Engine,
    *,
    scale: float = DEFAULT_SCALE,
    seed: int = DEFAULT_SEED,
    campaign: str = "2005",
    progress: Progress | None = None,
    earlier: Callable | None = None,
) -> DemoStats:
    """Replace the campaign's register and aid records with a seeded demo city.

    scale is the share of the whole city in (0, 1]; 1.0 gives about 3.0 million
    beneficiaries and 3.5 million aid records. The campaign's aid records, register,
    categories, duplicate registrations and earlier demo batches are deleted first, in the
    same transaction: on failure nothing changes. progress, when given, is called as
    progress(stage, fraction). earlier(ref, people, plan) -> (people, plan), when given, makes
    the city of an earlier campaign out of the seed's (warmth.demo_years)."""
    scale = check_scale(scale)
    began = time.perf_counter()

    def report(stage: str, fraction: float) -> None:
        if progress is not None:
            low, high = STAGES[stage]
            progress(stage, low + (high - low) * max(0.0, min(1.0, fraction)))

    report("generating", 0.0)
    with engine.connect() as conn:
        c = schema.campaigns
        cid = reference.campaign_id(conn, campaign)
        window = conn.execute(sa.select(c).where(c.c.id == cid)).one()
    start, end = window.window_start, window.window_end
    n_days = (end - start).days + 1
    days = [(start + timedelta(days=i)).isoformat() for i in range(n_days)]

    def offset(when: date | None, default: int) -> int:
        return min(max((when - start).days, 0), n_days - 1) if when else default

    new_year = offset(window.new_year, n_days // 5)
    festival = offset(window.spring_festival, n_days * 4 // 5)
    lantern = offset(window.lantern_festival, n_days - 1)

    rng = np.random.default_rng(seed)
    ref = _reference()
    plan = _plan(rng, len(ref.districts))
    people = _people(rng, ref, scale)
    if earlier is not None:
        people, plan = earlier(ref, people, plan)
    weights = np.stack(
        [
            day_weights(n_days, new_year, festival, lantern, behind=bool(b), push=push)
            for b, push in zip(plan.behind, plan.new_year_push, strict=True)
        ]
    )
    report("generating", 0.5)
    records, n_leak = _records(rng, ref, people, plan, weights)
    duplicates = _duplicates(rng, ref, people)
    report("generating", 1.0)
    behind = tuple(ref.districts[i] for i in np.flatnonzero(plan.behind))

    n_people, n_records = len(people.key), len(records.key)
    # The demo city "reported" at the close of the campaign window, so its reporting status
    # reads as a campaign would, not as late by the years since 2005.
    submitted_at = datetime.combine(end, datetime.min.time(), UTC) + timedelta(hours=18)
    batch = {
        "kind": "demo",
        "file_name": f"demo city, scale {scale:g}, seed {seed}",
        "file_sha256": hashlib.sha256(f"demo:{campaign}:{scale!r}:{seed}".encode()).hexdigest(),
        "mode": "strict",
        "submitted_by": "warmth demo",
        "rows_in": n_people + n_records,
        "inserted": n_people + n_records,
        "status": "imported",
        "report": json.dumps(
            {"scale": scale, "seed": seed, "behind_districts": list(behind), "leakage": n_leak}
        ),
    }
    with engine.connect() as conn:
        sqlite = is_sqlite(conn)
        if sqlite:
            # The rows are consistent with the reference by construction; SQLite's per-row
            # foreign-key lookups would double the load time. Takes effect outside a transaction.
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
            conn.commit()
        try:
            with conn.begin():
                report("removing the earlier data", 0.0)
                rebuild = _drop_indexes(conn) if sqlite and n_people >= BIG_LOAD else []
                replaced = _delete_campaign(conn, cid)
                batch_id = conn.execute(
                    schema.import_batches.insert().values(
                        campaign_id=cid, submitted_at=submitted_at, **batch
                    )
                ).inserted_primary_key[0]
                first_id = _reserve_ids(conn, n_people)
                _bulk(
                    conn,
                    "beneficiaries",
                    BENEFICIARY_COLUMNS,
                    _person_chunks(
                        ref, people, cid, batch_id, first_id, lambda f: report("register", f)
                    ),
                )
                n_categories = _bulk(
                    conn,
                    "beneficiary_categories",
                    ("beneficiary_id", "category_code"),
                    _category_chunks(people, first_id),
                )
                n_duplicates = _bulk(
                    conn,
                    "duplicate_registrations",
                    DUPLICATE_COLUMNS,
                    iter([_duplicate_rows(ref, people, duplicates, cid, batch_id)]),
                )
                _bulk(
                    conn,
                    "aid_records",
                    RECORD_COLUMNS,
                    _record_chunks(
                        ref, records, campaign, cid, batch_id, days, lambda f: report("records", f)
                    ),
                )
                for number, sql in enumerate(rebuild):
                    report("indexing", number / len(rebuild))
                    conn.exec_driver_sql(sql)
                versions.bump(conn)
            del people, records, duplicates  # the generated city: gone before the snapshot
            gc.collect()
            report("snapshot", 0.0)
            snapshot.city(conn, cid)  # built now, kept beside the database: a fast first view
        finally:
            if sqlite:
                conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                conn.exec_driver_sql("PRAGMA cache_size=-2000")
                conn.commit()
    report("done", 1.0)
    return DemoStats(
        beneficiaries=n_people,
        records=n_records,
        duplicate_registrations=n_duplicates,
        seconds=round(time.perf_counter() - began, 2),
        categories=n_categories,
        replaced=replaced,
        batch_id=batch_id,
        behind_districts=behind,
    )
