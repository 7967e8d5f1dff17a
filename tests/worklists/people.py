"""The hand-made campaign of the people-list tests (tests/worklists/), on SQLite and
PostgreSQL: who is in it, and what each list must say about them.

The people, their categories and their records (amounts in yuan; programmes.csv says which
categories each programme serves and which need it meets):

| who | district / street | categories | records |
|---|---|---|---|
| A 张三 | 310101 / 310101002 | DBU, LTX | LB01 100 (LB, holiday_living), MZ01 300 (MZ, holiday_living) |
| B 李四 | 310101 / 310101002 | YLJZ | YB01 50 on 12-20, YB01 50 on 01-10 (same programme twice), MZ03 500 |
| C 王五 | 310101 / 310101013 | PKXS | MZ01 300 delivered by 310104 (MZ01 serves DBU/DBR only) |
| D 赵六 | 310101 / 310101013 | TKSY | GH02 200 (serves TKZG only), no district on the record |
| E 欧阳娜娜 | 310104 / 310104003 | LTX | LB01 100 on 2005-02-01 delivered by 310101; MZ01 300 (no district) |
| F 钱七 | 310104 / 310104003, also registered in 310101 / 310101002 | DBU | none |
| X (not registered) | - | - | LB02 150 delivered by 310104 |

Worked out by hand:
- reached: A (both records match), B (YB01, MZ03 serve YLJZ), E (LB01 serves LTX).
  Omitted: C (MZ01 does not serve PKXS), D (GH02 does not serve TKSY), F (no records).
  With as_of 2005-01-15, E's only matching record (02-01) is cut: E is omitted too.
- repeat: B with YB01 twice (100 yuan, 2004-12-20 .. 2005-01-10).
- overlap: A for holiday_living (LB + MZ, 400 yuan); B for medical (MZ + YB, 600 yuan).
  E is no overlap: MZ01 does not serve LTX, so it does not match.
- leakage, counted under the delivering district, else the beneficiary's: D in 310101 (GH02);
  C (MZ01, delivered by 310104), E (MZ01) and X (LB02, not registered) in 310104.
- cross-district: F, kept in 310104, second registration in 310101.
"""

from __future__ import annotations

from datetime import date

from warmth.ids import make_id
from warmth.scope import Filters, Scope

A = make_id("310101", date(1940, 3, 1), 11)
B = make_id("310101", date(1945, 5, 2), 21)
C = make_id("310101", date(1985, 9, 9), 31)
D = make_id("310101", date(1970, 1, 15), 41)
E = make_id("310104", date(1942, 7, 7), 51)
F = make_id("310104", date(1960, 2, 29), 61)
X = make_id("310110", date(1955, 12, 12), 71)

DEPTS = frozenset({"MZ", "LB", "YB", "JY", "GH", "TW", "FL", "CL", "HS", "CS", "SH"})
CITY = Scope(frozenset({"310101", "310104", "310105"}), DEPTS, role="city", user="city")
HUANGPU = Scope(frozenset({"310101"}), DEPTS, role="district", user="hp")
XUHUI = Scope(frozenset({"310104"}), DEPTS, role="district", user="xh")
CHANGNING = Scope(frozenset({"310105"}), DEPTS, role="district", user="cn")
UNMASKER = Scope(CITY.districts, DEPTS, role="city", user="boss", may_unmask=True)
ALL = Filters()


def ids_of(page, unmasked=True):
    return list(page.rows["id_number"])
