"""Server time of a page's script run, for every page (a script, not a test).

    python bench/bench_pages.py sqlite:////tmp/full.db [--repeat 5]

For each page: the first run in a fresh process after the caches are cleared (cold: the
queries run), then warm reruns (what a viewer's click costs when the answer is cached), and
a rerun with a new as-of date (new cache keys: the queries run again). Times are medians in
ms, measured with streamlit's AppTest, which runs the script as the server does.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["overview", "districts", "departments", "categories", "timeline", "gaps", "data"]


def timed_run(at) -> float:
    began = time.perf_counter()
    at.run()
    if at.exception:
        raise RuntimeError([e.message for e in at.exception])
    return (time.perf_counter() - began) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("url")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ["WARMTH_DATABASE_URL"] = args.url
    sys.path.insert(0, str(ROOT))

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    print(f"database: {args.url}")
    print(f"{'page':<12} {'cold ms':>9} {'warm ms':>9} {'new as-of ms':>13}")
    for page in PAGES:
        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=600)
        at.context = {"locale": "zh-CN"}
        at.run()  # the frame and the default page; the target page follows
        if page != "overview":
            at.switch_page(f"pages/{page}.py")
        st.cache_data.clear()
        cold = timed_run(at)
        warm = statistics.median(timed_run(at) for _ in range(args.repeat))
        at.date_input(key="asof").set_value(date(2005, 1, 25))
        new_date = timed_run(at)
        print(f"{page:<12} {cold:>9.0f} {warm:>9.0f} {new_date:>13.0f}")


if __name__ == "__main__":
    main()
