"""Year over year, the data-quality scorecard, the standard indicators and the left-out list
on a two-campaign database (`warmth demo --scale 1.0` loads 2004 and 2005): wall and CPU seconds
per call, the first call of the process (snapshots and the cross-year match read from their
files, or built when there are none: point WARMTH_SNAPSHOT_DIR at an empty folder for that),
then twice each, then new days (the first dated call also makes each snapshot's day changes,
warmth.snapshot.days; the days after it are days no call has asked for). Usage: python bench/bench_years.py URL"""

import sys
import time
from datetime import date

from warmth import indicators, quality, worklists, years
from warmth.database import make_engine
from warmth.scope import Filters, city_scope, district_scope

e = make_engine(sys.argv[1])


def clock(label, fn):
    t, cpu = time.perf_counter(), time.process_time()
    out = fn()
    wall, cpu = time.perf_counter() - t, time.process_time() - cpu
    print(f"{label}: {wall:.3f} s wall, {cpu:.3f} s CPU", flush=True)
    return out


with e.connect() as c:
    s = city_scope(c)
    f = Filters()
    clock(
        "first call of the process, compare by district",
        lambda: years.compare(c, s, f, "district"),
    )
    for rep in (1, 2):
        for by in ("district", "street", "category", "department"):
            clock(f"[{rep}] compare by {by}", lambda by=by: years.compare(c, s, f, by))
        clock(f"[{rep}] pacing_compare", lambda: years.pacing_compare(c, s, f))
        clock(f"[{rep}] scorecard", lambda: quality.scorecard(c, s, f))
        clock(f"[{rep}] indicators by district", lambda: indicators.indicators(c, s, f, "district"))
        clock(f"[{rep}] indicators by category", lambda: indicators.indicators(c, s, f, "category"))
        p = clock(
            f"[{rep}] left-out list, first page of 1000",
            lambda: worklists.left_out(c, s, f, limit=1000),
        )
        print("   left out:", p.total, flush=True)
    fa = Filters(as_of=date(2005, 1, 25))
    clock("compare by district as of 2005-01-25", lambda: years.compare(c, s, fa, "district"))
    clock("scorecard as of 2005-01-25", lambda: quality.scorecard(c, s, fa))
    clock("left-out as of 2005-01-25", lambda: worklists.left_out(c, s, fa, limit=1000))
    for label, fn in (
        ("compare by district", lambda: years.compare(c, s, fa, "district")),
        ("scorecard", lambda: quality.scorecard(c, s, fa)),
        ("left-out", lambda: worklists.left_out(c, s, fa, limit=1000)),
    ):
        clock(f"{label} as of 2005-01-25, again", fn)
    for day in (date(2005, 1, 26), date(2005, 2, 3)):  # days no call has asked for
        fd = Filters(as_of=day)
        clock(f"compare by district as of {day}", lambda fd=fd: years.compare(c, s, fd, "district"))
        clock(f"left-out as of {day}", lambda fd=fd: worklists.left_out(c, s, fd, limit=1000))
    d = district_scope(c, "310115")
    clock("district scope: compare by street", lambda: years.compare(c, d, f, "street"))
    clock("district scope: scorecard", lambda: quality.scorecard(c, d, f))
    clock("district scope: left-out", lambda: worklists.left_out(c, d, f, limit=1000))
    print(
        quality.scorecard(c, s, f)[
            [
                "key",
                "completeness",
                "late_share",
                "consistency_change",
                "outlier_records",
                "unmatched_share",
            ]
        ].to_string()
    )
