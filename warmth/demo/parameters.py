"""The demo city's shape: districts by zone, category profiles with their full-city counts,
birth years, reach per programme, household sizes, names and addresses."""

from __future__ import annotations

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
