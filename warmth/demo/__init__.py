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
COPY), in one transaction that first removes the campaign's earlier rows. Into a new SQLite
file, `warmth demo` builds beside it and renames the file when whole (`fresh`): no journal,
the records written by a forked second process (`side`) while the register and its
categories are written, the indexes (the register's unique one too) built once after the
last campaign, then ANALYZE (every row; a sampled one misleads the planner here), so that
SQLite plans the lists on statistics. Each ID number is sealed once for all the
campaigns (`rows.SealBook`), half of them in a worker process.

The package, one idea a module: `parameters` (the city's shape), `people` (reference data and
the register), `records` (aid records and the planted imperfections), `rows` (writing in
chunks), `side` (the second writer), `fresh` (a new file built and renamed) and `load`
(load_demo, the one entry point).
"""

from warmth.demo.load import (
    DEFAULT_SCALE,
    DEFAULT_SEED,
    MAX_SCALE,
    STAGES,
    DemoScaleError,
    DemoStats,
    Progress,
    check_scale,
    load_demo,
)
from warmth.demo.parameters import PROFILES, ROADS, TYPO_SHARE
from warmth.demo.people import check_indices
from warmth.demo.records import day_weights

__all__ = [
    "DEFAULT_SCALE",
    "DEFAULT_SEED",
    "MAX_SCALE",
    "PROFILES",
    "ROADS",
    "STAGES",
    "TYPO_SHARE",
    "DemoScaleError",
    "DemoStats",
    "Progress",
    "check_indices",
    "check_scale",
    "day_weights",
    "load_demo",
]
